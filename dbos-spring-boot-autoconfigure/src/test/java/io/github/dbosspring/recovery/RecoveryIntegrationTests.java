package io.github.dbosspring.recovery;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.MaxRecoveryAttemptsExceededException;
import io.github.dbosspring.workflow.StepInfo;
import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.TestWorkflowApplication;
import io.github.dbosspring.workflow.TestWorkflowApplication.Ledger;
import io.github.dbosspring.workflow.Workflow;
import io.github.dbosspring.workflow.WorkflowAbandonedException;
import io.github.dbosspring.workflow.WorkflowHandle;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowOptions;
import io.github.dbosspring.workflow.WorkflowStatus;
import io.github.dbosspring.workflow.support.WorkflowEngine;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Recovery in one JVM: adoption of a dead executor's workflows, which never re-runs a
 * recorded step, and the fencing that keeps an executor presumed dead from recording
 * anything. (Real process kills are in {@code CrashRecoveryIntegrationTests}.)
 */
@SpringBootTest(classes = TestWorkflowApplication.class,
		properties = { "dbos.recovery.interval=1h", "dbos.recovery.executor-timeout=2s",
				"dbos.recovery.heartbeat-interval=500ms", "dbos.recovery.max-attempts=3" })
@Import({ RecoveryIntegrationTests.Workflows.class, RecoveryIntegrationTests.SideEffects.class })
class RecoveryIntegrationTests {

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private RecoveryRunner recovery;

	@Autowired
	private WorkflowEngine engine;

	@Autowired
	private Dbos dbos;

	@Autowired
	private Workflows workflows;

	@Autowired
	private Ledger ledger;

	@Autowired
	private JdbcClient jdbc;

	@BeforeEach
	void reset() {
		this.ledger.reset();
		this.workflows.setGate(null);
		this.jdbc.sql("DELETE FROM dbos.step_outputs").update();
		this.jdbc.sql("DELETE FROM dbos.workflow_status").update();
		this.jdbc.sql("DELETE FROM dbos.executors WHERE executor_id <> ?").param(this.engine.getExecutorId()).update();
	}

	@Test
	void workflowOfExecutorWithoutHeartbeatIsAdoptedAndResumedAfterItsLastRecordedStep() {
		insertPending("crashed-1", "dead-executor", this.engine.getApplicationVersion(), 0);
		recordStep("crashed-1", 0, "sideEffect", "\"step-0 done\"");
		recordStep("crashed-1", 1, "sideEffect", "\"step-1 done\"");

		assertThat(this.recovery.recoverNow()).isEqualTo(1);

		String result = this.dbos.<String>retrieveWorkflow("crashed-1").getResult();
		assertThat(result).isEqualTo("step-0 done,step-1 done,step-2 done,step-3 done");
		assertThat(this.ledger.count("crashed-1:0")).isZero();
		assertThat(this.ledger.count("crashed-1:1")).isZero();
		assertThat(this.ledger.count("crashed-1:2")).isEqualTo(1);
		assertThat(this.ledger.count("crashed-1:3")).isEqualTo(1);
		WorkflowInfo info = this.dbos.getWorkflow("crashed-1").orElseThrow();
		assertThat(info.status()).isEqualTo(WorkflowStatus.SUCCESS);
		assertThat(info.executorId()).isEqualTo(this.engine.getExecutorId());
		assertThat(info.recoveryAttempts()).isEqualTo(1);
		assertThat(this.dbos.listSteps("crashed-1")).extracting(StepInfo::stepId).containsExactly(0, 1, 2, 3);
	}

	@Test
	void workflowOfExecutorWithStaleHeartbeatIsAdoptedButLiveExecutorKeepsItsWork() {
		this.jdbc.sql("INSERT INTO dbos.executors (executor_id, last_heartbeat) VALUES "
				+ "('stale', clock_timestamp() - interval '1 minute'), ('alive', clock_timestamp())").update();
		insertPending("of-stale", "stale", this.engine.getApplicationVersion(), 0);
		insertPending("of-alive", "alive", this.engine.getApplicationVersion(), 0);

		assertThat(this.recovery.recoverNow()).isEqualTo(1);

		assertThat(this.dbos.<String>retrieveWorkflow("of-stale").getResult()).startsWith("step-0 done");
		assertThat(this.dbos.getWorkflow("of-alive").orElseThrow().status()).isEqualTo(WorkflowStatus.PENDING);
		assertThat(this.dbos.getWorkflow("of-alive").orElseThrow().executorId()).isEqualTo("alive");
	}

	@Test
	void workflowOfAnotherApplicationVersionIsNotRecovered() {
		insertPending("old-version", "dead-executor", "some-old-version", 0);

		assertThat(this.recovery.recoverNow()).isZero();

		WorkflowInfo info = this.dbos.getWorkflow("old-version").orElseThrow();
		assertThat(info.status()).isEqualTo(WorkflowStatus.PENDING);
		assertThat(info.executorId()).isEqualTo("dead-executor");
	}

	@Test
	void workflowThatKeepsCrashingStopsAtMaxRecoveryAttempts() {
		insertPending("crash-loop", "dead-executor", this.engine.getApplicationVersion(), 3);

		this.recovery.recoverNow();

		WorkflowInfo info = this.dbos.getWorkflow("crash-loop").orElseThrow();
		assertThat(info.status()).isEqualTo(WorkflowStatus.MAX_RECOVERY_ATTEMPTS_EXCEEDED);
		assertThat(info.recoveryAttempts()).isEqualTo(4);
		assertThatExceptionOfType(MaxRecoveryAttemptsExceededException.class)
			.isThrownBy(() -> this.dbos.retrieveWorkflow("crash-loop").getResult());
		assertThat(this.ledger.count("crash-loop:0")).isZero();
	}

