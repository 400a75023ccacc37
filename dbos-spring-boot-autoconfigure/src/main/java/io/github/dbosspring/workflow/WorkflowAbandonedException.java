package io.github.dbosspring.workflow;

/**
 * Thrown to the code that runs a workflow when this process stops executing it without
 * an outcome: the process is shutting down, or another executor took the workflow over
 * (this one was presumed dead). The workflow itself is not failed: it stays
 * {@link WorkflowStatus#PENDING} and its owner completes it. Wait for its outcome with a
 * {@link WorkflowHandle}.
 *
 * @since 0.1.0
 */
public class WorkflowAbandonedException extends DbosException {

	private final String workflowId;

	public WorkflowAbandonedException(String workflowId, String reason) {
		super("Workflow '" + workflowId + "' was left for recovery: " + reason);
		this.workflowId = workflowId;
	}

	public String getWorkflowId() {
		return this.workflowId;
	}

}
