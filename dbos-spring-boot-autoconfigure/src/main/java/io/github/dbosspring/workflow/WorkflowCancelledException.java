package io.github.dbosspring.workflow;

/**
 * Thrown by {@link WorkflowHandle#getResult()} and at a step boundary when a workflow
 * was cancelled.
 *
 * @since 0.1.0
 */
public class WorkflowCancelledException extends DbosException {

	private final String workflowId;

	public WorkflowCancelledException(String workflowId) {
		super("Workflow '" + workflowId + "' was cancelled; resume it to let it continue from its last completed step");
		this.workflowId = workflowId;
	}

	/**
	 * Creates the exception with the reason the workflow was cancelled.
	 * @param workflowId the workflow
	 * @param reason why it was cancelled, or {@code null}
	 */
	public WorkflowCancelledException(String workflowId, @org.jspecify.annotations.Nullable String reason) {
		super("Workflow '" + workflowId + "' was cancelled" + ((reason != null) ? " (" + reason + ")" : "")
				+ "; resume it to let it continue from its last completed step");
		this.workflowId = workflowId;
	}

	public String getWorkflowId() {
		return this.workflowId;
	}

}
