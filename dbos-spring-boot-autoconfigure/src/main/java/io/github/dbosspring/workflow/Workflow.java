package io.github.dbosspring.workflow;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a public method of a Spring bean as a durable workflow. The workflow's start,
 * every {@link Step} it calls and its final result are checkpointed to PostgreSQL; after
 * a crash the workflow resumes from its last completed step.
 *
 * <pre class="code">
 * &#64;Service
 * class OrderWorkflows {
 *
 *     &#64;Workflow
 *     public Receipt process(Order order) {
 *         Payment payment = this.payments.charge(order); // a &#64;Step on another bean
 *         return this.shipping.ship(order, payment);     // a &#64;Step on another bean
 *     }
 * }
 * </pre>
 *
 * <p>The method is intercepted by a Spring AOP proxy, so it must be public and called
 * through the bean (never through {@code this}); annotated {@code final}, {@code private}
 * or {@code static} methods are rejected at startup. The code of a workflow must be
 * deterministic: non-deterministic work (I/O, clocks, random numbers) belongs in steps.
 *
 * @since 0.1.0
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface Workflow {

	/**
	 * The workflow's name, used to find its code again at recovery and by clients that
	 * start it by name. Defaults to {@code SimpleClassName.methodName} of the bean's
	 * user class.
	 * @return the workflow name
	 */
	String name() default "";

	/**
	 * The longest time from the workflow's start to its completion, such as {@code 30s},
	 * {@code 5m} or {@code PT1H}; empty for none. It is stored with the workflow, so it
	 * holds across crashes and recoveries; when it expires the workflow and its children
	 * are cancelled at their next step. A start or enqueue option overrides it.
	 * @return the timeout
	 */
	String timeout() default "";

}
