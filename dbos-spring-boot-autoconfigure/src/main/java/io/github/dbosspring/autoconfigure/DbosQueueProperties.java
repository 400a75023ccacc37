package io.github.dbosspring.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.queue.Queue;
import io.github.dbosspring.queue.RetryPolicy;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

/**
 * The settings of one queue, under {@code dbos.queues.<name>}; {@code dbos.queues.defaults}
 * holds the settings every queue starts from (and auto-created queues get), and
 * {@code dbos.queues.auto-create} whether an undeclared queue name is accepted.
 *
 * @since 0.2.0
 */
public class DbosQueueProperties {

	static final String PREFIX = "dbos.queues";

	private static final Set<String> RESERVED = Set.of("defaults", "auto-create");

	/**
	 * The most jobs of the queue running at once across all workers (per partition on a
	 * partitioned queue); unset for no limit.
	 */
	private @Nullable Integer concurrency;

	/**
	 * The most jobs of the queue running at once in one worker process; unset for no limit
	 * beyond dbos.worker.concurrency.
	 */
	private @Nullable Integer workerConcurrency;

	/**
	 * The most jobs started per period across all workers (rate limit); unset for none.
	 */
	private @Nullable Integer limit;

	/**
	 * The rate-limit window.
	 */
	private @Nullable Duration period;

	/**
	 * Whether enqueues may set a priority (lower runs first).
	 */
	private @Nullable Boolean priorityEnabled;

	/**
	 * Whether every enqueue names a partition key; concurrency then applies per partition.
	 */
	private @Nullable Boolean partitioned;

	/**
	 * How many times a failing job runs before it is dead-lettered.
	 */
	private @Nullable Integer maxAttempts;

	private final Retry retry = new Retry();

