package io.github.dbosspring.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A step's checkpoint is written once: a second outcome for the same step is refused
 * (not an error) whether it is written alone or in a shared transaction with the
 * checkpoints of other workflows, which are still written; and a checkpoint of an
 * executor that does not own the PENDING workflow is refused. The same holds for the last
 * step's checkpoint written with the workflow's outcome: refused, the outcome is not
 * written either.
 */
class StepCheckpointIntegrationTests {

	private static DataSource dataSource;

	private static JdbcClient jdbc;

	private static ExecutorService threads;

	@BeforeAll
	static void database() {
		dataSource = TestDatabase.dataSource(TestDatabase.newDatabaseUrl());
		new DbosSchemaMigrator(dataSource, new DbosSchema("dbos")).migrate();
		jdbc = JdbcClient.create(dataSource);
		threads = Executors.newCachedThreadPool();
	}

	@AfterAll
	static void stop() {
		threads.shutdownNow();
	}

	@Test
	void secondOutcomeOfAStepIsRefusedAloneAndTheFirstIsKept() {
		StepOutputRepository steps = new StepOutputRepository(dataSource, new DbosSchema("dbos"));
		pending("alone", "executor-1");

		assertThat(insert(steps, "alone", "executor-1", 0, "\"first\"")).isTrue();
		assertThat(insert(steps, "alone", "executor-1", 0, "\"second\"")).isFalse();
		assertThat(steps.find("alone", 0).orElseThrow().output()).isEqualTo("\"first\"");
	}

	@Test
	void secondOutcomeInASharedTransactionIsRefusedAndTheOthersAreWritten() throws Exception {
		StepOutputRepository steps = new StepOutputRepository(dataSource, new DbosSchema("dbos"));
		GroupCommit groupCommit = new GroupCommit(dataSource, true);
		steps.setGroupCommit(groupCommit);
		for (int i = 1; i <= 4; i++) {
			pending("shared-" + i, "executor-1");
		}
		assertThat(insert(steps, "shared-2", "executor-1", 0, "\"first\"")).isTrue();
		List<Supplier<Boolean>> writes = new ArrayList<>();
		for (int i = 1; i <= 4; i++) {
			String id = "shared-" + i;
			writes.add(() -> insert(steps, id, "executor-1", 0, "\"second\""));
		}

		assertThat(inOneSharedTransaction(groupCommit, writes)).containsExactly(true, false, true, true);
		assertThat(steps.find("shared-2", 0).orElseThrow().output()).isEqualTo("\"first\"");
		assertThat(steps.find("shared-3", 0).orElseThrow().output()).isEqualTo("\"second\"");
	}

	@Test
	void checkpointOfAnExecutorThatDoesNotOwnTheWorkflowIsRefused() {
		StepOutputRepository steps = new StepOutputRepository(dataSource, new DbosSchema("dbos"));
		pending("owned", "executor-1");

		assertThat(insert(steps, "owned", "executor-2", 0, "\"stale\"")).isFalse();
		assertThat(steps.find("owned", 0)).isEmpty();
	}

	@Test
	void completionWhoseLastStepHasAnOutcomeIsRefusedWithAndWithoutNotification() {
		StepOutputRepository steps = new StepOutputRepository(dataSource, new DbosSchema("dbos"));
		WorkflowStatusRepository statuses = new WorkflowStatusRepository(dataSource, new DbosSchema("dbos"));
		for (boolean notify : new boolean[] { false, true }) {
			String id = "completed-late-" + notify;
			pending(id, "executor-1");
			assertThat(insert(steps, id, "executor-1", 0, "\"first\"")).isTrue();

			assertThat(complete(statuses, id, "executor-1", "\"second\"", notify)).isFalse();
			assertThat(status(id)).isEqualTo("PENDING");
			assertThat(steps.find(id, 0).orElseThrow().output()).isEqualTo("\"first\"");
		}
		pending("completed-once", "executor-1");
		assertThat(complete(statuses, "completed-once", "executor-2", "\"stale\"", false)).isFalse();
		assertThat(complete(statuses, "completed-once", "executor-1", "\"only\"", false)).isTrue();
		assertThat(status("completed-once")).isEqualTo("SUCCESS");
		assertThat(steps.find("completed-once", 0).orElseThrow().output()).isEqualTo("\"only\"");
	}

	@Test
	void completionRefusedInASharedTransactionLeavesTheOthersCompleted() throws Exception {
		StepOutputRepository steps = new StepOutputRepository(dataSource, new DbosSchema("dbos"));
		WorkflowStatusRepository statuses = new WorkflowStatusRepository(dataSource, new DbosSchema("dbos"));
		GroupCommit groupCommit = new GroupCommit(dataSource, true);
		statuses.setGroupCommit(groupCommit);
		for (int i = 1; i <= 4; i++) {
			pending("completing-" + i, "executor-1");
		}
		assertThat(insert(steps, "completing-3", "executor-1", 0, "\"first\"")).isTrue();
		List<Supplier<Boolean>> completions = new ArrayList<>();
		for (int i = 1; i <= 4; i++) {
			String id = "completing-" + i;
			completions.add(() -> complete(statuses, id, "executor-1", "\"done\"", false));
		}

		assertThat(inOneSharedTransaction(groupCommit, completions)).containsExactly(true, true, false, true);
		assertThat(status("completing-1")).isEqualTo("SUCCESS");
		assertThat(status("completing-3")).isEqualTo("PENDING");
		assertThat(steps.find("completing-3", 0).orElseThrow().output()).isEqualTo("\"first\"");
		assertThat(steps.find("completing-4", 0).orElseThrow().output()).isEqualTo("\"done\"");
	}

	/**
	 * Submits the writes while the group commit's first write waits for the test's row lock,
	 * so that they queue and are written together in the next shared transaction.
	 */
	private static List<Boolean> inOneSharedTransaction(GroupCommit groupCommit, List<Supplier<Boolean>> writes)
			throws Exception {
		List<CompletableFuture<Boolean>> queued = new ArrayList<>();
		try (HeldWrite held = HeldWrite.start(dataSource, groupCommit, threads)) {
			for (Supplier<Boolean> write : writes) {
				queued.add(CompletableFuture.supplyAsync(write, threads));
			}
			held.awaitWaiting(groupCommit, writes.size());
			assertThat(held.release()).isEqualTo(1);
		}
		List<Boolean> results = new ArrayList<>();
		for (CompletableFuture<Boolean> future : queued) {
			results.add(future.get(30, TimeUnit.SECONDS));
		}
		return results;
	}

	private static boolean complete(WorkflowStatusRepository statuses, String workflowId, String executorId,
			String output, boolean notify) {
		return statuses.completeWithStep(workflowId, executorId, WorkflowStatus.SUCCESS, output, null, null,
				new WorkflowStatusRepository.StepRecord(0, "step", output, "java.lang.String", null, null, 0.001),
				notify);
	}

	private static String status(String workflowId) {
		return jdbc.sql("SELECT status FROM dbos.workflow_status WHERE workflow_id = ?")
			.param(workflowId)
			.query(String.class)
			.single();
	}

	private static void pending(String workflowId, String executorId) {
		jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, executor_id) "
				+ "VALUES (?, 'PENDING', 'w', ?)").params(workflowId, executorId).update();
	}

	private static boolean insert(StepOutputRepository steps, String workflowId, String executorId, int stepId,
			String output) {
		return steps.insert(workflowId, executorId, stepId, "step", output, "java.lang.String", null, null, null, 0.001);
	}

}
