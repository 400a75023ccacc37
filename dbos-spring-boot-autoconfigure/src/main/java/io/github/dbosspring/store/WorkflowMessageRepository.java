package io.github.dbosspring.store;

import java.util.Optional;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Messages sent to workflows ({@code workflow_messages}).
 *
 * @since 0.1.0
 */
public class WorkflowMessageRepository {

	// announces the message to a receiver waiting on its workflow and topic
	private static final String SEND = """
			WITH sent AS (
				INSERT INTO %s.workflow_messages (destination_id, topic, message, idempotency_key)
				VALUES (?, ?, ?, ?)
				ON CONFLICT (destination_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
				RETURNING destination_id, topic)
			SELECT count(*) FROM sent s, pg_notify(?, md5(s.destination_id || chr(1) || s.topic))""";

	// One statement, so one commit: the oldest unconsumed message of the topic is marked
	// consumed and the step checkpoint that records it as received is written together, or
	// neither is (a conflicting checkpoint fails the whole statement, so no message is ever
	// consumed without being recorded). The update is fenced like every checkpoint, and
	// SKIP LOCKED keeps two executions of the same workflow from taking the same message.
	// Consumed rows stay, so a late retry of a send with the same idempotency key is still
	// deduplicated.
	private static final String RECEIVE_WITH_CHECKPOINT = """
			WITH next AS (
				SELECT message_id FROM %s.workflow_messages
				WHERE destination_id = ? AND topic = ? AND consumed_at IS NULL
				ORDER BY message_id
				LIMIT 1
				FOR UPDATE SKIP LOCKED),
			taken AS (
				UPDATE %s.workflow_messages m SET consumed_at = clock_timestamp()
				FROM next
				WHERE m.message_id = next.message_id AND m.consumed_at IS NULL
					AND EXISTS (SELECT 1 FROM %s.workflow_status
						WHERE workflow_id = ? AND executor_id = ? AND status = 'PENDING')
				RETURNING m.message)
			INSERT INTO %s.step_outputs (workflow_id, step_id, step_name, output, started_at)
			SELECT ?, ?::integer, ?, taken.message, clock_timestamp() FROM taken
			RETURNING output""";

	private final JdbcClient jdbc;

	private final String channel;

	private final String send;

	private final String receive;

	public WorkflowMessageRepository(DataSource dataSource, DbosSchema schema) {
		this.jdbc = JdbcClient.create(dataSource);
		this.channel = schema.waitChannel();
		this.send = schema.qualify(SEND);
		this.receive = schema.qualify(RECEIVE_WITH_CHECKPOINT);
	}

	/**
	 * Sends a message.
	 * @return whether it was stored (false: a message with that idempotency key was sent to
	 * that workflow before)
	 */
	public boolean send(String destinationId, String topic, @Nullable String message, @Nullable String idempotencyKey) {
		return this.jdbc.sql(this.send)
			.params(destinationId, topic, message, idempotencyKey, this.channel)
			.query(Long.class)
			.single() == 1;
	}

	/**
	 * Takes the oldest message of a topic and records it as the output of a step, in one
	 * statement.
	 * @return the message's stored form (JSON, never SQL {@code NULL}), or empty if there
	 * was none (or the workflow is not owned any more)
	 */
	public Optional<String> receiveWithCheckpoint(String workflowId, String executorId, String topic, int stepId,
			String stepName) {
		return this.jdbc.sql(this.receive)
			.params(workflowId, topic, workflowId, executorId, workflowId, stepId, stepName)
			.query(String.class)
			.optional();
	}

}
