package io.github.dbosspring.workflow.support;

import java.util.UUID;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.store.QueueRepository;
import io.github.dbosspring.store.WorkflowStatusRepository;
import io.github.dbosspring.workflow.DbosException;
import io.github.dbosspring.workflow.WorkflowCancelledException;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowNotFoundException;
import io.github.dbosspring.workflow.WorkflowStatus;

/**
 * Steering of one workflow by ID (cancel, resume, fork, delete, replay of a dead letter),
 * with the same rules and errors for the {@code Dbos} facade, the client, the actuator
 * endpoint and the CLI.
 *
 * @since 0.2.0
 */
public class WorkflowControl {

	private final WorkflowStatusRepository workflows;

	private final QueueRepository queues;

	public WorkflowControl(WorkflowStatusRepository workflows, QueueRepository queues) {
		this.workflows = workflows;
		this.queues = queues;
	}

	/**
	 * Cancels a workflow that has not completed, and with {@code cascade} its children.
	 * @return whether the workflow itself was cancelled now (false: it had completed)
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 */
	public boolean cancel(String workflowId, boolean cascade) {
		boolean cancelled = this.workflows.cancel(workflowId, null, WorkflowCancelledException.class.getName(),
				"cancelled", cascade);
		if (!cancelled && this.workflows.find(workflowId).isEmpty()) {
			throw new WorkflowNotFoundException("Cannot cancel workflow '" + workflowId + "': no workflow has that ID");
		}
		return cancelled;
	}

	/**
	 * Resumes a cancelled or failed workflow from its last completed step. Idempotent.
	 * @return the workflow as it is now
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 * @throws IllegalStateException if it completed successfully
	 */
	public WorkflowInfo resume(String workflowId) {
		boolean resumed = this.workflows.resume(workflowId);
		WorkflowInfo info = this.workflows.find(workflowId)
			.orElseThrow(() -> new WorkflowNotFoundException("Cannot resume '" + workflowId + "': no workflow has that "
					+ "ID"));
		if (!resumed && info.status() == WorkflowStatus.SUCCESS) {
			throw new IllegalStateException("Cannot resume workflow '" + workflowId + "': it completed successfully");
		}
		return info;
	}

	/**
	 * Starts a new workflow from a copy of another's steps numbered below {@code fromStep}.
	 * @param newWorkflowId the new ID, or {@code null} for a generated one
	 * @param applicationVersion the version to run it under, or {@code null} for the original's
	 * @return the new workflow
	 */
	public WorkflowInfo fork(String workflowId, int fromStep, @Nullable String newWorkflowId,
			@Nullable String applicationVersion) {
		if (fromStep < 0) {
			throw new IllegalArgumentException("fromStep must not be negative, was " + fromStep);
		}
		String id = (newWorkflowId != null) ? newWorkflowId : UUID.randomUUID().toString();
		boolean forked;
		try {
			forked = this.workflows.fork(workflowId, id, fromStep, applicationVersion);
		}
		catch (org.springframework.dao.DuplicateKeyException ex) {
			throw new DbosException("Cannot fork workflow '" + workflowId + "' as '" + id + "': that ID is taken");
		}
		if (!forked) {
			throw new WorkflowNotFoundException("Cannot fork '" + workflowId + "': no workflow has that ID");
		}
		return this.workflows.find(id).orElseThrow();
	}

	/**
	 * Deletes a workflow with its steps, events, messages, streams and attempts; a running
	 * one is cancelled first.
	 * @return whether it existed
	 */
	public boolean delete(String workflowId, boolean cascade) {
		this.workflows.cancel(workflowId, null, WorkflowCancelledException.class.getName(), "deleted", cascade);
		return this.workflows.delete(workflowId, cascade) > 0;
	}

	/**
	 * Puts a dead-lettered job back on its queue with a fresh attempt counter.
	 * @return the job as it is now
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 * @throws IllegalStateException if it is not dead-lettered
	 */
	public WorkflowInfo replayDeadLetter(String workflowId) {
		if (!this.queues.replay(workflowId)) {
			WorkflowInfo info = this.workflows.find(workflowId)
				.orElseThrow(() -> new WorkflowNotFoundException("Cannot replay '" + workflowId + "': no workflow "
						+ "has that ID"));
			if (info.status() != WorkflowStatus.ENQUEUED) {
				throw new IllegalStateException("Cannot replay workflow '" + workflowId + "': it is " + info.status()
						+ ", not DEAD_LETTER");
			}
			// replayed concurrently: it is enqueued again either way
		}
		return this.workflows.find(workflowId).orElseThrow();
	}

}
