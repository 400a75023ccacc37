package io.github.dbosspring.workflow;

import org.jspecify.annotations.Nullable;

/**
 * Options for starting one workflow.
 *
 * <pre class="code">
 * Receipt receipt = dbos.run(WorkflowOptions.withId("order-42"), () -&gt; orders.process(order));
 * </pre>
 *
 * @param workflowId the workflow ID to use, or {@code null} for a generated UUID. A second
 * start with the same ID does not run the workflow again: it returns the first run's
 * outcome.
 * @param timeout the longest time from start to completion (stored, so it holds across
 * recoveries), overriding {@code @Workflow(timeout)}; when it expires the workflow and its
 * children are cancelled at their next step
 * @since 0.1.0
 */
public record WorkflowOptions(@Nullable String workflowId, java.time.@Nullable Duration timeout) {

	public WorkflowOptions {
		if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
			throw new IllegalArgumentException("timeout must be positive, was " + timeout);
		}
		if (workflowId != null && workflowId.isEmpty()) {
			throw new IllegalArgumentException("workflowId must not be empty; pass null for a generated ID");
		}
		if (workflowId != null && workflowId.indexOf('\u0000') >= 0) {
			throw new IllegalArgumentException("workflowId must not contain the NUL character (PostgreSQL text cannot "
					+ "store it): " + workflowId.replace("\u0000", "\\0"));
		}
	}

	/**
	 * Options with a generated workflow ID.
	 * @return default options
	 */
	public static WorkflowOptions defaults() {
		return new WorkflowOptions(null, null);
	}

	/**
	 * Options that make the start idempotent under the given ID.
	 * @param workflowId the workflow ID
	 * @return the options
	 */
	public static WorkflowOptions withId(String workflowId) {
		return new WorkflowOptions(workflowId, null);
	}

	/**
	 * These options with a timeout.
	 * @param timeout the longest time from start to completion
	 * @return the options
	 */
	public WorkflowOptions withTimeout(java.time.@Nullable Duration timeout) {
		return new WorkflowOptions(this.workflowId, timeout);
	}

}
