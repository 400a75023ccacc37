package io.github.dbosspring.store;

import java.sql.Connection;
import java.sql.Statement;
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
		jdbc.sql("CREATE TABLE blocker (id int PRIMARY KEY, n int NOT NULL)").update();
		jdbc.sql("INSERT INTO blocker VALUES (1, 0)").update();

		List<CompletableFuture<Boolean>> queued = new ArrayList<>();
		try (Connection lock = dataSource.getConnection()) {
			lock.setAutoCommit(false);
			try (Statement statement = lock.createStatement()) {
				statement.execute("SELECT n FROM blocker WHERE id = 1 FOR UPDATE");
			}
			// the first write waits for the test's row lock; the checkpoints submitted meanwhile queue
			CompletableFuture<Integer> first = CompletableFuture
				.supplyAsync(() -> groupCommit.update("UPDATE blocker SET n = n + 1 WHERE id = 1"), threads);
			awaitBlockedBackend();
			for (int i = 1; i <= 4; i++) {
				String id = "shared-" + i;
				queued.add(CompletableFuture.supplyAsync(() -> insert(steps, id, "executor-1", 0, "\"second\""),
						threads));
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
			while (groupCommit.waiting() < 4 && System.nanoTime() < deadline) {
				Thread.sleep(5);
			}
			assertThat(groupCommit.waiting()).isEqualTo(4);
			lock.rollback();
			assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(1);
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

	private static void awaitBlockedBackend() throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
				+ "AND wait_event_type = 'Lock'").query(Long.class).single() == 0) {
			assertThat(System.nanoTime()).as("a backend waits for the lock within 30 s").isLessThan(deadline);
			Thread.sleep(20);
		}
	}

}