	/**
	 * Reads the declared queues from the environment.
	 * @param environment the environment
	 * @return the queues declared in properties, the defaults, and whether undeclared names
	 * are auto-created
	 */
	static Declared bind(Environment environment) {
		Binder binder = Binder.get(environment);
		ConfigurationPropertyName root = ConfigurationPropertyName.of(PREFIX);
		Queue defaults = binder.bind(root.append("defaults"), Bindable.of(DbosQueueProperties.class))
			.map((properties) -> properties.toQueue("defaults", Queue.named("defaults"), PREFIX + ".defaults"))
			.orElse(Queue.named("defaults"));
		boolean autoCreate = binder.bind(root.append("auto-create"), Bindable.of(Boolean.class)).orElse(false);
		Map<String, ConfigurationPropertyName> names = new LinkedHashMap<>();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (source instanceof IterableConfigurationPropertySource iterable) {
				iterable.filter(root::isAncestorOf).forEach((name) -> {
					if (name.getNumberOfElements() > root.getNumberOfElements() + 1) {
						String queue = name.getElement(root.getNumberOfElements(), Form.ORIGINAL);
						if (!RESERVED.contains(queue)) {
							names.putIfAbsent(queue, name.chop(root.getNumberOfElements() + 1));
						}
					}
				});
			}
		}
		List<Queue> queues = new ArrayList<>();
		names.forEach((queue, name) -> {
			DbosQueueProperties properties = binder.bind(name, Bindable.of(DbosQueueProperties.class))
				.orElseGet(DbosQueueProperties::new);
			queues.add(properties.toQueue(queue, defaults, name.toString()));
		});
		return new Declared(queues, defaults, autoCreate);
	}

	Queue toQueue(String name, Queue base, String prefix) {
		check(prefix + ".concurrency", this.concurrency);
		check(prefix + ".worker-concurrency", this.workerConcurrency);
		check(prefix + ".limit", this.limit);
		check(prefix + ".max-attempts", this.maxAttempts);
		if (this.period != null && (this.period.isNegative() || this.period.isZero())) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".period", this.period,
					"must be positive");
		}
		RetryPolicy baseRetry = base.retry();
		RetryPolicy retryPolicy;
		try {
			retryPolicy = new RetryPolicy(
					(this.retry.initialDelay != null) ? this.retry.initialDelay : baseRetry.initialDelay(),
					(this.retry.multiplier != null) ? this.retry.multiplier : baseRetry.multiplier(),
					(this.retry.maxDelay != null) ? this.retry.maxDelay : baseRetry.maxDelay(),
					(this.retry.jitter != null) ? this.retry.jitter : baseRetry.jitter());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".retry", this.retry.describe(),
					ex.getMessage());
		}
		try {
			return new Queue(name, (this.concurrency != null) ? this.concurrency : base.concurrency(),
					(this.workerConcurrency != null) ? this.workerConcurrency : base.workerConcurrency(),
					(this.limit != null) ? this.limit : base.limit(), (this.period != null) ? this.period : base.period(),
					(this.priorityEnabled != null) ? this.priorityEnabled : base.priorityEnabled(),
					(this.partitioned != null) ? this.partitioned : base.partitioned(),
					(this.maxAttempts != null) ? this.maxAttempts : base.maxAttempts(), retryPolicy);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidConfigurationPropertyValueException(prefix, name, ex.getMessage());
		}
	}

	private static void check(String property, @Nullable Integer value) {
		if (value != null && value < 1) {
			throw new InvalidConfigurationPropertyValueException(property, value, "must be at least 1");
		}
	}

	public @Nullable Integer getConcurrency() {
		return this.concurrency;
	}

	public void setConcurrency(@Nullable Integer concurrency) {
		this.concurrency = concurrency;
	}

	public @Nullable Integer getWorkerConcurrency() {
		return this.workerConcurrency;
	}

	public void setWorkerConcurrency(@Nullable Integer workerConcurrency) {
		this.workerConcurrency = workerConcurrency;
	}

	public @Nullable Integer getLimit() {
		return this.limit;
	}

	public void setLimit(@Nullable Integer limit) {
		this.limit = limit;
	}

	public @Nullable Duration getPeriod() {
		return this.period;
	}

	public void setPeriod(@Nullable Duration period) {
		this.period = period;
	}

	public @Nullable Boolean getPriorityEnabled() {
		return this.priorityEnabled;
	}

	public void setPriorityEnabled(@Nullable Boolean priorityEnabled) {
		this.priorityEnabled = priorityEnabled;
	}

	public @Nullable Boolean getPartitioned() {
		return this.partitioned;
	}

	public void setPartitioned(@Nullable Boolean partitioned) {
		this.partitioned = partitioned;
	}

	public @Nullable Integer getMaxAttempts() {
		return this.maxAttempts;
	}

	public void setMaxAttempts(@Nullable Integer maxAttempts) {
		this.maxAttempts = maxAttempts;
	}

	public Retry getRetry() {
		return this.retry;
	}

	/**
	 * The delay between attempts of a failing job.
	 */
	public static class Retry {

		/**
		 * The delay after the first failure.
		 */
		private @Nullable Duration initialDelay;

		/**
		 * The growth of the delay per further failure.
		 */
		private @Nullable Double multiplier;

		/**
		 * The longest delay.
		 */
		private @Nullable Duration maxDelay;

		/**
		 * The random spread of each delay, as a fraction (0 to 1) either way.
		 */
		private @Nullable Double jitter;

		String describe() {
			return "initial-delay=" + this.initialDelay + ", multiplier=" + this.multiplier + ", max-delay="
					+ this.maxDelay + ", jitter=" + this.jitter;
		}

		public @Nullable Duration getInitialDelay() {
			return this.initialDelay;
		}

		public void setInitialDelay(@Nullable Duration initialDelay) {
			this.initialDelay = initialDelay;
		}

		public @Nullable Double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(@Nullable Double multiplier) {
			this.multiplier = multiplier;
		}

		public @Nullable Duration getMaxDelay() {
			return this.maxDelay;
		}

		public void setMaxDelay(@Nullable Duration maxDelay) {
			this.maxDelay = maxDelay;
		}

		public @Nullable Double getJitter() {
			return this.jitter;
		}

		public void setJitter(@Nullable Double jitter) {
			this.jitter = jitter;
		}

	}

	/**
	 * The queues declared in properties.
	 */
	record Declared(List<Queue> queues, Queue defaults, boolean autoCreate) {
	}

}
