package io.github.dbosspring.workflow.support;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.workflow.DbosException;
import io.github.dbosspring.workflow.WorkflowHandle;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowNotFoundException;

/**
 * A {@link WorkflowHandle} that waits on the local execution when there is one and
 * otherwise on the stored state.
 *
 * @param <T> the result type
 */
final class DefaultWorkflowHandle<T> implements WorkflowHandle<T> {

	private final WorkflowEngine engine;

	private final String workflowId;

	private final @Nullable WorkflowMethod workflow;

	DefaultWorkflowHandle(WorkflowEngine engine, String workflowId, @Nullable WorkflowMethod workflow) {
		this.engine = engine;
		this.workflowId = workflowId;
		this.workflow = workflow;
	}

	@Override
	public String getWorkflowId() {
		return this.workflowId;
	}

	@Override
	public T getResult() {
		try {
			return await(null);
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public T getResult(Duration timeout) throws TimeoutException {
		return await(timeout);
	}

	@SuppressWarnings("unchecked")
	private T await(@Nullable Duration timeout) throws TimeoutException {
		try {
			return (T) this.engine.awaitOutcome(this.workflowId, this.workflow, timeout, false);
		}
		catch (RuntimeException | Error | TimeoutException ex) {
			throw ex;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DbosException("Interrupted while waiting for workflow '" + this.workflowId + "'", ex);
		}
		catch (Throwable ex) {
			throw new DbosException("Workflow '" + this.workflowId + "' failed: " + ex, ex);
		}
	}

	@Override
	public WorkflowInfo getStatus() {
		return this.engine.findWorkflow(this.workflowId)
			.orElseThrow(() -> new WorkflowNotFoundException("No workflow with ID '" + this.workflowId + "'"));
	}

	@Override
	public String toString() {
		return "WorkflowHandle[" + this.workflowId + "]";
	}

}
