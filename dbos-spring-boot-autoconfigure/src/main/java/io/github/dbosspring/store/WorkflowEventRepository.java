package io.github.dbosspring.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Workflow events ({@code workflow_events}): a key-value map per workflow, last value
 * wins.
 *
 * @since 0.1.0
 */
public class WorkflowEventRepository {

	// One statement, so one commit: the step checkpoint that records the setEvent and the
	// event itself are written together or not at all. The checkpoint is fenced like every
	// other (owner and PENDING), and a replayed setEvent (checkpoint exists) writes nothing.
	private static final String SET_WITH_CHECKPOINT = """
			WITH checkpoint AS (
				INSERT INTO %s.step_outputs (workflow_id, step_id, step_name, output, started_at)
				SELECT ?, ?::integer, ?, NULL, clock_timestamp()
				WHERE EXISTS (SELECT 1 FROM %s.workflow_status
					WHERE workflow_id = ? AND executor_id = ? AND status = 'PENDING')
				ON CONFLICT (workflow_id, step_id) DO NOTHING
				RETURNING workflow_id)
			, upserted AS (
				INSERT INTO %s.workflow_events (workflow_id, key, value)
				SELECT workflow_id, ?, ? FROM checkpoint
				ON CONFLICT (workflow_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = clock_timestamp()
				RETURNING workflow_id, key)
			SELECT count(*) FROM upserted u, pg_notify(?, md5(u.workflow_id || chr(1) || u.key))""";

	private static final String SELECT_ONE = """
			SELECT value FROM %s.workflow_events WHERE workflow_id = ? AND key = ?""";

	private static final String SELECT_ALL = """
			SELECT key, value FROM %s.workflow_events WHERE workflow_id = ? ORDER BY key""";

	private final JdbcClient jdbc;

	private final String channel;

	private final String setWithCheckpoint;

	private final String selectOne;

	private final String selectAll;

	public WorkflowEventRepository(DataSource dataSource, DbosSchema schema) {
		this.jdbc = JdbcClient.create(dataSource);
		this.channel = schema.waitChannel();
		this.setWithCheckpoint = schema.qualify(SET_WITH_CHECKPOINT);
		this.selectOne = schema.qualify(SELECT_ONE);
		this.selectAll = schema.qualify(SELECT_ALL);
	}

	/**
	 * Sets an event and records the step that set it, atomically.
	 * @return whether it was written (false: the step was recorded already, or this
	 * executor no longer owns the workflow)
	 */
	public boolean setWithCheckpoint(String workflowId, String executorId, int stepId, String stepName, String key,
			@Nullable String value) {
		return this.jdbc.sql(this.setWithCheckpoint)
			.params(workflowId, stepId, stepName, workflowId, executorId, key, value, this.channel)
			.query(Long.class)
			.single() == 1;
	}

	/**
	 * The stored value of an event.
	 * @return the value's stored form ({@code Optional.of(null)} is not possible: a
	 * {@code null} value is stored as JSON {@code null})
	 */
	public Optional<String> find(String workflowId, String key) {
		return this.jdbc.sql(this.selectOne).params(workflowId, key).query(String.class).optional();
	}

	public Map<String, String> findAll(String workflowId) {
		Map<String, String> events = new LinkedHashMap<>();
		this.jdbc.sql(this.selectAll)
			.param(workflowId)
			.query((rs) -> {
				events.put(rs.getString(1), rs.getString(2));
			});
		return events;
	}

}
