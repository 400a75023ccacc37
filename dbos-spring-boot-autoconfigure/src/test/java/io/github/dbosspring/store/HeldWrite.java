package io.github.dbosspring.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Holds a group commit's write in progress: its first statement waits for a row lock the
 * test holds, so that the statements submitted meanwhile queue behind it, and share the
 * next transaction once {@link #release()} lets the first one commit.
 */
final class HeldWrite implements AutoCloseable {

	private final Connection lock;

	private final JdbcClient jdbc;

	private final CompletableFuture<Integer> first;

	private HeldWrite(Connection lock, JdbcClient jdbc, CompletableFuture<Integer> first) {
		this.lock = lock;
		this.jdbc = jdbc;
		this.first = first;
	}

	/**
	 * Starts the held write.
	 * @param dataSource the database (the lock is taken on a connection of its own)
	 * @param groupCommit the group commit whose write is held
	 * @param threads where the first write runs
	 */
	static HeldWrite start(DataSource dataSource, GroupCommit groupCommit, Executor threads) throws Exception {
		JdbcClient jdbc = JdbcClient.create(dataSource);
		jdbc.sql("CREATE TABLE IF NOT EXISTS held_write (id int PRIMARY KEY, n int NOT NULL)").update();
		jdbc.sql("INSERT INTO held_write VALUES (1, 0) ON CONFLICT DO NOTHING").update();
		Connection lock = dataSource.getConnection();
		lock.setAutoCommit(false);
		try (Statement statement = lock.createStatement()) {
			statement.execute("SELECT n FROM held_write WHERE id = 1 FOR UPDATE");
		}
		CompletableFuture<Integer> first = CompletableFuture
			.supplyAsync(() -> groupCommit.update("UPDATE held_write SET n = n + 1 WHERE id = 1"), threads);
		HeldWrite held = new HeldWrite(lock, jdbc, first);
		held.awaitBlockedBackend();
		return held;
	}

	/** Waits until the given number of statements queue behind the held write. */
	void awaitWaiting(GroupCommit groupCommit, int statements) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (groupCommit.waiting() < statements) {
			assertThat(System.nanoTime()).as("%s statements wait within 30 s", statements).isLessThan(deadline);
			Thread.sleep(10);
		}
	}

	/**
	 * Lets the first write commit (the queued statements follow it).
	 * @return the first write's update count
	 */
	int release() throws Exception {
		this.lock.rollback();
		return this.first.get(30, TimeUnit.SECONDS);
	}

	@Override
	public void close() throws SQLException {
		this.lock.close();
	}

	private void awaitBlockedBackend() throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (this.jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
				+ "AND wait_event_type = 'Lock'").query(Long.class).single() == 0) {
			assertThat(System.nanoTime()).as("a backend waits for the lock within 30 s").isLessThan(deadline);
			Thread.sleep(20);
		}
	}

}
