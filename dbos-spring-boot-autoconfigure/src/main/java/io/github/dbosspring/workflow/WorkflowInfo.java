package io.github.dbosspring.workflow;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one workflow's stored state. Inputs and output are the stored JSON text,
 * so a process that does not have the workflow's classes can still read them.
 *
 * @param workflowId the workflow ID (its idempotency key)
 * @param status the current status
 * @param workflowName the registered workflow name
 * @param className the user class that declares the workflow method
 * @param beanName the Spring bean that ran it
 * @param inputs the arguments as a JSON array
 * @param output the result as JSON, for {@link WorkflowStatus#SUCCESS}
 * @param errorClass the exception class, for {@link WorkflowStatus#ERROR}
 * @param errorMessage the exception message, for {@link WorkflowStatus#ERROR}
 * @param executorId the executor that owns (or last owned) the workflow
 * @param applicationVersion the application version that started it
 * @param recoveryAttempts how many times it was recovered after a crash
 * @param parentWorkflowId the parent, for a child workflow
 * @param queueName the queue it was enqueued on, if any
 * @param createdAt when it was started
 * @param updatedAt when its row last changed
 * @param completedAt when it reached a final state
 * @param deduplicationId the deduplication ID it was enqueued with
 * @param priority its queue priority (lower runs first)
 * @param partitionKey its queue partition
 * @param attempt the current (or last) attempt of a queued job, from 1; 0 before its first
 * @param maxAttempts the attempts a queued job is allowed
 * @param scheduledFor not started before this time (delay or retry backoff)
 * @param startedAt when a worker last started it
 * @param deadline when its timeout expires
 * @param progress the progress it last reported, 0 to 100
 * @param progressMessage the message it last reported with its progress
 * @since 0.1.0
 */
public record WorkflowInfo(String workflowId, WorkflowStatus status, String workflowName, @Nullable String className,
		@Nullable String beanName, @Nullable String inputs, @Nullable String output, @Nullable String errorClass,
		@Nullable String errorMessage, @Nullable String executorId, @Nullable String applicationVersion,
		int recoveryAttempts, @Nullable String parentWorkflowId, @Nullable String queueName, Instant createdAt,
		Instant updatedAt, @Nullable Instant completedAt, @Nullable String deduplicationId, int priority,
		@Nullable String partitionKey, int attempt, @Nullable Integer maxAttempts, @Nullable Instant scheduledFor,
		@Nullable Instant startedAt, @Nullable Instant deadline, @Nullable Integer progress,
		@Nullable String progressMessage) {

	/**
	 * Whether this is a queued job that failed and waits for its next attempt.
	 * @return whether it is waiting to be retried
	 */
	public boolean isRetrying() {
		return this.status == WorkflowStatus.ENQUEUED && this.attempt > 0;
	}


}
