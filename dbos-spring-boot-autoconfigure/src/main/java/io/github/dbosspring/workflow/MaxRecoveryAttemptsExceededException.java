package io.github.dbosspring.workflow;

/**
 * Thrown by {@link WorkflowHandle#getResult()} for a workflow that crashed more often than
 * {@code dbos.recovery.max-attempts} allows and is no longer recovered automatically.
 *
 * @since 0.1.0
 */
public class MaxRecoveryAttemptsExceededException extends DbosException {

	public MaxRecoveryAttemptsExceededException(String workflowId, int attempts) {
		super("Workflow '" + workflowId + "' was recovered " + attempts
				+ " times without completing and is no longer recovered; fix the cause and resume it");
	}

}
