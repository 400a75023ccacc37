package io.github.dbosspring.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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
 * The worker JVM of {@link CrashSuiteTests}. Every step records its execution in
 * {@code crash_ledger} before it works (with the database clock, the executor and the
 * process ID) and its end after; its output names the process that ran it, so the
 * recorded checkpoint shows which execution won.
 *
 * <p>Modes ({@code crash.mode}): {@code run} starts workflows {@code crash-0..n-1} (each
 * start is idempotent, so a restarted worker starts only the missing ones) and waits for
 * all of them; {@code idle} only keeps the executor alive, to adopt the work of others.
 * Step durations derive from {@code crash.seed}, the workflow and the step.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ CrashWorkerApp.CrashWorkflows.class, CrashWorkerApp.CrashSteps.class })
public class CrashWorkerApp {

	static final int STEPS = 5;

	static final String LEDGER = """
			CREATE TABLE crash_ledger (id bigserial PRIMARY KEY, workflow_id text NOT NULL, step int NOT NULL,
				executor text NOT NULL, pid int NOT NULL, started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
				ended_at timestamptz);
			CREATE TABLE crash_signals (id serial PRIMARY KEY, signal text NOT NULL, pid int NOT NULL,
				at timestamptz NOT NULL DEFAULT clock_timestamp())""";

	public static void main(String[] args) throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(CrashWorkerApp.class)
			.web(WebApplicationType.NONE)
			.run(args);
		Environment environment = context.getEnvironment();
		System.out.println("READY pid=" + ProcessHandle.current().pid());
		String mode = environment.getProperty("crash.mode", "run");
		if ("idle".equals(mode)) {
			Thread.sleep(Long.MAX_VALUE);
		}
		Dbos dbos = context.getBean(Dbos.class);
		CrashWorkflows workflows = context.getBean(CrashWorkflows.class);
		int count = environment.getProperty("crash.workflows", Integer.class, 20);
		List<WorkflowHandle<String>> handles = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String id = "crash-" + i;
			handles.add(dbos.start(WorkflowOptions.withId(id), () -> workflows.run(id)));
		}
		for (WorkflowHandle<String> handle : handles) {
			// the one recorded outcome, whoever recorded it
			System.out.println("RESULT " + handle.getWorkflowId() + " " + handle.getResult());
		}
		System.out.println("ALL-DONE");
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
				// step 2 is a lambda step, step 3 a @Step of this bean called through 'this',
				// the others @Step methods of another bean
				result.append((step == 2) ? Dbos.runStep("lambda-effect", () -> this.steps.sideEffect(id, index))
						: (step == 3) ? ownEffect(id, step) : this.steps.effect(id, step));
			}
			return result.toString();
		}

		@Step
		public String ownEffect(String workflowId, int step) {
			return this.steps.sideEffect(workflowId, step);
		}

	}

	@Component
	public static class CrashSteps {

		private final JdbcClient jdbc;

		private final String executor;

		private final long seed;

		private final long minMillis;

		private final long maxMillis;

		public CrashSteps(JdbcClient jdbc, Environment environment) {
			this.jdbc = jdbc;
			this.executor = environment.getProperty("dbos.executor-id", "unknown");
			this.seed = environment.getProperty("crash.seed", Long.class, 0L);
			this.minMillis = environment.getProperty("crash.step-min-millis", Long.class, 30L);
			this.maxMillis = environment.getProperty("crash.step-max-millis", Long.class, 90L);
		}

		@Step
		public String effect(String workflowId, int step) {
			return sideEffect(workflowId, step);
		}

		public String sideEffect(String workflowId, int step) {
			int pid = (int) ProcessHandle.current().pid();
			// the side effect comes first: a kill after it and before the checkpoint re-runs it
			long entry = this.jdbc
				.sql("INSERT INTO crash_ledger (workflow_id, step, executor, pid) VALUES (?, ?, ?, ?) RETURNING id")
				.params(workflowId, step, this.executor, pid)
				.query(Long.class)
				.single();
			long span = this.maxMillis - this.minMillis + 1;
			long millis = this.minMillis + Math.floorMod(Objects.hash(this.seed, workflowId, step), span);
			try {
				Thread.sleep(millis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.jdbc.sql("UPDATE crash_ledger SET ended_at = clock_timestamp() WHERE id = ?").param(entry).update();
			return "[" + step + ":" + pid + "]";
		}

	}

}
