package io.github.dbosspring.store;

import java.util.List;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The {@code workflow_streams} table: values a workflow appends to a named stream, in
 * order, and the row that closes it.
 *
 * @since 0.2.0
 */
public class WorkflowStreamRepository {

	// One statement: the step checkpoint that records the write and the stream row commit
	// together; fenced like every checkpoint, so a replayed write appends nothing. Readers
	// waiting on the stream are notified.
	private static final String APPEND_WITH_CHECKPOINT = """
			WITH checkpoint AS (
				INSERT INTO %s.step_outputs (workflow_id, step_id, step_name, output, started_at)
				SELECT ?, ?::integer, ?, NULL, clock_timestamp()
				WHERE EXISTS (SELECT 1 FROM %s.workflow_status
					WHERE workflow_id = ? AND executor_id = ? AND status = 'PENDING')
				ON CONFLICT (workflow_id, step_id) DO NOTHING
				RETURNING workflow_id),
			appended AS (
				INSERT INTO %s.workflow_streams (workflow_id, key, seq, value, closed)
				SELECT c.workflow_id, ?, coalesce((SELECT max(s.seq) + 1 FROM %s.workflow_streams s
					WHERE s.workflow_id = c.workflow_id AND s.key = ?), 0), ?, ?
				FROM checkpoint c
				RETURNING workflow_id, key)
			SELECT count(*) FROM appended a, pg_notify(?, md5(a.workflow_id || chr(1) || 'stream:' || a.key))""";

	private static final String READ_FROM = """
			SELECT seq, value, closed FROM %s.workflow_streams
			WHERE workflow_id = ? AND key = ? AND seq >= ? ORDER BY seq""";

	private final JdbcClient jdbc;

	private final String append;

	private final String readFrom;

	private final String channel;

	public WorkflowStreamRepository(DataSource dataSource, DbosSchema schema) {
		this.jdbc = JdbcClient.create(dataSource);
		this.append = schema.qualify(APPEND_WITH_CHECKPOINT);
		this.readFrom = schema.qualify(READ_FROM);
		this.channel = schema.waitChannel();
	}

	/**
	 * Appends a value (or the closing row) and records the step that wrote it, atomically.
	 * @return whether it was written (false: recorded already, or not owned any more)
	 */
	public boolean appendWithCheckpoint(String workflowId, String executorId, int stepId, String stepName, String key,
			@Nullable String value, boolean close) {
		return this.jdbc.sql(this.append)
			.params(workflowId, stepId, stepName, workflowId, executorId, key, key, value, close, this.channel)
			.query(Long.class)
			.single() == 1;
	}

	/**
	 * The rows of a stream from a position on.
	 * @param fromSeq the first position to read
	 * @return the rows, in order
	 */
	public List<StreamRow> read(String workflowId, String key, int fromSeq) {
		return this.jdbc.sql(this.readFrom)
			.params(workflowId, key, fromSeq)
			.query((rs, rowNum) -> new StreamRow(rs.getInt(1), rs.getString(2), rs.getBoolean(3)))
			.list();
	}

	/**
	 * One row of a stream.
	 * @param seq its position
	 * @param value the value as JSON (null for the closing row)
	 * @param closed whether it closes the stream
	 */
	public record StreamRow(int seq, @Nullable String value, boolean closed) {
	}

}
