package io.github.dbosspring.workflow.support;

import java.time.Duration;

import io.github.dbosspring.workflow.WorkflowStatus;

/**
 * Callbacks from the engine for metrics and tracing. Implementations must be fast and must
 * not throw.
 *
 * @since 0.2.0
 */
public interface WorkflowObserver {

	/** Observes nothing. */
	WorkflowObserver NONE = new WorkflowObserver() {
	};

	/**
	 * A workflow was recorded as started (inline, in the background, or a queued job's
	 * first attempt).
	 * @param workflowName the workflow
	 */
	default void workflowStarted(String workflowName) {
	}

	/**
	 * A workflow reached a final state recorded by this process.
	 * @param workflowName the workflow
	 * @param status its final status
	 */
	default void workflowCompleted(String workflowName, WorkflowStatus status) {
	}

	/**
	 * A step was checkpointed by this process.
	 * @param stepName the step
	 * @param failed whether it recorded an exception
	 * @param duration how long its body ran
	 */
	default void stepCompleted(String stepName, boolean failed, Duration duration) {
	}

	/**
	 * A worker of this process started a queued job.
	 * @param queueName the queue
	 * @param waited from its enqueue to its start
	 */
	default void jobStarted(String queueName, Duration waited) {
	}

	/**
	 * Workflows were taken over for recovery by this process.
	 * @param count how many
	 */
	default void workflowsRecovered(int count) {
	}

}
