package io.github.dbosspring.queue;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * A named queue that workers drain, with its limits. Declare queues in
 * {@code application.yml} under {@code dbos.queues.<name>} or as beans:
 *
 * <pre class="code">
 * &#64;Bean
 * Queue emails() {
 *     return Queue.named("emails").withConcurrency(4).withRateLimit(50, Duration.ofMinutes(1));
 * }
 * </pre>
 *
 * @param name the queue name
 * @param concurrency the most jobs running at once across all workers (per partition on a
 * partitioned queue), or {@code null} for no limit
 * @param workerConcurrency the most jobs running at once in one worker process, or
 * {@code null} for no limit beyond the worker's pool
 * @param limit the most jobs started per {@code period} across all workers, or
 * {@code null} for no rate limit
 * @param period the rate-limit window
 * @param priorityEnabled whether enqueues may set a priority (lower runs first)
 * @param partitioned whether every enqueue names a partition key; {@code concurrency}
 * then applies per partition, and partitions take turns
 * @param maxAttempts how many times a failing job runs before it is dead-lettered
 * @param retry the delay between attempts
 * @since 0.2.0
 */
public record Queue(String name, @Nullable Integer concurrency, @Nullable Integer workerConcurrency,
		@Nullable Integer limit, Duration period, boolean priorityEnabled, boolean partitioned, int maxAttempts,
		RetryPolicy retry) {

	/** Attempts of a job when neither the enqueue nor the queue says otherwise. */
	public static final int DEFAULT_MAX_ATTEMPTS = 3;

	public Queue {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("A queue needs a name");
		}
		if (name.length() > 255 || name.indexOf('\u0000') >= 0) {
			throw new IllegalArgumentException("Invalid queue name '" + name.replace("\u0000", "\\0")
					+ "': use at most 255 characters and no NUL");
		}
		positive(name, "concurrency", concurrency);
		positive(name, "worker-concurrency", workerConcurrency);
		positive(name, "limit", limit);
		if (period == null || period.isNegative() || period.isZero()) {
			throw new IllegalArgumentException("Queue '" + name + "': period must be positive, was " + period);
		}
		if (maxAttempts < 1) {
			throw new IllegalArgumentException("Queue '" + name + "': max-attempts must be at least 1, was "
					+ maxAttempts);
		}
		if (retry == null) {
			retry = RetryPolicy.DEFAULT;
		}
	}

	private static void positive(String queue, String property, @Nullable Integer value) {
		if (value != null && value < 1) {
			throw new IllegalArgumentException("Queue '" + queue + "': " + property + " must be at least 1, was "
					+ value);
		}
	}

	/**
	 * A queue with no limits, no priorities, {@value #DEFAULT_MAX_ATTEMPTS} attempts per job
	 * and the default retry delays.
	 * @param name the queue name
	 * @return the queue
	 */
	public static Queue named(String name) {
		return new Queue(name, null, null, null, Duration.ofSeconds(1), false, false, DEFAULT_MAX_ATTEMPTS,
				RetryPolicy.DEFAULT);
	}

	public Queue withConcurrency(@Nullable Integer concurrency) {
		return new Queue(this.name, concurrency, this.workerConcurrency, this.limit, this.period,
				this.priorityEnabled, this.partitioned, this.maxAttempts, this.retry);
	}

	public Queue withWorkerConcurrency(@Nullable Integer workerConcurrency) {
		return new Queue(this.name, this.concurrency, workerConcurrency, this.limit, this.period,
				this.priorityEnabled, this.partitioned, this.maxAttempts, this.retry);
	}

	/**
	 * Limits how many jobs start per period, across all workers.
	 * @param limit the most starts per period
	 * @param period the window
	 * @return the queue with the rate limit
	 */
	public Queue withRateLimit(int limit, Duration period) {
		return new Queue(this.name, this.concurrency, this.workerConcurrency, limit, period, this.priorityEnabled,
				this.partitioned, this.maxAttempts, this.retry);
	}

	public Queue withPriorityEnabled(boolean priorityEnabled) {
		return new Queue(this.name, this.concurrency, this.workerConcurrency, this.limit, this.period,
				priorityEnabled, this.partitioned, this.maxAttempts, this.retry);
	}

	public Queue withPartitioned(boolean partitioned) {
		return new Queue(this.name, this.concurrency, this.workerConcurrency, this.limit, this.period,
				this.priorityEnabled, partitioned, this.maxAttempts, this.retry);
	}

	public Queue withMaxAttempts(int maxAttempts) {
		return new Queue(this.name, this.concurrency, this.workerConcurrency, this.limit, this.period,
				this.priorityEnabled, this.partitioned, maxAttempts, this.retry);
	}

	public Queue withRetry(RetryPolicy retry) {
		return new Queue(this.name, this.concurrency, this.workerConcurrency, this.limit, this.period,
				this.priorityEnabled, this.partitioned, this.maxAttempts, retry);
	}

	/**
	 * Whether starting a job needs a queue-wide view (a global concurrency limit, a rate
	 * limit or partitions): such dequeues are serialized per queue.
	 * @return whether dequeues of this queue take the queue's lock
	 */
	public boolean needsQueueLock() {
		return this.concurrency != null || this.limit != null || this.partitioned;
	}

	/**
	 * The most jobs of this queue one worker runs at once.
	 * @param poolLimit the worker's own limit
	 * @return the local limit
	 */
	public int localLimit(int poolLimit) {
		int local = poolLimit;
		if (this.workerConcurrency != null) {
			local = Math.min(local, this.workerConcurrency);
		}
		if (this.concurrency != null && !this.partitioned) {
			local = Math.min(local, this.concurrency);
		}
		return local;
	}

}
