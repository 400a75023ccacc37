package io.github.dbosspring.workflow;

import java.lang.reflect.Type;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.core.ParameterizedTypeReference;

/**
 * Settings of a lambda step, the counterpart of {@link Step}'s attributes.
 *
 * <pre class="code">
 * List&lt;Order&gt; orders = Dbos.runStep(StepOptions.named("load-orders")
 *         .withRetries(3, Duration.ofMillis(200), 2.0)
 *         .withResultType(new ParameterizedTypeReference&lt;List&lt;Order&gt;&gt;() { }),
 *     () -&gt; this.client.loadOrders(customerId));
 * </pre>
 *
 * @param name the step name, recorded with its checkpoint and compared at replay
 * @param maxAttempts how many times the body may run, 1 meaning no retries
 * @param interval delay before the first retry
 * @param backoffRate factor applied to the delay after each retry
 * @param maxInterval upper bound of the delay
 * @param resultType the type to read a recorded result back as; {@code null} reads it as
 * the class of the recorded value, which is enough unless the result is a generic
 * container such as {@code List<Order>}
 * @since 0.1.0
 */
public record StepOptions(String name, int maxAttempts, Duration interval, double backoffRate, Duration maxInterval,
		@Nullable Type resultType) {

	public StepOptions {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("A step needs a name");
		}
	}

	/**
	 * A step without retries.
	 * @param name the step name
	 * @return the options
	 */
	public static StepOptions named(String name) {
		return new StepOptions(name, 1, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1), null);
	}

	public StepOptions withRetries(int maxAttempts, Duration interval, double backoffRate) {
		return new StepOptions(this.name, maxAttempts, interval, backoffRate, this.maxInterval, this.resultType);
	}

	public StepOptions withMaxInterval(Duration maxInterval) {
		return new StepOptions(this.name, this.maxAttempts, this.interval, this.backoffRate, maxInterval,
				this.resultType);
	}

	public StepOptions withResultType(Type resultType) {
		return new StepOptions(this.name, this.maxAttempts, this.interval, this.backoffRate, this.maxInterval,
				resultType);
	}

	public StepOptions withResultType(ParameterizedTypeReference<?> resultType) {
		return withResultType(resultType.getType());
	}

}
