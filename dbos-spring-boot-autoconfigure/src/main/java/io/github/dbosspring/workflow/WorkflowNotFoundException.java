package io.github.dbosspring.workflow;

/**
 * Thrown when a workflow ID or workflow name is unknown.
 *
 * @since 0.1.0
 */
public class WorkflowNotFoundException extends DbosException {

	public WorkflowNotFoundException(String message) {
		super(message);
	}

}
