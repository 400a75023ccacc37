package io.github.dbosspring.workflow;

/**
 * A call of a {@link Workflow} method on a Spring bean, captured by a lambda so that
 * {@link Dbos} can start it with options: {@code () -> orders.process(order)}.
 *
 * @param <T> the workflow's result type
 * @param <E> the checked exception the workflow may throw
 * @since 0.1.0
 */
@FunctionalInterface
public interface WorkflowCall<T, E extends Exception> {

	T call() throws E;

}
