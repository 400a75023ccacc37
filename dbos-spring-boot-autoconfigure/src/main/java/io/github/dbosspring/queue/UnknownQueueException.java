package io.github.dbosspring.queue;

import io.github.dbosspring.workflow.DbosException;

/**
 * Thrown when a workflow is enqueued on a queue that is not declared. Nothing was
 * enqueued.
 *
 * @since 0.2.0
 */
public class UnknownQueueException extends DbosException {

	private final String queueName;

	public UnknownQueueException(String queueName, java.util.Collection<String> declared) {
		super("No queue named '" + queueName + "' is declared (declared: " + (declared.isEmpty() ? "none"
				: String.join(", ", new java.util.TreeSet<>(declared))) + "). Declare it under dbos.queues."
				+ queueName + " in application.yml or as a Queue bean, or set dbos.queues.auto-create=true. "
				+ "Nothing was enqueued.");
		this.queueName = queueName;
	}

	public String getQueueName() {
		return this.queueName;
	}

}
