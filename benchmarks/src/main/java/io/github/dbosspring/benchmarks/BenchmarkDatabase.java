package io.github.dbosspring.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The database a benchmark runs in, created fresh on the server named by a JDBC URL, and
 * the server's counters read from a connection to the server URL's own database, so that
 * reading them adds nothing to the benchmark database's counts.
 *
 * <p>PostgreSQL publishes a backend's statistics (commits, WAL) with a delay of up to
 * ten seconds while the backend lives, but always when it exits. The benchmark therefore
 * closes every connection it used before it reads the counters after a measurement
 * ({@link #awaitExit(List)}).
 *
 * @since 0.1.0
 */
final class BenchmarkDatabase implements AutoCloseable {

	private static final String COUNTERS = """
			SELECT d.xact_commit, w.wal_bytes, txid_snapshot_xmax(txid_current_snapshot())
			FROM pg_stat_database d CROSS JOIN pg_stat_wal w
			WHERE d.datname = ?""";

	/** The start of the {@code application_name} of connections made by worker JVMs. */
	static final String WORKER_APPLICATION_NAME = "dbos-bench-worker";

	private static final String BACKENDS = """
			SELECT pid FROM pg_stat_activity
			WHERE datname = ? AND pid <> pg_backend_pid() AND backend_type = 'client backend'
				AND (? OR coalesce(application_name, '') NOT LIKE '""" + WORKER_APPLICATION_NAME + "%')";

	// a connection that the pool opened just as the others were closed, and that has done
	// nothing but the driver's SET application_name, is not waited for
	private static final String LIVE_BACKENDS = """
			SELECT pid, application_name, state, left(query, 60) FROM pg_stat_activity
			WHERE pid = ANY (?) AND NOT (state = 'idle' AND query LIKE 'SET application_name = %')""";

	private static final List<String> SETTINGS = List.of("fsync", "synchronous_commit", "wal_sync_method",
			"full_page_writes", "shared_buffers", "max_wal_size", "checkpoint_timeout");

	private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(10);

	/** How long {@link #connect} retries while the server has no free connection slot. */
	static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);

	private final String name;

	private final String url;

	private final Connection observer;

	private BenchmarkDatabase(String name, String url, Connection observer) {
		this.name = name;
		this.url = url;
		this.observer = observer;
	}

	/**
	 * Drops the database if it exists and creates it empty.
	 * @param serverUrl a JDBC URL of the server (with user and password), naming a database
	 * other than {@code name}
	 * @param name the database to create
	 * @return the new database
	 * @throws SQLException if the server cannot be reached or refuses
	 */
	static BenchmarkDatabase recreate(String serverUrl, String name) throws SQLException {
		Connection observer = connect(serverUrl);
		try {
			String current = query(observer, "SELECT current_database()");
			if (name.equals(current)) {
				throw new IllegalArgumentException("The server URL " + serverUrl + " names the benchmark database '"
						+ name + "' itself; name another database on the same server (such as 'postgres')");
			}
			boolean force = observer.getMetaData().getDatabaseMajorVersion() >= 13;
			try (Statement statement = observer.createStatement()) {
				statement.execute("DROP DATABASE IF EXISTS " + name + (force ? " WITH (FORCE)" : ""));
				statement.execute("CREATE DATABASE " + name);
			}
			return new BenchmarkDatabase(name, withDatabase(serverUrl, name), observer);
		}
		catch (SQLException | RuntimeException ex) {
			observer.close();
			throw ex;
		}
	}

	String name() {
		return this.name;
	}

	/**
	 * The JDBC URL of the benchmark database, with the server URL's parameters.
	 * @return the URL
	 */
	String url() {
		return this.url;
	}

	String serverVersion() throws SQLException {
		return query(this.observer, "SELECT version()");
	}

	/**
	 * The server settings that decide what a commit costs.
	 * @return setting names and values, in a fixed order
	 */
	Map<String, String> durabilitySettings() throws SQLException {
		Map<String, String> settings = new LinkedHashMap<>();
		for (String setting : SETTINGS) {
			settings.put(setting, query(this.observer, "SHOW " + setting));
		}
		return settings;
	}

	/**
	 * Reads the commits of the benchmark database, and the WAL bytes and the transaction
	 * IDs assigned by the whole server (PostgreSQL counts WAL per server only).
	 * @return the counters
	 */
	Counters counters() throws SQLException {
		try (PreparedStatement statement = this.observer.prepareStatement(COUNTERS)) {
			statement.setString(1, this.name);
			try (ResultSet rs = statement.executeQuery()) {
				if (!rs.next()) {
					throw new IllegalStateException("pg_stat_database has no row for database '" + this.name + "'");
				}
				return new Counters(rs.getLong(1), rs.getBigDecimal(2).longValueExact(), rs.getLong(3));
			}
		}
	}

	/**
	 * Runs a checkpoint (from the observer's connection, so nothing is counted in the
	 * benchmark database), so that no timed checkpoint falls into the next minutes.
	 */
	void checkpoint() throws SQLException {
		try (Statement statement = this.observer.createStatement()) {
			statement.execute("CHECKPOINT");
		}
	}

	/**
	 * The server processes serving this JVM's connections to the benchmark database (those
	 * of worker JVMs, named by their {@code application_name}, left out).
	 * @return their process IDs
	 */
	List<Integer> backends() throws SQLException {
		return backends(false);
	}

	/**
	 * The server processes serving connections to the benchmark database, worker JVMs'
	 * included.
	 * @return their process IDs
	 */
	List<Integer> allBackends() throws SQLException {
		return backends(true);
	}

	private List<Integer> backends(boolean workers) throws SQLException {
		List<Integer> pids = new ArrayList<>();
		try (PreparedStatement statement = this.observer.prepareStatement(BACKENDS)) {
			statement.setString(1, this.name);
			statement.setBoolean(2, workers);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					pids.add(rs.getInt(1));
				}
			}
		}
		return pids;
	}

	/**
	 * The CPU time used so far by server processes, read from {@code /proc} (Linux), so
	 * only when the server runs on this machine.
	 * @param pids the process IDs
	 * @return CPU nanoseconds by process ID, or empty when a process cannot be read
	 */
	static Optional<Map<Integer, Long>> serverCpu(List<Integer> pids) {
		Map<Integer, Long> cpu = new HashMap<>();
		for (int pid : pids) {
			try {
				// the first field of schedstat is the time spent on a CPU, in nanoseconds
				String schedstat = Files.readString(Path.of("/proc", Integer.toString(pid), "schedstat"));
				cpu.put(pid, Long.parseLong(schedstat.trim().split("\\s+")[0]));
			}
			catch (IOException | RuntimeException ex) {
				return Optional.empty();
			}
		}
		return Optional.of(cpu);
	}

	/**
	 * Waits until the given server processes have exited, then until the counters stop
	 * moving (a process leaves {@code pg_stat_activity} just before it publishes its
	 * last statistics).
	 * @param pids the process IDs, as returned by {@link #backends()} before their
	 * connections were closed
	 * @return the settled counters
	 */
	Counters awaitExit(List<Integer> pids) throws SQLException, InterruptedException {
		long deadline = System.nanoTime() + EXIT_TIMEOUT.toNanos();
		Array array = this.observer.createArrayOf("int4", pids.toArray());
		try (PreparedStatement statement = this.observer.prepareStatement(LIVE_BACKENDS)) {
			statement.setArray(1, array);
			while (true) {
				List<String> live = new ArrayList<>();
				try (ResultSet rs = statement.executeQuery()) {
					while (rs.next()) {
						live.add(rs.getInt(1) + " " + rs.getString(2) + " (" + rs.getString(3) + ": " + rs.getString(4)
								+ ")");
					}
				}
				if (live.isEmpty()) {
					break;
				}
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("Connections to " + this.name + " (server processes " + pids
							+ ") were closed but are still open on the server after " + EXIT_TIMEOUT + ": " + live);
				}
				Thread.sleep(5);
			}
		}
		Counters previous = counters();
		while (true) {
			Thread.sleep(25);
			Counters current = counters();
			if (current.equals(previous) || System.nanoTime() > deadline) {
				return current;
			}
			previous = current;
		}
	}

	@Override
	public void close() throws SQLException {
		this.observer.close();
	}

	/**
	 * Opens a connection, retrying for up to {@link #CONNECT_TIMEOUT} while the server
	 * refuses it for want of connection slots (SQLSTATE 53300: other clients of a shared
	 * server hold them all).
	 * @param url the JDBC URL
	 * @return the connection
	 */
	static Connection connect(String url) throws SQLException {
		long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
		while (true) {
			try {
				return DriverManager.getConnection(url);
			}
			catch (SQLException ex) {
				if (!"53300".equals(ex.getSQLState()) || System.nanoTime() > deadline) {
					throw ex;
				}
				try {
					Thread.sleep(200);
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					throw ex;
				}
			}
		}
	}

	private static String query(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
			rs.next();
			return rs.getString(1);
		}
	}

	/**
	 * A JDBC URL with one more parameter.
	 * @param url the URL
	 * @param name the parameter
	 * @param value its value (URL-safe)
	 * @return the URL with the parameter
	 */
	static String withParameter(String url, String name, String value) {
		return url + ((url.indexOf('?') >= 0) ? "&" : "?") + name + "=" + value;
	}

	static String withDatabase(String serverUrl, String database) {
		String prefix = "jdbc:postgresql://";
		if (!serverUrl.startsWith(prefix)) {
			throw new IllegalArgumentException("Not a PostgreSQL JDBC URL: " + serverUrl);
		}
		int start = prefix.length();
		int slash = serverUrl.indexOf('/', start);
		int query = serverUrl.indexOf('?', start);
		int hostEnd = (slash >= 0 && (query < 0 || slash < query)) ? slash : (query >= 0) ? query : serverUrl.length();
		String parameters = (query >= 0) ? serverUrl.substring(query) : "";
		return prefix + serverUrl.substring(start, hostEnd) + "/" + database + parameters;
	}

	/**
	 * Server counters at one moment.
	 * @param commits committed transactions in the benchmark database, read-only ones
	 * included
	 * @param walBytes WAL bytes written by the whole server
	 * @param transactionIds transaction IDs assigned by the whole server: one per
	 * transaction that wrote (read-only transactions get none)
	 */
	record Counters(long commits, long walBytes, long transactionIds) {

		Counters minus(Counters earlier) {
			return new Counters(this.commits - earlier.commits, this.walBytes - earlier.walBytes,
					this.transactionIds - earlier.transactionIds);
		}

	}

}
