package io.github.dbosspring.queue;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * How to enqueue one workflow: the queue, and optionally its ID, deduplication ID,
 * priority, delay, timeout and attempts.
 *
 * <pre class="code">
 * dbos.enqueue(EnqueueOptions.queue("emails").withDeduplicationId("welcome-" + userId).withDelay(Duration.ofMinutes(5)),
 *         () -&gt; mailer.sendWelcome(userId));
 * </pre>
 *
 * @param queueName the queue to enqueue on
 * @param workflowId the workflow ID (an idempotency key: enqueueing an existing ID returns
 * that workflow), or {@code null} for a generated UUID
 * @param deduplicationId at most one job with this ID may wait or run on the queue at a
 * time; a second enqueue fails with {@link DeduplicationException}
 * @param priority lower runs first; needs a queue with {@code priority-enabled}
 * @param delay not started before this delay has passed
 * @param scheduledFor not started before this time
 * @param timeout the longest time from its first start to its completion; past it the
 * workflow is cancelled at its next step
 * @param maxAttempts how many times the job runs before it is dead-lettered, or
 * {@code null} for the queue's setting
 * @param partitionKey the partition, on a partitioned queue
 * @param applicationVersion only workers of this application version run it, or
 * {@code null} for any worker
 * @since 0.2.0
 */
public record EnqueueOptions(String queueName, @Nullable String workflowId, @Nullable String deduplicationId,
		int priority, @Nullable Duration delay, @Nullable Instant scheduledFor, @Nullable Duration timeout,
		@Nullable Integer maxAttempts, @Nullable String partitionKey, @Nullable String applicationVersion) {

	public EnqueueOptions {
		if (queueName == null || queueName.isEmpty()) {
			throw new IllegalArgumentException("queueName must not be empty");
		}
		noNul("queueName", queueName);
		if (workflowId != null && workflowId.isEmpty()) {
			throw new IllegalArgumentException("workflowId must not be empty; pass null for a generated ID");
		}
		noNul("workflowId", workflowId);
		if (deduplicationId != null && deduplicationId.isEmpty()) {
			throw new IllegalArgumentException("deduplicationId must not be empty; pass null for none");
		}
		noNul("deduplicationId", deduplicationId);
		noNul("partitionKey", partitionKey);
		if (delay != null && delay.isNegative()) {
			throw new IllegalArgumentException("delay must not be negative, was " + delay);
		}
		if (delay != null && scheduledFor != null) {
			throw new IllegalArgumentException("Set a delay or scheduledFor, not both");
		}
		if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
			throw new IllegalArgumentException("timeout must be positive, was " + timeout);
		}
		if (maxAttempts != null && maxAttempts < 1) {
			throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
		}
	}

	private static void noNul(String name, @Nullable String value) {
		if (value != null && value.indexOf('\u0000') >= 0) {
			throw new IllegalArgumentException(name + " must not contain the NUL character (PostgreSQL text cannot "
					+ "store it): " + value.replace("\u0000", "\\0"));
		}
	}

	/**
	 * Options for the given queue, with everything else at its default.
	 * @param queueName the queue
	 * @return the options
	 */
	public static EnqueueOptions queue(String queueName) {
		return new EnqueueOptions(queueName, null, null, 0, null, null, null, null, null, null);
	}

	public EnqueueOptions withWorkflowId(@Nullable String workflowId) {
		return new EnqueueOptions(this.queueName, workflowId, this.deduplicationId, this.priority, this.delay,
				this.scheduledFor, this.timeout, this.maxAttempts, this.partitionKey, this.applicationVersion);
	}

	public EnqueueOptions withDeduplicationId(@Nullable String deduplicationId) {
		return new EnqueueOptions(this.queueName, this.workflowId, deduplicationId, this.priority, this.delay,
				this.scheduledFor, this.timeout, this.maxAttempts, this.partitionKey, this.applicationVersion);
	}

	public EnqueueOptions withPriority(int priority) {
		return new EnqueueOptions(this.queueName, this.workflowId, this.deduplicationId, priority, this.delay,
				this.scheduledFor, this.timeout, this.maxAttempts, this.partitionKey, this.applicationVersion);
	}

	public EnqueueOptions withDelay(@Nullable Duration delay) {
		return new EnqueueOptions(this.queueName, this.workflowId, this.deduplicationId, this.priority, delay, null,
				this.timeout, this.maxAttempts, this.partitionKey, this.applicationVersion);
	}

	public EnqueueOptions withScheduledFor(@Nullable Instant scheduledFor) {
		return new EnqueueOptions(this.queueName, this.workflowId, this.deduplicationId, this.priority, null,
				scheduledFor, this.timeout, this.maxAttempts, this.partitionKey, this.applicationVersion);
	}

	public EnqueueOptions withTimeout(@Nullable Duration timeout) {
		return new EnqueueOptions(this.queueName, this.workflowId, this.deduplicationId, this.priority, this.delay,
				this.scheduledFor, timeout, this.maxAttempts, this.partitionKey, this.applicationVersion);
	}

	public EnqueueOptions withMaxAttempts(@Nullable Integer maxAttempts) {
		return new EnqueueOptions(this.queueName, this.workflowId, this.deduplicationId, this.priority, this.delay,
				this.scheduledFor, this.timeout, maxAttempts, this.partitionKey, this.applicationVersion);
	}

	public EnqueueOptions withPartitionKey(@Nullable String partitionKey) {
		return new EnqueueOptions(this.queueName, this.workflowId, this.deduplicationId, this.priority, this.delay,
				this.scheduledFor, this.timeout, this.maxAttempts, partitionKey, this.applicationVersion);
	}

	public EnqueueOptions withApplicationVersion(@Nullable String applicationVersion) {
		return new EnqueueOptions(this.queueName, this.workflowId, this.deduplicationId, this.priority, this.delay,
				this.scheduledFor, this.timeout, this.maxAttempts, this.partitionKey, applicationVersion);
	}

}