	@Test
	void executorThatLostItsWorkflowCannotCheckpointOrComplete() throws Exception {
		CountDownLatch inStep = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		this.workflows.setGate(new Gate(inStep, release));
		WorkflowHandle<String> handle = this.dbos.start(WorkflowOptions.withId("fenced"),
				() -> this.workflows.steps("fenced", 3));
		assertThat(inStep.await(10, TimeUnit.SECONDS)).isTrue();
		// meanwhile another executor presumed this one dead and adopted the workflow
		this.jdbc.sql("UPDATE dbos.workflow_status SET executor_id = 'adopter' WHERE workflow_id = 'fenced'").update();
		release.countDown();

		await().atMost(Duration.ofSeconds(10)).until(() -> !this.engine.runningWorkflowIds().contains("fenced"));
		// step 0 completed while this executor still owned the workflow; step 1's checkpoint was rejected
		assertThat(this.dbos.listSteps("fenced")).extracting(StepInfo::stepId).containsExactly(0);
		WorkflowInfo info = this.dbos.getWorkflow("fenced").orElseThrow();
		assertThat(info.status()).isEqualTo(WorkflowStatus.PENDING);
		assertThat(info.executorId()).isEqualTo("adopter");
		assertThat(this.ledger.count("fenced:1")).isZero();
		assertThat(handle.getStatus().status()).isEqualTo(WorkflowStatus.PENDING);
	}

	@Test
	void executorThatLostItsWorkflowStopsWhenTheNewOwnerAlreadyRecordedTheStep() throws Exception {
		CountDownLatch inStep = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		this.workflows.setGate(new Gate(inStep, release));
		this.dbos.start(WorkflowOptions.withId("overtaken"), () -> this.workflows.steps("overtaken", 3));
		assertThat(inStep.await(10, TimeUnit.SECONDS)).isTrue();
		// meanwhile another executor adopted the workflow and recorded the blocked step
		this.jdbc.sql("UPDATE dbos.workflow_status SET executor_id = 'adopter' WHERE workflow_id = 'overtaken'")
			.update();
		recordStep("overtaken", 1, "sideEffect", "\"adopter's step-1\"");
		release.countDown();

		await().atMost(Duration.ofSeconds(10)).until(() -> !this.engine.runningWorkflowIds().contains("overtaken"));
		// it did not replay the adopter's step 1 and go on to run step 2 beside the adopter
		assertThat(this.ledger.count("overtaken:2")).isZero();
		assertThat(this.dbos.listSteps("overtaken")).extracting(StepInfo::stepId).containsExactly(0, 1);
		WorkflowInfo info = this.dbos.getWorkflow("overtaken").orElseThrow();
		assertThat(info.status()).isEqualTo(WorkflowStatus.PENDING);
		assertThat(info.executorId()).isEqualTo("adopter");
	}

	@Test
	void inlineCallerOfAFencedWorkflowIsToldItWasLeftForRecovery() throws Exception {
		CountDownLatch inStep = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		this.workflows.setGate(new Gate(inStep, release));
		Thread adopter = new Thread(() -> {
			try {
				inStep.await(10, TimeUnit.SECONDS);
				this.jdbc.sql("UPDATE dbos.workflow_status SET executor_id = 'adopter' WHERE workflow_id = 'fenced-2'")
					.update();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				release.countDown();
			}
		});
		adopter.start();

		assertThatExceptionOfType(WorkflowAbandonedException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("fenced-2"), () -> this.workflows.steps("fenced-2", 2)))
			.withMessageContaining("no longer owns it");
		adopter.join();
	}

	private void insertPending(String id, String executor, String version, int recoveryAttempts) {
		this.jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, executor_id, "
				+ "application_version, recovery_attempts) VALUES (?, 'PENDING', 'recoverable', ?, ?, ?, ?)")
			.params(id, "[\"" + id + "\",4]", executor, version, recoveryAttempts)
			.update();
	}

	private void recordStep(String id, int stepId, String name, String output) {
		this.jdbc.sql("INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name, output) VALUES (?, ?, ?, ?)")
			.params(id, stepId, name, output)
			.update();
	}

	record Gate(CountDownLatch inStep, CountDownLatch release) {
	}

	@Component
	static class Workflows {

		private final SideEffects sideEffects;

		private volatile Gate gate;

		Workflows(SideEffects sideEffects) {
			this.sideEffects = sideEffects;
		}

		public void setGate(Gate gate) {
			this.gate = gate;
		}

		@Workflow(name = "recoverable")
		public String steps(String id, int count) {
			StringBuilder result = new StringBuilder();
			for (int i = 0; i < count; i++) {
				if (i == 1 && this.gate != null) {
					this.sideEffects.blockThenRecord(id, i, this.gate);
				}
				else {
					result.append((i > 0) ? "," : "").append(this.sideEffects.sideEffect(id, i));
				}
			}
			return result.toString();
		}

	}

	@Component
	static class SideEffects {

		private final Ledger ledger;

		SideEffects(Ledger ledger) {
			this.ledger = ledger;
		}

		@Step
		public String sideEffect(String id, int index) {
			this.ledger.record(id + ":" + index);
			return "step-" + index + " done";
		}

		@Step(name = "sideEffect")
		public String blockThenRecord(String id, int index, Gate gate) {
			gate.inStep().countDown();
			try {
				gate.release().await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return "blocked-" + index;
		}

	}

}
