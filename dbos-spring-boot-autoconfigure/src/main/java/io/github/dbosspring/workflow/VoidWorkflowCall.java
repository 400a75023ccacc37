package io.github.dbosspring.workflow;

/**
 * A call of a {@code void} {@link Workflow} method, captured by a lambda.
 *
 * @param <E> the checked exception the workflow may throw
 * @since 0.1.0
 * @see WorkflowCall
 */
@FunctionalInterface
public interface VoidWorkflowCall<E extends Exception> {

	void call() throws E;

}
