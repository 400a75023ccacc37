package io.github.dbosspring.workflow;

/**
 * Thrown when a workflow argument, result or step output cannot be converted to or from
 * its stored form. Thrown before anything is written when it concerns a workflow's
 * arguments.
 *
 * @since 0.1.0
 */
public class DbosSerializationException extends DbosException {

	public DbosSerializationException(String message, Throwable cause) {
		super(message, cause);
	}

}
