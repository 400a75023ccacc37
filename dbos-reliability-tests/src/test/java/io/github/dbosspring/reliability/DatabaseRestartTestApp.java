package io.github.dbosspring.reliability;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.dbosspring.actuate.health.DbosHealthIndicator;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;
import io.github.dbosspring.workflow.WorkflowOptions;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The application JVM of {@link DatabaseRestartSuiteTests}: it starts a third of its
 * workflows in the background, enqueues a third and runs a third inline on caller
 * threads, then keeps running while the test restarts and disrupts its database. Every
 * step records its side effect in {@code restart_ledger} with the database clock before
 * it works for a while. The {@code dbos} health indicator is read every 100 ms and each
 * change printed as {@code HEALTH <status> <epoch millis>}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ DatabaseRestartTestApp.RestartWorkflows.class, DatabaseRestartTestApp.RestartSteps.class })
public class DatabaseRestartTestApp {

	/** The steps of every workflow. */
	public static final int STEPS = 8;

	/** The name of the queue of the enqueued third. */
	public static final String QUEUE = "restart-queue";

	public static void main(String[] args) throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(DatabaseRestartTestApp.class)
			.web(WebApplicationType.NONE)
			.run(args);
		Environment environment = context.getEnvironment();
		Dbos dbos = context.getBean(Dbos.class);
		RestartWorkflows workflows = context.getBean(RestartWorkflows.class);
		int count = environment.getRequiredProperty("restart.workflows", Integer.class);
		Thread health = new Thread(() -> reportHealth(context.getBean(DbosHealthIndicator.class)), "health-reporter");
		health.setDaemon(true);
		health.start();
		System.out.println("READY pid=" + ProcessHandle.current().pid());
		// every inline workflow gets a caller thread of its own, so all of them are in flight at once
		ExecutorService callers = Executors.newFixedThreadPool(count / 3 + 1);
		Map<String, AtomicInteger> callerErrors = new ConcurrentHashMap<>();
		for (int i = 0; i < count; i++) {
			String id = switch (i % 3) {
				case 0 -> "bg-" + i;
				case 1 -> "queued-" + i;
				default -> "inline-" + i;
			};
			switch (i % 3) {
				case 0 -> dbos.start(WorkflowOptions.withId(id), () -> workflows.run(id));
				case 1 -> dbos.enqueue(EnqueueOptions.queue(QUEUE).withWorkflowId(id), () -> workflows.run(id));
				default -> callers.execute(() -> runInline(dbos, workflows, id, callerErrors));
			}
		}
		System.out.println("STARTED-ALL");
		callers.shutdown();
		callers.awaitTermination(10, TimeUnit.MINUTES);
		// the caller threads saw only typed failures of an interrupted inline run, then its outcome
		System.out.println("INLINE-DONE caller-errors=" + callerErrors);
		Thread.sleep(Long.MAX_VALUE);
	}

	private static void runInline(Dbos dbos, RestartWorkflows workflows, String id,
			Map<String, AtomicInteger> callerErrors) {
		// a caller whose run was interrupted by the outage asks again with the same ID: it gets the
		// workflow's outcome once it is recorded (recovery may finish the run in the meantime)
		while (true) {
			try {
				dbos.run(WorkflowOptions.withId(id), () -> workflows.run(id));
				return;
			}
			catch (RuntimeException ex) {
				callerErrors.computeIfAbsent(ex.getClass().getSimpleName(), (key) -> new AtomicInteger())
					.incrementAndGet();
				try {
					Thread.sleep(250);
				}
				catch (InterruptedException interrupted) {
					return;
				}
			}
		}
	}

	private static void reportHealth(DbosHealthIndicator indicator) {
		String last = null;
		while (true) {
			Health health = indicator.health(false);
			String status = (health != null) ? health.getStatus().getCode() : "NONE";
			if (!status.equals(last)) {
				System.out.println("HEALTH " + status + " " + System.currentTimeMillis());
				last = status;
			}
			try {
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

	@Component
	public static class RestartWorkflows {

		private final RestartSteps steps;

		public RestartWorkflows(RestartSteps steps) {
			this.steps = steps;
		}

		@Workflow(name = "restart-workflow")
		public String run(String id) {
			StringBuilder result = new StringBuilder();
			for (int step = 0; step < STEPS; step++) {
				result.append(this.steps.effect(id, step));
			}
			return result.toString();
		}

	}

	@Component
	public static class RestartSteps {

		private final JdbcClient jdbc;

		private final Random random;

		private final long minMillis;

		private final long maxMillis;

		public RestartSteps(JdbcClient jdbc, Environment environment) {
			this.jdbc = jdbc;
			this.random = new Random(environment.getRequiredProperty("restart.seed", Long.class));
			this.minMillis = environment.getRequiredProperty("restart.step-min-millis", Long.class);
			this.maxMillis = environment.getRequiredProperty("restart.step-max-millis", Long.class);
		}

		/**
		 * Records the side effect (first, so that an interruption after it and before the
		 * checkpoint runs it again), then works. The step retries its own write while the
		 * database is away, as an application step that talks to a database would.
		 */
		@Step(maxAttempts = 120, interval = "250ms", backoffRate = 1.0)
		public String effect(String workflowId, int step) {
			this.jdbc.sql("INSERT INTO restart_ledger (workflow_id, step, pid) VALUES (?, ?, ?)")
				.params(workflowId, step, (int) ProcessHandle.current().pid())
				.update();
			long millis;
			synchronized (this.random) {
				millis = this.minMillis + (long) (this.random.nextDouble() * (this.maxMillis - this.minMillis));
			}
			try {
				Thread.sleep(millis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return "[" + step + "]";
		}

	}

}
