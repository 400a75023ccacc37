package io.github.dbosspring.workflow;

import org.jspecify.annotations.Nullable;

/**
 * Re-throws a recorded workflow or step exception whose original type cannot be
 * re-created (no accessible constructor taking a message, or a checked exception the
 * caller's method does not declare). Carries the original class name and message.
 *
 * @since 0.1.0
 */
public class WorkflowFailedException extends DbosException {

	private final String workflowId;

	private final String errorClass;

	public WorkflowFailedException(String workflowId, String errorClass, @Nullable String errorMessage) {
		super("Workflow '" + workflowId + "' failed with " + errorClass
				+ ((errorMessage != null) ? ": " + errorMessage : ""));
		this.workflowId = workflowId;
		this.errorClass = errorClass;
	}

	public String getWorkflowId() {
		return this.workflowId;
	}

	/**
	 * The fully qualified class name of the exception the workflow recorded.
	 * @return the original exception class name
	 */
	public String getErrorClass() {
		return this.errorClass;
	}

}
