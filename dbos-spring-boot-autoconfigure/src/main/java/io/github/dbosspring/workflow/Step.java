package io.github.dbosspring.workflow;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a public method of a Spring bean as a workflow step. Called from inside a
 * {@link Workflow}, the step's output (or the exception it throws) is checkpointed when
 * it returns; when the workflow is re-executed the step is not run again and its
 * recorded outcome is returned instead. Called outside a workflow, the method simply
 * runs.
 *
 * <pre class="code">
 * &#64;Step(maxAttempts = 5, interval = "500ms", backoffRate = 2.0)
 * public Payment charge(Order order) { ... }
 * </pre>
 *
 * <p>A step body runs at least once and, when a crash falls between the body's end and
 * its checkpoint, possibly twice; a step whose checkpoint was recorded never runs again.
 * Like every proxy-based annotation, a call through {@code this} is not intercepted.
 *
 * @since 0.1.0
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface Step {

	/**
	 * The step's name, recorded with its checkpoint and compared at replay. Defaults to
	 * the method name.
	 * @return the step name
	 */
	String name() default "";

	/**
	 * How many times the step body may run before its failure is recorded, 1 meaning no
	 * retries.
	 * @return the maximum number of attempts
	 */
	int maxAttempts() default 1;

	/**
	 * Delay before the first retry, as a duration such as {@code 500ms}, {@code 1s} or
	 * {@code PT2S}.
	 * @return the initial retry interval
	 */
	String interval() default "1s";

	/**
	 * Factor applied to the interval after each retry.
	 * @return the backoff multiplier
	 */
	double backoffRate() default 2.0;

	/**
	 * Upper bound of the retry interval.
	 * @return the maximum retry interval
	 */
	String maxInterval() default "1m";

	/**
	 * Exception types that are retried; empty means every exception not listed in
	 * {@link #noRetryFor()}.
	 * @return the retryable exception types
	 */
	Class<? extends Throwable>[] retryFor() default {};

	/**
	 * Exception types that are never retried.
	 * @return the non-retryable exception types
	 */
	Class<? extends Throwable>[] noRetryFor() default {};

}
