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

	public String getWorkflowId() {
		return this.workflowId;
	}

}
