package io.github.dbosspring.workflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.stereotype.Component;

/**
 * Workflows and steps used by the integration tests. Every step counts its executions so
 * tests can tell a re-run from a replay.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class TestWorkflowApplication {

	public record Order(String id, int quantity) {
	}

	public record Receipt(String orderId, List<String> lines) {
	}

	public static class PaymentDeclinedException extends Exception {

		public PaymentDeclinedException(String message) {
			super(message);
		}

	}

	@Component
	public static class Ledger {

		private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

		private final List<Long> attemptTimes = new CopyOnWriteArrayList<>();

		public int record(String key) {
			return this.counts.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet();
		}

		public int count(String key) {
			AtomicInteger count = this.counts.get(key);
			return (count != null) ? count.get() : 0;
		}

		public List<Long> attemptTimes() {
			return this.attemptTimes;
		}

		public void reset() {
			this.counts.clear();
			this.attemptTimes.clear();
		}

	}

	@Component
	public static class OrderSteps {

		private final Ledger ledger;

		public OrderSteps(Ledger ledger) {
			this.ledger = ledger;
		}

		@Step
		public Order reserve(Order order) {
			this.ledger.record("reserve:" + order.id());
			return new Order(order.id(), order.quantity());
		}

		@Step(name = "charge")
		public String charge(Order order) {
			this.ledger.record("charge:" + order.id());
			return "paid-" + order.id();
		}

		@Step
		public Receipt ship(Order order, String payment) {
			this.ledger.record("ship:" + order.id());
			return new Receipt(order.id(), List.of(payment, "shipped-" + order.quantity()));
		}

		@Step
		public String otherStep(String id) {
			this.ledger.record("other:" + id);
			return "other";
		}

		@Step(maxAttempts = 3, interval = "100ms", backoffRate = 2.0)
		public String flaky(String key, int failures) {
			this.ledger.attemptTimes().add(System.nanoTime());
			int attempt = this.ledger.record("flaky:" + key);
			if (attempt <= failures) {
				throw new IllegalStateException("flaky failure " + attempt);
			}
			return "ok after " + attempt;
		}

		@Step(maxAttempts = 5, interval = "10ms", noRetryFor = IllegalArgumentException.class)
		public String rejects(String key) {
			this.ledger.record("rejects:" + key);
			throw new IllegalArgumentException("not retried");
		}

		@Step
		public List<Order> split(Order order) {
			this.ledger.record("split:" + order.id());
			List<Order> parts = new ArrayList<>();
			for (int i = 0; i < order.quantity(); i++) {
				parts.add(new Order(order.id() + "-" + i, 1));
			}
			return parts;
		}

		@Step
		public void pause(long millis) throws InterruptedException {
			Thread.sleep(millis);
		}

	}

	@Component
	public static class OrderWorkflows {

		private final OrderSteps steps;

		private final ChildWorkflows children;

		private final Ledger ledger;

		public OrderWorkflows(OrderSteps steps, ChildWorkflows children, Ledger ledger) {
			this.steps = steps;
			this.children = children;
			this.ledger = ledger;
		}

		@Workflow(name = "process-order")
		public Receipt process(Order order) {
			this.ledger.record("process:" + order.id());
			Order reserved = this.steps.reserve(order);
			String payment = this.steps.charge(reserved);
			return this.steps.ship(reserved, payment);
		}

		@Workflow
		public String slow(String id, long millis) throws InterruptedException {
			this.ledger.record("slow:" + id);
			this.steps.pause(millis);
			return "slow-" + id + "-" + Dbos.workflowId();
		}

		@Workflow
		public String fails(String id) {
			this.ledger.record("fails:" + id);
			this.steps.charge(new Order(id, 1));
			throw new IllegalStateException("boom " + id);
		}

		@Workflow
		public String declines(String id) throws PaymentDeclinedException {
			this.ledger.record("declines:" + id);
			throw new PaymentDeclinedException("declined " + id);
		}

		@Workflow
		public String retrying(String key, int failures) {
			return this.steps.flaky(key, failures);
		}

		@Workflow
		public String rejecting(String key) {
			return this.steps.rejects(key);
		}

		@Workflow
		public Map<String, List<Order>> generic(List<Order> orders, Optional<String> label) {
			Map<String, List<Order>> result = new java.util.TreeMap<>();
			for (Order order : orders) {
				result.put(label.orElse("none") + ":" + order.id(), this.steps.split(order));
			}
			return result;
		}

		@Workflow
		public Optional<Receipt> maybe(String id) {
			return (id == null) ? Optional.empty() : Optional.of(new Receipt(id, List.of()));
		}

		@Workflow
		public String nullable(String value) {
			return value;
		}

		@Workflow
		public String echo(Object value) {
			return String.valueOf(value);
		}

		@Workflow
		public String parent(String id) {
			this.ledger.record("parent:" + id);
			String first = this.children.child(id + "-a");
			String second = this.steps.otherStep(id);
			return first + "+" + second;
		}

		@Workflow
		public String lambdas(String id) {
			Order order = Dbos.runStep("make-order", () -> {
				this.ledger.record("make-order:" + id);
				return new Order(id, 2);
			});
			List<Order> parts = Dbos.runStep(StepOptions.named("split-lambda")
				.withResultType(new org.springframework.core.ParameterizedTypeReference<List<Order>>() {
				}), () -> {
					this.ledger.record("split-lambda:" + id);
					return List.of(new Order(order.id() + "-a", 1), new Order(order.id() + "-b", 1));
				});
			String retried = Dbos.runStep(StepOptions.named("flaky-lambda").withRetries(3, java.time.Duration.ofMillis(10), 1.0),
					() -> {
						if (this.ledger.record("flaky-lambda:" + id) < 2) {
							throw new IllegalStateException("first attempt fails");
						}
						return "retried";
					});
			return order.quantity() + ":" + parts.get(1).id() + ":" + parts.get(0).getClass().getSimpleName() + ":"
					+ retried;
		}

		@Workflow
		public String parallel(String id) {
			List<java.util.concurrent.CompletableFuture<String>> futures = new ArrayList<>();
			for (String name : List.of("a", "b", "c")) {
				futures.add(Dbos.startStep("par-" + name, () -> {
					this.ledger.record("par-" + name + ":" + id);
					if (name.equals("b")) {
						throw new IllegalStateException("b failed");
					}
					return name.toUpperCase(java.util.Locale.ROOT) + "@" + Dbos.workflowId();
				}));
			}
			StringBuilder result = new StringBuilder();
			for (java.util.concurrent.CompletableFuture<String> future : futures) {
				try {
					result.append(future.join()).append(';');
				}
				catch (java.util.concurrent.CompletionException ex) {
					result.append('!').append(ex.getCause().getMessage()).append(';');
				}
			}
			return result.toString();
		}

		@Workflow
		public int primitive(int value) {
			return value * 2;
		}

	}

	@Component
	public static class ChildWorkflows {

		private final OrderSteps steps;

		private final Ledger ledger;

		public ChildWorkflows(OrderSteps steps, Ledger ledger) {
			this.steps = steps;
			this.ledger = ledger;
		}

		@Workflow
		public String child(String id) {
			this.ledger.record("child:" + id);
			return this.steps.charge(new Order(id, 1));
		}

	}

}
