package io.github.dbosspring.queue;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The delay before a failed job runs again: {@code initialDelay * multiplier^(attempt-1)},
 * at most {@code maxDelay}, spread by up to {@code jitter} (a fraction) either way.
 *
 * @param initialDelay the delay after the first failure
 * @param multiplier the growth per further failure
 * @param maxDelay the longest delay
 * @param jitter the random spread, 0 to 1
 * @since 0.2.0
 */
public record RetryPolicy(Duration initialDelay, double multiplier, Duration maxDelay, double jitter) {

	/** 1 s, doubling, at most 5 min, 10 % jitter. */
	public static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(5), 0.1);

	public RetryPolicy {
		if (initialDelay == null || initialDelay.isNegative()) {
			throw new IllegalArgumentException("retry initial-delay must be zero or positive, was " + initialDelay);
		}
		if (multiplier < 1.0) {
			throw new IllegalArgumentException("retry multiplier must be at least 1, was " + multiplier);
		}
		if (maxDelay == null || maxDelay.compareTo(initialDelay) < 0) {
			throw new IllegalArgumentException("retry max-delay must be at least initial-delay (" + initialDelay
					+ "), was " + maxDelay);
		}
		if (jitter < 0.0 || jitter > 1.0) {
			throw new IllegalArgumentException("retry jitter must be between 0 and 1, was " + jitter);
		}
	}

	/**
	 * The delay after a failed attempt.
	 * @param attempt the attempt that failed, from 1
	 * @return the delay before the next attempt
	 */
	public Duration delayAfter(int attempt) {
		double millis = this.initialDelay.toMillis() * Math.pow(this.multiplier, Math.max(0, attempt - 1));
		millis = Math.min(millis, this.maxDelay.toMillis());
		if (this.jitter > 0) {
			millis = millis * (1 + this.jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1));
		}
		return Duration.ofMillis(Math.max(0, Math.round(millis)));
	}

}
