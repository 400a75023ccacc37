package io.github.dbosspring.store;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Executor heartbeats ({@code executors}). Liveness is judged by the database's clock
 * only, so clock skew between machines cannot make a live executor look dead.
 *
 * @since 0.1.0
 */
public class ExecutorRepository {

	private static final String UPSERT = """
			INSERT INTO %s.executors (executor_id, hostname, application_version)
			VALUES (?, ?, ?)
			ON CONFLICT (executor_id) DO UPDATE
			SET hostname = EXCLUDED.hostname,
				application_version = coalesce(EXCLUDED.application_version, %s.executors.application_version),
				last_heartbeat = clock_timestamp()""";

	private static final String HEARTBEAT = """
			UPDATE %s.executors SET last_heartbeat = clock_timestamp() WHERE executor_id = ?""";

	private static final String DELETE = "DELETE FROM %s.executors WHERE executor_id = ?";

	private static final String DELETE_STALE = """
			DELETE FROM %s.executors WHERE last_heartbeat < clock_timestamp() - make_interval(hours => ?)""";

	private final JdbcClient jdbc;

	private final String upsert;

	private final String heartbeat;

	private final String delete;

	private final String deleteStale;

	private static final String SELECT_ALL = """
			SELECT executor_id, hostname, application_version, started_at, last_heartbeat,
				extract(epoch FROM clock_timestamp() - last_heartbeat)
			FROM %s.executors ORDER BY last_heartbeat DESC""";

	private final String selectAll;

	public ExecutorRepository(DataSource dataSource, DbosSchema schema) {
		this.selectAll = schema.qualify(SELECT_ALL);
		this.jdbc = JdbcClient.create(dataSource);
		this.upsert = schema.qualify(UPSERT);
		this.heartbeat = schema.qualify(HEARTBEAT);
		this.delete = schema.qualify(DELETE);
		this.deleteStale = schema.qualify(DELETE_STALE);
	}

	public void register(String executorId, @Nullable String hostname, @Nullable String applicationVersion) {
		this.jdbc.sql(this.upsert).params(executorId, hostname, applicationVersion).update();
	}

	/**
	 * Refreshes the executor's heartbeat.
	 * @return whether the executor was still registered (false after it was presumed dead
	 * and removed, or never registered)
	 */
	public boolean heartbeat(String executorId) {
		return this.jdbc.sql(this.heartbeat).param(executorId).update() == 1;
	}

	public void remove(String executorId) {
		this.jdbc.sql(this.delete).param(executorId).update();
	}

	/**
	 * Forgets executors silent for longer than the given number of hours. Their PENDING
	 * work, if any, stays adoptable: an executor without a row counts as dead.
	 * @return how many executors were removed
	 */
	public int removeSilentFor(int hours) {
		return this.jdbc.sql(this.deleteStale).param(hours).update();
	}

	/**
	 * The registered executors, most recent heartbeat first.
	 * @return the executors
	 */
	public java.util.List<ExecutorInfo> findAll() {
		return this.jdbc.sql(this.selectAll)
			.query((rs, rowNum) -> new ExecutorInfo(rs.getString(1), rs.getString(2), rs.getString(3),
					WorkflowStatusRepository.instant(rs, "started_at"), WorkflowStatusRepository.instant(rs, "last_heartbeat"),
					rs.getDouble(6)))
			.list();
	}

	/**
	 * A registered executor.
	 * @param heartbeatAgeSeconds the age of its last heartbeat by the database clock
	 */
	public record ExecutorInfo(String executorId, @Nullable String hostname, @Nullable String applicationVersion,
			java.time.Instant startedAt, java.time.Instant lastHeartbeat, double heartbeatAgeSeconds) {
	}

}
