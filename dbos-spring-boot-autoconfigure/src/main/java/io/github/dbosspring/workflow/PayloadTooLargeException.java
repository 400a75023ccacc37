package io.github.dbosspring.workflow;

/**
 * Thrown when a serialized argument, result or step output is larger than
 * {@code dbos.max-payload-size}. Nothing is written.
 *
 * @since 0.1.0
 */
public class PayloadTooLargeException extends DbosException {

	public PayloadTooLargeException(String message) {
		super(message);
	}

}
