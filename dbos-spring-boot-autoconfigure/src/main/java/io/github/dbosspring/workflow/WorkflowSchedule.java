package io.github.dbosspring.workflow;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a {@code @Workflow} method on a cron schedule. Each tick runs exactly once across
 * all processes: the tick's time is part of the workflow ID
 * ({@code sched:<workflow name>:<tick time>}), so every process may try to start it and
 * only one start is recorded. The method takes no arguments or one {@link java.time.Instant}
 * (the tick's scheduled time).
 *
 * <pre class="code">
 * &#64;Workflow(name = "nightlyReport")
 * &#64;WorkflowSchedule(cron = "0 0 2 * * *", zone = "Europe/Paris")
 * public void nightlyReport(Instant scheduledTime) { ... }
 * </pre>
 *
 * @since 0.2.0
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface WorkflowSchedule {

	/**
	 * A Spring cron expression with seconds ({@code second minute hour day month weekday}),
	 * such as {@code 0 *}{@code /5 * * * *} for every five minutes.
	 * @return the cron expression
	 */
	String cron();

	/**
	 * The time zone the cron expression is read in; empty for UTC.
	 * @return the zone ID
	 */
	String zone() default "";

	/**
	 * The queue to enqueue each tick on (its limits apply); empty to start it directly.
	 * @return the queue name
	 */
	String queue() default "";

	/**
	 * Whether ticks missed while no process ran are run when one starts again (from the last
	 * recorded tick, at most {@code 100}); otherwise they are skipped.
	 * @return whether to backfill missed ticks
	 */
	boolean backfill() default false;

}
