package io.github.dbosspring.workflow;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.support.WorkflowEngine;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Lazy;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Control of running and finished workflows: timeouts (annotation and option, inherited
 * by children), cancel with cascade, resume, fork (also onto a new application version)
 * and delete, and which steps run again in each case.
 */
@SpringBootTest(classes = TestWorkflowApplication.class, properties = { "dbos.recovery.interval=200ms" })
@Import(WorkflowControlIntegrationTests.ControlWorkflows.class)
class WorkflowControlIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private Dbos dbos;

	@Autowired
	private ControlWorkflows workflows;

	@Autowired
	private WorkflowEngine engine;

	@Autowired
	private JdbcClient jdbc;

	@Test
	void annotatedTimeoutCancelsTheWorkflowAtItsNextStep() {
		WorkflowHandle<String> handle = this.dbos.start(WorkflowOptions.withId("timeout-annotated"),
				() -> this.workflows.slowWithTimeout("timeout-annotated"));

		assertThatExceptionOfType(WorkflowCancelledException.class).isThrownBy(() -> handle.getResult(WAIT))
			.withMessageContaining("timeout expired");
		WorkflowInfo info = handle.getStatus();
		assertThat(info.status()).isEqualTo(WorkflowStatus.CANCELLED);
		assertThat(info.deadline()).isNotNull();
		assertThat(this.workflows.count("slow:timeout-annotated")).isBetween(1, 6);
	}

	@Test
	void timeoutOptionCancelsTheWorkflowAndTheChildItIsWaitingFor() {
		WorkflowHandle<String> handle = this.dbos.start(
				WorkflowOptions.withId("timeout-parent").withTimeout(Duration.ofMillis(400)),
				() -> this.workflows.parentOfSlowChild("timeout-parent"));

		assertThatExceptionOfType(WorkflowCancelledException.class).isThrownBy(() -> handle.getResult(WAIT));
		assertThat(handle.getStatus().status()).isEqualTo(WorkflowStatus.CANCELLED);
		WorkflowInfo child = this.dbos.getWorkflow("timeout-parent-0").orElseThrow();
		assertThat(child.status()).isEqualTo(WorkflowStatus.CANCELLED);
		assertThat(child.errorMessage()).contains("timeout of workflow 'timeout-parent'");
		assertThat(this.workflows.count("slow:timeout-parent-child")).isBetween(1, 6);
	}

	@Test
	void cancelWithCascadeCancelsChildrenAndResumeContinuesFromTheLastCompletedStep() throws Exception {
		this.workflows.gate("cascade:1");
		WorkflowHandle<String> parent = this.dbos.start(WorkflowOptions.withId("cascade"),
				() -> this.workflows.parentOfGatedChild("cascade"));
		awaitCount("gated:cascade:1", 1);

		assertThat(this.dbos.cancel("cascade", true)).isTrue();
		this.workflows.gate("cascade:1").countDown();
		assertThatExceptionOfType(WorkflowCancelledException.class).isThrownBy(() -> parent.getResult(WAIT));
		assertThat(this.dbos.getWorkflow("cascade-0").orElseThrow().status()).isEqualTo(WorkflowStatus.CANCELLED);

		// resume: adopted by this (live) executor within dbos.recovery.interval; completed steps are replayed
		this.dbos.resume("cascade-0");
		this.dbos.resume("cascade");
		assertThat(parent.getResult(WAIT)).isEqualTo("child: gated cascade");
		assertThat(this.workflows.count("gated:cascade:0")).isEqualTo(1);
		assertThat(this.workflows.count("gated:cascade:2")).isEqualTo(1);
	}

	@Test
	void forkRunsAgainFromTheGivenStepAndDeleteRemovesEverything() throws Exception {
		this.dbos.run(WorkflowOptions.withId("fork-src"), () -> this.workflows.threeSteps("fork-src"));
		WorkflowHandle<String> fork = this.dbos.fork("fork-src", 2);

		assertThat(fork.getResult(WAIT)).isEqualTo("fork-src:0,1,2");
		assertThat(this.workflows.count("step:fork-src:0")).isEqualTo(1);
		assertThat(this.workflows.count("step:fork-src:1")).isEqualTo(1);
		assertThat(this.workflows.count("step:fork-src:2")).isEqualTo(2);

		assertThat(this.dbos.delete("fork-src", true)).isTrue();
		assertThat(this.dbos.getWorkflow("fork-src")).isEmpty();
		assertThat(this.dbos.listSteps("fork-src")).isEmpty();
		assertThat(this.dbos.delete("fork-src", true)).isFalse();
	}

	@Test
	void workOfAnOldApplicationVersionIsMovedForwardByForkingItOntoTheRunningVersion() throws Exception {
		// a workflow interrupted under an older version: recovery here leaves it alone
		this.jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, executor_id, "
				+ "application_version) VALUES ('old-version-1', 'PENDING', 'threeSteps', '[\"old\"]', 'gone', 'v-old')")
			.update();
		this.jdbc.sql("INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name, output) "
				+ "VALUES ('old-version-1', 0, 'step', '\"0\"')").update();
		Thread.sleep(1000);
		assertThat(this.dbos.getWorkflow("old-version-1").orElseThrow().status()).isEqualTo(WorkflowStatus.PENDING);

		WorkflowHandle<String> moved = this.dbos.fork("old-version-1", 1, "old-version-1-v2",
				this.engine.getApplicationVersion());
		this.dbos.cancel("old-version-1");

		assertThat(moved.getResult(WAIT)).isEqualTo("old:0,1,2");
		assertThat(this.workflows.count("step:old:0")).isZero();
		assertThat(this.workflows.count("step:old:1")).isEqualTo(1);
	}

	private void awaitCount(String key, int count) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (this.workflows.count(key) < count && System.nanoTime() < deadline) {
			Thread.sleep(5);
		}
		assertThat(this.workflows.count(key)).isGreaterThanOrEqualTo(count);
	}

	@Component
	public static class ControlWorkflows {

		private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

		private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();

		@Autowired
		@Lazy
		private ControlWorkflows self;

		public int count(String key) {
			AtomicInteger count = this.counts.get(key);
			return (count != null) ? count.get() : 0;
		}

		public CountDownLatch gate(String key) {
			return this.gates.computeIfAbsent(key, (k) -> new CountDownLatch(1));
		}

		@Workflow(name = "slowWithTimeout", timeout = "400ms")
		public String slowWithTimeout(String key) throws InterruptedException {
			for (int i = 0; i < 20; i++) {
				this.self.slow(key);
			}
			return "finished";
		}

		@Workflow(name = "slowChild")
		public String slowChild(String key) throws InterruptedException {
			for (int i = 0; i < 20; i++) {
				this.self.slow(key);
			}
			return "finished";
		}

		@Workflow(name = "parentOfSlowChild")
		public String parentOfSlowChild(String key) throws InterruptedException {
			return "child: " + this.self.slowChild(key + "-child");
		}

		@Step
		public void slow(String key) throws InterruptedException {
			this.counts.computeIfAbsent("slow:" + key, (k) -> new AtomicInteger()).incrementAndGet();
			Thread.sleep(100);
		}

		@Workflow(name = "gatedChild")
		public String gatedChild(String key) throws InterruptedException {
			for (int i = 0; i < 3; i++) {
				this.self.gated(key, i);
			}
			return "gated " + key;
		}

		@Workflow(name = "parentOfGatedChild")
		public String parentOfGatedChild(String key) throws InterruptedException {
			return "child: " + this.self.gatedChild(key);
		}

		@Step
		public void gated(String key, int i) throws InterruptedException {
			this.counts.computeIfAbsent("gated:" + key + ":" + i, (k) -> new AtomicInteger()).incrementAndGet();
			CountDownLatch gate = this.gates.get(key + ":" + i);
			if (gate != null && !gate.await(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("gate never opened");
			}
		}

		@Workflow(name = "threeSteps")
		public String threeSteps(String key) {
			StringBuilder result = new StringBuilder(key).append(':');
			for (int i = 0; i < 3; i++) {
				result.append((i > 0) ? "," : "").append(this.self.step(key, i));
			}
			return result.toString();
		}

		@Step(name = "step")
		public String step(String key, int i) {
			this.counts.computeIfAbsent("step:" + key + ":" + i, (k) -> new AtomicInteger()).incrementAndGet();
			return Integer.toString(i);
		}

	}

}
