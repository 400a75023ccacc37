package io.github.dbosspring.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;
import io.github.dbosspring.workflow.WorkflowHandle;
import io.github.dbosspring.workflow.WorkflowOptions;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The worker JVM of the crash tests. Every step first records a side effect in the
 * {@code crash_ledger} table (with the database clock), then works for a while, then
 * returns; the test kills this JVM at random moments and checks the ledger against the
 * recorded checkpoints.
 *
 * <p>Modes ({@code crash.mode}): {@code run} starts workflows {@code crash-0..n-1} and
 * waits for all of them; {@code idle} only keeps the executor alive (to adopt work);
 * {@code same-id} waits for the test's go signal and then runs workflow
 * {@code shared-1}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ CrashTestApp.CrashWorkflows.class, CrashTestApp.CrashSteps.class, CrashTestApp.Bookings.class })
@org.springframework.transaction.annotation.EnableTransactionManagement
public class CrashTestApp {

	@org.springframework.context.annotation.Bean
	org.springframework.jdbc.datasource.DataSourceTransactionManager transactionManager(
			javax.sql.DataSource dataSource) {
		return new org.springframework.jdbc.datasource.DataSourceTransactionManager(dataSource);
	}

	public static final int STEPS = 5;

	public static void main(String[] args) throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(CrashTestApp.class)
			.web(WebApplicationType.NONE)
			.run(args);
		Environment environment = context.getEnvironment();
		Dbos dbos = context.getBean(Dbos.class);
		CrashWorkflows workflows = context.getBean(CrashWorkflows.class);
		JdbcClient jdbc = context.getBean(JdbcClient.class);
		String mode = environment.getProperty("crash.mode", "run");
		System.out.println("READY pid=" + ProcessHandle.current().pid());
		switch (mode) {
			case "run" -> {
				int count = environment.getProperty("crash.workflows", Integer.class, 20);
				List<WorkflowHandle<String>> handles = new ArrayList<>();
				for (int i = 0; i < count; i++) {
					String id = "crash-" + i;
					handles.add(dbos.start(WorkflowOptions.withId(id), () -> workflows.run(id)));
				}
				for (WorkflowHandle<String> handle : handles) {
					handle.getResult();
				}
				System.out.println("ALL-DONE");
			}
			case "same-id" -> {
				while (jdbc.sql("SELECT count(*) FROM crash_go").query(Integer.class).single() == 0) {
					Thread.sleep(2);
				}
				String result = dbos.run(WorkflowOptions.withId("shared-1"), () -> workflows.run("shared-1"));
				System.out.println("RESULT=" + result);
			}
			case "sleep" -> {
				String result = dbos.start(WorkflowOptions.withId("sleeper-1"), () -> workflows.sleeper("sleeper-1"))
					.getResult();
				System.out.println("SLEPT " + result);
			}
			case "tx" -> {
				Bookings bookings = context.getBean(Bookings.class);
				String result = dbos.start(WorkflowOptions.withId("booking-1"), () -> bookings.book("booking-1"))
					.getResult();
				System.out.println("BOOKED " + result);
			}
			case "idle" -> Thread.sleep(Long.MAX_VALUE);
			default -> throw new IllegalArgumentException("Unknown crash.mode " + mode);
		}
		context.close();
		System.exit(0);
	}

	@Component
	public static class CrashWorkflows {

		private final CrashSteps steps;

		public CrashWorkflows(CrashSteps steps) {
			this.steps = steps;
		}

		@Workflow(name = "crash-workflow")
		public String run(String id) {
			StringBuilder result = new StringBuilder();
			for (int step = 0; step < STEPS; step++) {
				int index = step;
				// step 2 is a lambda step, step 3 a @Step of this bean called through 'this', the
				// others @Step methods of another bean
				result.append((step == 2) ? Dbos.runStep("lambda-effect", () -> this.steps.sideEffect(id, index))
						: (step == 3) ? ownEffect(id, step) : this.steps.effect(id, step));
			}
			return result.toString();
		}

		@Workflow(name = "sleeper")
		public String sleeper(String id) {
			String before = this.steps.effect(id, 0);
			Dbos.sleep(java.time.Duration.ofSeconds(8));
			return before + this.steps.effect(id, 1);
		}

		@Step
		public String ownEffect(String workflowId, int step) {
			return this.steps.sideEffect(workflowId, step);
		}

	}

	@Component
	public static class CrashSteps {

		private final JdbcClient jdbc;

		private final long minMillis;

		private final long maxMillis;

		public CrashSteps(JdbcClient jdbc, Environment environment) {
			this.jdbc = jdbc;
			this.minMillis = environment.getProperty("crash.step-min-millis", Long.class, 50L);
			this.maxMillis = environment.getProperty("crash.step-max-millis", Long.class, 150L);
		}

		@Step
		public String effect(String workflowId, int step) {
			return sideEffect(workflowId, step);
		}

		public String sideEffect(String workflowId, int step) {
			// the side effect comes first: a kill after it and before the checkpoint re-runs it
			this.jdbc.sql("INSERT INTO crash_ledger (workflow_id, step, pid) VALUES (?, ?, ?)")
				.params(workflowId, step, (int) ProcessHandle.current().pid())
				.update();
			try {
				Thread.sleep(ThreadLocalRandom.current().nextLong(this.minMillis, this.maxMillis + 1));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return "[" + step + "]";
		}

	}

	/**
	 * A workflow whose first step is {@code @Transactional} on the application's DataSource:
	 * it writes a booking, and with {@code crash.halt-after-commit} the JVM halts right after
	 * that transaction commits, before the step returns.
	 */
	@Component
	public static class Bookings {

		private final JdbcClient jdbc;

		private final boolean haltAfterCommit;

		private final Bookings self;

		public Bookings(JdbcClient jdbc, Environment environment,
				@org.springframework.context.annotation.Lazy Bookings self) {
			this.jdbc = jdbc;
			this.haltAfterCommit = environment.getProperty("crash.halt-after-commit", Boolean.class, false);
			this.self = self;
		}

		@Workflow(name = "booking")
		public String book(String id) {
			long booking = this.self.insertBooking(id);
			return "booking " + booking + " " + this.self.confirm(id);
		}

		@Step
		@org.springframework.transaction.annotation.Transactional
		public long insertBooking(String id) {
			long booking = this.jdbc.sql("INSERT INTO tx_bookings (workflow_id) VALUES (?) RETURNING id")
				.param(id)
				.query(Long.class)
				.single();
			if (this.haltAfterCommit) {
				org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization(
						new org.springframework.transaction.support.TransactionSynchronization() {
							@Override
							public void afterCommit() {
								System.out.println("HALTING after commit");
								System.out.flush();
								Runtime.getRuntime().halt(137);
							}
						});
			}
			return booking;
		}

		@Step
		public String confirm(String id) {
			return "confirmed";
		}

	}

}
