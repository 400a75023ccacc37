package io.github.dbosspring.workflow;

/**
 * Root of the exceptions thrown by DBOS. Each message says what happened and what to do.
 *
 * @since 0.1.0
 */
public class DbosException extends RuntimeException {

	public DbosException(String message) {
		super(message);
	}

	public DbosException(String message, Throwable cause) {
		super(message, cause);
	}

}
