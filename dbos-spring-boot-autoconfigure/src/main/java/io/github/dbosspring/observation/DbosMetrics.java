package io.github.dbosspring.observation;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import io.github.dbosspring.workflow.WorkflowStatus;
import io.github.dbosspring.workflow.support.WorkflowObserver;

/**
 * Micrometer meters of durable workflows and queues, named like Spring Boot's own
 * (lower-case, dotted):
 * <ul>
 * <li>{@code dbos.workflows.started} (counter; {@code workflow.name})</li>
 * <li>{@code dbos.workflows.completed} (counter; {@code workflow.name}, {@code status})</li>
 * <li>{@code dbos.steps} (timer of step bodies; {@code step.name}, {@code outcome})</li>
 * <li>{@code dbos.queue.enqueue-to-start} (timer; {@code queue.name})</li>
 * <li>{@code dbos.queue.depth} (gauge of ENQUEUED jobs; {@code queue.name})</li>
 * <li>{@code dbos.recovery.recovered} (counter of workflows taken over for recovery)</li>
 * </ul>
 *
 * @since 0.2.0
 */
public class DbosMetrics implements WorkflowObserver {

	private final MeterRegistry registry;

	private final Counter recovered;

	/**
	 * Creates the meters.
	 * @param registry the registry
	 * @param queueNames the queues to report a depth for
	 * @param enqueued reads the number of waiting jobs per queue (called when the gauges are
	 * read, at most once per second)
	 */
	public DbosMetrics(MeterRegistry registry, List<String> queueNames,
			Supplier<java.util.Map<String, Long>> enqueued) {
		this.registry = registry;
		this.recovered = Counter.builder("dbos.recovery.recovered")
			.description("Workflows taken over for recovery by this process")
			.register(registry);
		CachedCounts cached = new CachedCounts(enqueued);
		for (String queue : queueNames) {
			// a gauge holds its object weakly by default: nothing else references the cache, so
			// after a garbage collection the gauge read NaN
			Gauge.builder("dbos.queue.depth", cached, (c) -> c.enqueued(queue))
				.description("Jobs waiting on the queue")
				.tag("queue.name", queue)
				.strongReference(true)
				.register(registry);
		}
	}

	@Override
	public void workflowStarted(String workflowName) {
		Counter.builder("dbos.workflows.started")
			.description("Workflows started")
			.tag("workflow.name", workflowName)
			.register(this.registry)
			.increment();
	}

	@Override
	public void workflowCompleted(String workflowName, WorkflowStatus status) {
		Counter.builder("dbos.workflows.completed")
			.description("Workflows that reached a final state")
			.tag("workflow.name", workflowName)
			.tag("status", status.name())
			.register(this.registry)
			.increment();
	}

	@Override
	public void stepCompleted(String stepName, boolean failed, Duration duration) {
		Timer.builder("dbos.steps")
			.description("Checkpointed step bodies")
			.tag("step.name", stepName)
			.tag("outcome", failed ? "error" : "success")
			.register(this.registry)
			.record(duration);
	}

	@Override
	public void jobStarted(String queueName, Duration waited) {
		Timer.builder("dbos.queue.enqueue-to-start")
			.description("Time from enqueue to the start of a job's attempt")
			.tag("queue.name", queueName)
			.register(this.registry)
			.record(waited);
	}

	@Override
	public void workflowsRecovered(int count) {
		this.recovered.increment(count);
	}

	private static final class CachedCounts {

		private final Supplier<java.util.Map<String, Long>> counts;

		private volatile java.util.Map<String, Long> last = java.util.Map.of();

		private volatile long readAt;

		CachedCounts(Supplier<java.util.Map<String, Long>> counts) {
			this.counts = counts;
		}

		double enqueued(String queue) {
			long now = System.nanoTime();
			if (now - this.readAt > 1_000_000_000L || this.readAt == 0) {
				try {
					this.last = this.counts.get();
				}
				catch (RuntimeException ex) {
					return Double.NaN;
				}
				this.readAt = now;
			}
			return this.last.getOrDefault(queue, 0L);
		}

	}

}
