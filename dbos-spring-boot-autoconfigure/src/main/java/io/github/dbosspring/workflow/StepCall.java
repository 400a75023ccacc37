package io.github.dbosspring.workflow;

/**
 * The body of a lambda step: {@code Dbos.runStep("fetch", () -> client.fetch(id))}.
 *
 * @param <T> the step's result type
 * @param <E> the checked exception the step may throw
 * @since 0.1.0
 */
@FunctionalInterface
public interface StepCall<T, E extends Exception> {

	T call() throws E;

}
