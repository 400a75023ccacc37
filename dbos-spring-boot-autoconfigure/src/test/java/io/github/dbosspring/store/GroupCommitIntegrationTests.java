package io.github.dbosspring.store;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Statements submitted while a write is in progress share the next transaction; each
 * caller gets its own update count, and a failing statement fails only its own caller.
 */
class GroupCommitIntegrationTests {

	private static final String INSERT = "INSERT INTO grouped (id, value) VALUES (?, ?) ON CONFLICT (id) DO NOTHING";

	private static DataSource dataSource;

	private static JdbcClient jdbc;

	private static ExecutorService threads;

	@BeforeAll
	static void database() {
		dataSource = TestDatabase.dataSource(TestDatabase.newDatabaseUrl());
		jdbc = JdbcClient.create(dataSource);
		jdbc.sql("CREATE TABLE grouped (id int PRIMARY KEY, value text NOT NULL)").update();
		threads = Executors.newCachedThreadPool();
	}

	@AfterAll
	static void stop() {
		threads.shutdownNow();
	}

	@BeforeEach
	void empty() {
		jdbc.sql("DELETE FROM grouped").update();
	}

	@Test
	void statementsQueuedBehindAWriteShareOneTransactionAndEachGetsItsOwnCount() throws Exception {
		GroupCommit groupCommit = new GroupCommit(dataSource, true);
		jdbc.sql("INSERT INTO grouped VALUES (3, 'already there')").update();
		List<CompletableFuture<Integer>> queued = new ArrayList<>();
		// the first write waits for the test's row lock; everything submitted meanwhile queues
		try (HeldWrite held = HeldWrite.start(dataSource, groupCommit, threads)) {
			for (int id = 1; id <= 5; id++) {
				int key = id;
				queued.add(CompletableFuture.supplyAsync(() -> groupCommit.update(INSERT, key, "v" + key), threads));
			}
			held.awaitWaiting(groupCommit, 5);
			assertThat(queued).noneMatch(CompletableFuture::isDone);
			assertThat(held.release()).isEqualTo(1);
		}
		List<Integer> counts = new ArrayList<>();
		for (CompletableFuture<Integer> future : queued) {
			counts.add(future.get(30, TimeUnit.SECONDS));
		}
		assertThat(counts).containsExactly(1, 1, 0, 1, 1);
		List<Long> transactions = jdbc.sql("SELECT DISTINCT xmin::text::bigint FROM grouped WHERE id <> 3")
			.query(Long.class)
			.list();
		assertThat(transactions).as("the four new rows were written by one transaction").hasSize(1);
	}

	@Test
	void aFailingStatementFailsOnlyItsOwnCaller() throws Exception {
		GroupCommit groupCommit = new GroupCommit(dataSource, true);
		List<CompletableFuture<Integer>> queued = new ArrayList<>();
		CompletableFuture<Integer> failing;
		try (HeldWrite held = HeldWrite.start(dataSource, groupCommit, threads)) {
			queued.add(CompletableFuture.supplyAsync(() -> groupCommit.update(INSERT, 10, "ten"), threads));
			// value is NOT NULL: this one fails, and rolls back the shared transaction
			failing = CompletableFuture.supplyAsync(() -> groupCommit.update(INSERT, 11, null), threads);
			queued.add(CompletableFuture.supplyAsync(() -> groupCommit.update(INSERT, 12, "twelve"), threads));
			held.awaitWaiting(groupCommit, 3);
			assertThat(held.release()).isEqualTo(1);
		}
		for (CompletableFuture<Integer> future : queued) {
			assertThat(future.get(30, TimeUnit.SECONDS)).isEqualTo(1);
		}
		assertThatExceptionOfType(java.util.concurrent.ExecutionException.class)
			.isThrownBy(() -> failing.get(30, TimeUnit.SECONDS))
			.withCauseInstanceOf(DataAccessException.class)
			.withMessageContaining("null value");
		assertThat(jdbc.sql("SELECT id FROM grouped ORDER BY id").query(Integer.class).list()).containsExactly(10, 12);
	}

	@Test
	void statementsQueuedWhenTheDatabaseIsOutOfReachFailTogether() throws Exception {
		java.util.concurrent.atomic.AtomicBoolean unreachable = new java.util.concurrent.atomic.AtomicBoolean();
		java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
		DataSource flaky = new org.springframework.jdbc.datasource.DelegatingDataSource(dataSource) {
			@Override
			public Connection getConnection() throws java.sql.SQLException {
				if (unreachable.get()) {
					refused.incrementAndGet();
					throw new java.sql.SQLTransientConnectionException("Connection is not available, request timed out");
				}
				return super.getConnection();
			}
		};
		GroupCommit groupCommit = new GroupCommit(flaky, true);
		List<CompletableFuture<Integer>> queued = new ArrayList<>();
		try (HeldWrite held = HeldWrite.start(dataSource, groupCommit, threads)) {
			for (int id = 30; id < 34; id++) {
				int key = id;
				queued.add(CompletableFuture.supplyAsync(() -> groupCommit.update(INSERT, key, "v" + key), threads));
			}
			held.awaitWaiting(groupCommit, 4);
			// the database goes away while the first write still holds its connection
			unreachable.set(true);
			assertThat(held.release()).isEqualTo(1);
		}
		for (CompletableFuture<Integer> future : queued) {
			assertThatExceptionOfType(java.util.concurrent.ExecutionException.class)
				.isThrownBy(() -> future.get(30, TimeUnit.SECONDS))
				.withCauseInstanceOf(DataAccessException.class);
		}
		assertThat(refused.get()).as("one connection attempt for the four, not one each").isEqualTo(1);
		assertThat(jdbc.sql("SELECT count(*) FROM grouped").query(Long.class).single()).isZero();
	}

	@Test
	void connectionFailuresAreToldApartFromStatementErrors() {
		assertThat(GroupCommit.isConnectionFailure(new java.sql.SQLException("terminating connection due to "
				+ "administrator command", "57P01"))).isTrue();
		assertThat(GroupCommit.isConnectionFailure(new RuntimeException(new java.sql.SQLException("I/O error",
				"08006")))).isTrue();
		assertThat(GroupCommit.isConnectionFailure(new java.sql.SQLException("null value in column", "23502")))
			.isFalse();
	}

	@Test
	void queryCountReturnsTheStatementsNumber() {
		GroupCommit groupCommit = new GroupCommit(dataSource, true);
		int count = groupCommit.queryCount("WITH inserted AS (" + INSERT + " RETURNING id) SELECT count(*) FROM inserted",
				20, "twenty");
		assertThat(count).isEqualTo(1);
		assertThat(new GroupCommit(dataSource, false).update(INSERT, 20, "again")).isZero();
	}

}
