package io.github.dbosspring.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * What PostgreSQL counted for one database ({@code pg_stat_database}) and for the whole
 * server's WAL ({@code pg_stat_wal}, PostgreSQL 14 and later) at one moment.
 *
 * @param commits transactions committed in the database, read-only ones included
 * @param rollbacks transactions rolled back in the database
 * @param inserted rows inserted
 * @param updated rows updated
 * @param deleted rows deleted
 * @param blocksRead blocks read from outside the shared buffers
 * @param blocksHit blocks found in the shared buffers
 * @param walRecords WAL records written by the server
 * @param walBytes WAL bytes written by the server
 * @param writeTransactions transaction IDs assigned by the server: its transactions that wrote
 * something (and so flushed a commit record to the WAL), not the read-only ones that
 * {@code commits} also counts, such as the one a LISTENing backend runs to receive each
 * notification
 * @since 0.2.0
 */
record ServerSnapshot(long commits, long rollbacks, long inserted, long updated, long deleted, long blocksRead,
		long blocksHit, long walRecords, long walBytes, long writeTransactions) {

	private static final String READ = """
			SELECT d.xact_commit, d.xact_rollback, d.tup_inserted, d.tup_updated, d.tup_deleted, d.blks_read,
				d.blks_hit, w.wal_records, w.wal_bytes, pg_snapshot_xmax(pg_current_snapshot())::text::bigint
			FROM pg_stat_database d CROSS JOIN pg_stat_wal w
			WHERE d.datname = ?""";

	private static final String BACKENDS = """
			SELECT count(*) FROM pg_stat_activity
			WHERE datname = ? AND pid <> pg_backend_pid() AND backend_type = 'client backend'""";

	/**
	 * Reads the counters from a connection to another database of the server (so that
	 * reading them adds nothing to the counts).
	 * @param observer the connection
	 * @param database the database whose counters are read
	 * @return the counters
	 */
	static ServerSnapshot read(Connection observer, String database) throws SQLException {
		try (PreparedStatement statement = observer.prepareStatement(READ)) {
			statement.setString(1, database);
			try (ResultSet rs = statement.executeQuery()) {
				if (!rs.next()) {
					throw new IllegalStateException("pg_stat_database has no row for database '" + database + "'");
				}
				return new ServerSnapshot(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
						rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getBigDecimal(9).longValueExact(), rs.getLong(10));
			}
		}
	}

	/**
	 * Reads the counters once they stop moving: a backend publishes its statistics at most
	 * once a second while it works (and up to ten seconds late while idle), so the counters
	 * are read again until two reads {@code quiet} apart agree, for at most {@code limit}.
	 * @return the last reading
	 */
	static ServerSnapshot settled(Connection observer, String database, Duration quiet, Duration limit)
			throws SQLException, InterruptedException {
		long deadline = System.nanoTime() + limit.toNanos();
		ServerSnapshot previous = read(observer, database);
		while (System.nanoTime() < deadline) {
			Thread.sleep(quiet.toMillis());
			ServerSnapshot current = read(observer, database);
			if (current.equals(previous)) {
				return current;
			}
			previous = current;
		}
		return previous;
	}

	/**
	 * Waits until no client is connected to the database any more (a backend publishes its
	 * statistics when it exits), for at most {@code limit}.
	 * @return whether none is left
	 */
	static boolean awaitNoBackends(Connection observer, String database, Duration limit)
			throws SQLException, InterruptedException {
		long deadline = System.nanoTime() + limit.toNanos();
		try (PreparedStatement statement = observer.prepareStatement(BACKENDS)) {
			statement.setString(1, database);
			while (true) {
				try (ResultSet rs = statement.executeQuery()) {
					rs.next();
					if (rs.getLong(1) == 0) {
						return true;
					}
				}
				if (System.nanoTime() > deadline) {
					return false;
				}
				Thread.sleep(20);
			}
		}
	}

	ServerSnapshot minus(ServerSnapshot earlier) {
		return new ServerSnapshot(this.commits - earlier.commits, this.rollbacks - earlier.rollbacks,
				this.inserted - earlier.inserted, this.updated - earlier.updated, this.deleted - earlier.deleted,
				this.blocksRead - earlier.blocksRead, this.blocksHit - earlier.blocksHit,
				this.walRecords - earlier.walRecords, this.walBytes - earlier.walBytes,
				this.writeTransactions - earlier.writeTransactions);
	}

}
