package io.github.dbosspring.queue;

import io.github.dbosspring.workflow.DbosException;

/**
 * Thrown when a job is enqueued with a deduplication ID that a job still waiting or
 * running on the same queue holds. Nothing was enqueued.
 *
 * @since 0.2.0
 */
public class DeduplicationException extends DbosException {

	private final String queueName;

	private final String deduplicationId;

	public DeduplicationException(String queueName, String deduplicationId) {
		super("Queue '" + queueName + "' already has a waiting or running job with deduplication ID '"
				+ deduplicationId + "'; nothing was enqueued. Enqueue again once that job has completed, or use "
				+ "a workflow ID to make repeated enqueues return the same job.");
		this.queueName = queueName;
		this.deduplicationId = deduplicationId;
	}

	public String getQueueName() {
		return this.queueName;
	}

	public String getDeduplicationId() {
		return this.deduplicationId;
	}

}
