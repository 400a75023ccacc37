package io.github.dbosspring.workflow.support;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import io.github.dbosspring.workflow.Step;

/**
 * The resolved settings of one {@link Step} method (or lambda step).
 *
 * @param name the step name
 * @param maxAttempts how many times the body may run
 * @param interval delay before the first retry
 * @param backoffRate factor applied to the delay after each retry
 * @param maxInterval upper bound of the delay
 * @param retryFor retryable exception types (empty: all)
 * @param noRetryFor exception types never retried
 * @since 0.1.0
 */
public record StepAttributes(String name, int maxAttempts, Duration interval, double backoffRate,
		Duration maxInterval, List<Class<? extends Throwable>> retryFor,
		List<Class<? extends Throwable>> noRetryFor) {

	public StepAttributes {
		if (maxAttempts < 1) {
			throw new IllegalArgumentException("Step '" + name + "': maxAttempts must be at least 1, was " + maxAttempts);
		}
		if (backoffRate < 1.0) {
			throw new IllegalArgumentException("Step '" + name + "': backoffRate must be at least 1.0, was " + backoffRate);
		}
		if (interval.isNegative() || maxInterval.isNegative()) {
			throw new IllegalArgumentException("Step '" + name + "': interval and maxInterval must not be negative");
		}
	}

	/**
	 * Settings for a step without retries.
	 * @param name the step name
	 * @return the settings
	 */
	public static StepAttributes of(String name) {
		return new StepAttributes(name, 1, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1), List.of(), List.of());
	}

	static StepAttributes from(Step step, Method method) {
		String name = step.name().isEmpty() ? method.getName() : step.name();
		String where = method.getDeclaringClass().getName() + "#" + method.getName();
		return new StepAttributes(name, step.maxAttempts(), parseDuration(step.interval(), where + " interval"),
				step.backoffRate(), parseDuration(step.maxInterval(), where + " maxInterval"), List.of(step.retryFor()),
				List.of(step.noRetryFor()));
	}

	/**
	 * Whether a failure may be retried under these settings.
	 * @param failure the exception the body threw
	 * @return whether to retry
	 */
	boolean isRetryable(Throwable failure) {
		if (this.noRetryFor.stream().anyMatch((type) -> type.isInstance(failure))) {
			return false;
		}
		return this.retryFor.isEmpty() || this.retryFor.stream().anyMatch((type) -> type.isInstance(failure));
	}

	/**
	 * The delay before retry number {@code retry} (1 for the first retry).
	 * @param retry the retry number
	 * @return the delay
	 */
	Duration delayBeforeRetry(int retry) {
		double millis = this.interval.toMillis() * Math.pow(this.backoffRate, retry - 1);
		return Duration.ofMillis((long) Math.min(millis, this.maxInterval.toMillis()));
	}

	/**
	 * Parses {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}, {@code 1d} or ISO-8601
	 * ({@code PT2S}).
	 */
	static Duration parseDuration(String text, String what) {
		String value = text.trim().toLowerCase(Locale.ROOT);
		try {
			if (value.startsWith("p")) {
				return Duration.parse(text.trim());
			}
			int split = 0;
			while (split < value.length() && (Character.isDigit(value.charAt(split)))) {
				split++;
			}
			long amount = Long.parseLong(value.substring(0, split));
			return switch (value.substring(split)) {
				case "ms" -> Duration.ofMillis(amount);
				case "s", "" -> Duration.ofSeconds(amount);
				case "m" -> Duration.ofMinutes(amount);
				case "h" -> Duration.ofHours(amount);
				case "d" -> Duration.ofDays(amount);
				default -> throw new IllegalArgumentException("unknown unit");
			};
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException("Invalid duration '" + text + "' for " + what
					+ ": use a number with ms, s, m, h or d (such as 500ms) or ISO-8601 (PT0.5S)", ex);
		}
	}

}
