package io.github.dbosspring.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A step's checkpoint is written once: a second outcome for the same step is refused
 * (not an error) whether it is written alone or in a shared transaction with the
 * checkpoints of other workflows, which are still written; and a checkpoint of an
 * executor that does not own the PENDING workflow is refused.
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
		List<CompletableFuture<Boolean>> queued = new ArrayList<>();
		// the first write waits for the test's row lock; the checkpoints submitted meanwhile queue
		try (HeldWrite held = HeldWrite.start(dataSource, groupCommit, threads)) {
			for (int i = 1; i <= 4; i++) {
				String id = "shared-" + i;
				queued.add(CompletableFuture.supplyAsync(() -> insert(steps, id, "executor-1", 0, "\"second\""),
						threads));
			}
			held.awaitWaiting(groupCommit, 4);
			assertThat(held.release()).isEqualTo(1);
		}

		List<Boolean> written = new ArrayList<>();
		for (CompletableFuture<Boolean> future : queued) {
			written.add(future.get(30, TimeUnit.SECONDS));
		}
		assertThat(written).containsExactly(true, false, true, true);
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

	private static void pending(String workflowId, String executorId) {
		jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, executor_id) "
				+ "VALUES (?, 'PENDING', 'w', ?)").params(workflowId, executorId).update();
	}

	private static boolean insert(StepOutputRepository steps, String workflowId, String executorId, int stepId,
			String output) {
		return steps.insert(workflowId, executorId, stepId, "step", output, "java.lang.String", null, null, null, 0.001);
	}

}
