package io.github.dbosspring.workflow;

/**
 * Thrown when a re-executed workflow calls a different step at a position than the one
 * recorded there: the workflow's code is not deterministic, or it changed while the
 * workflow was in flight.
 *
 * @since 0.1.0
 */
public class NonDeterministicWorkflowException extends DbosException {

	public NonDeterministicWorkflowException(String message) {
		super(message);
	}

}
