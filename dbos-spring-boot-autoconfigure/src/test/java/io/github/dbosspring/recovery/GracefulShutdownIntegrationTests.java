package io.github.dbosspring.recovery;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.StepInfo;
import io.github.dbosspring.workflow.TestWorkflowApplication;
import io.github.dbosspring.workflow.TestWorkflowApplication.Ledger;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowOptions;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Graceful shutdown: running workflows stop at their next step boundary, stay PENDING, and
 * another executor adopts them at once (the stopped executor unregistered itself).
 */
class GracefulShutdownIntegrationTests {

	@Test
	void shutdownLeavesRunningWorkflowPendingAndAnotherExecutorResumesItAtOnce() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		String id = "graceful-1";
		try (ConfigurableApplicationContext first = start(url, "first")) {
			Dbos dbos = first.getBean(Dbos.class);
			LongSteps workflows = first.getBean(LongSteps.class);
			dbos.start(WorkflowOptions.withId(id), () -> workflows.run(id, 6));
			await().atMost(Duration.ofSeconds(20)).until(() -> dbos.listSteps(id).size() >= 2);
		}
		// what the first executor left behind, read before another executor can adopt it
		JdbcClient jdbc = JdbcClient.create(TestDatabase.dataSource(url));
		Map<String, Object> left = jdbc.sql("SELECT status, executor_id FROM dbos.workflow_status WHERE workflow_id = ?")
			.param(id)
			.query()
			.singleRow();
		int stepsBefore = jdbc.sql("SELECT count(*) FROM dbos.step_outputs WHERE workflow_id = ?")
			.param(id)
			.query(Integer.class)
			.single();
		assertThat(left).containsEntry("status", "PENDING").containsEntry("executor_id", "first");
		assertThat(jdbc.sql("SELECT count(*) FROM dbos.executors WHERE executor_id = 'first'")
			.query(Integer.class)
			.single()).as("the stopped executor unregistered itself").isZero();
		assertThat(stepsBefore).isBetween(2, 5);
		try (ConfigurableApplicationContext second = start(url, "second")) {
			Dbos dbos = second.getBean(Dbos.class);
			assertThat(dbos.<String>retrieveWorkflow(id).getResult(Duration.ofSeconds(30))).isEqualTo("0,1,2,3,4,5");
			WorkflowInfo done = dbos.getWorkflow(id).orElseThrow();
			assertThat(done.status()).isEqualTo(WorkflowStatus.SUCCESS);
			assertThat(done.executorId()).isEqualTo("second");
			assertThat(dbos.listSteps(id)).extracting(StepInfo::stepId).containsExactly(0, 1, 2, 3, 4, 5);
			Ledger ledger = second.getBean(Ledger.class);
			for (int step = 0; step < stepsBefore; step++) {
				assertThat(ledger.count(id + ":" + step)).as("recorded step %d not re-run", step).isZero();
			}
		}
	}

	@Test
	void stepInterruptedWhenTheShutdownTimeoutExpiresIsNotRecordedAsAFailure() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		String id = "interrupted-1";
		try (ConfigurableApplicationContext first = start(url, "first", "dbos.shutdown.timeout=0s")) {
			Dbos dbos = first.getBean(Dbos.class);
			LongSteps workflows = first.getBean(LongSteps.class);
			dbos.start(WorkflowOptions.withId(id), () -> workflows.run(id, 4));
			await().atMost(Duration.ofSeconds(20)).until(() -> dbos.listSteps(id).size() >= 1);
		}
		try (ConfigurableApplicationContext second = start(url, "second")) {
			Dbos dbos = second.getBean(Dbos.class);
			assertThat(dbos.listSteps(id)).noneMatch(StepInfo::failed);
			assertThat(dbos.<String>retrieveWorkflow(id).getResult(Duration.ofSeconds(30))).isEqualTo("0,1,2,3");
			assertThat(dbos.getWorkflow(id).orElseThrow().status()).isEqualTo(WorkflowStatus.SUCCESS);
		}
	}

	private static ConfigurableApplicationContext start(String url, String executorId, String... properties) {
		return new SpringApplicationBuilder(TestWorkflowApplication.class, LongSteps.class, SlowStep.class)
			.web(WebApplicationType.NONE)
			.properties("spring.datasource.url=" + url, "dbos.executor-id=" + executorId,
					"dbos.recovery.interval=200ms", "dbos.recovery.heartbeat-interval=1s",
					"dbos.recovery.executor-timeout=60s", "dbos.shutdown.timeout=5s")
			.properties(properties)
			.run();
	}

	@Component
	public static class LongSteps {

		private final SlowStep step;

		public LongSteps(SlowStep step) {
			this.step = step;
		}

		@io.github.dbosspring.workflow.Workflow(name = "long-steps")
		public String run(String id, int count) throws InterruptedException {
			StringBuilder result = new StringBuilder();
			for (int i = 0; i < count; i++) {
				result.append((i > 0) ? "," : "").append(this.step.work(id, i));
			}
			return result.toString();
		}

	}

	@Component
	public static class SlowStep {

		private final Ledger ledger;

		public SlowStep(Ledger ledger) {
			this.ledger = ledger;
		}

		@io.github.dbosspring.workflow.Step
		public int work(String id, int index) throws InterruptedException {
			this.ledger.record(id + ":" + index);
			Thread.sleep(300);
			return index;
		}

	}

}
