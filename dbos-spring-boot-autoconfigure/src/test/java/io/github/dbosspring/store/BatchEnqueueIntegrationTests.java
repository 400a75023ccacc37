package io.github.dbosspring.store;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.github.dbosspring.store.QueueRepository.DuplicateJobException;
import io.github.dbosspring.store.QueueRepository.EnqueueOutcome;
import io.github.dbosspring.store.QueueRepository.EnqueueResult;
import io.github.dbosspring.store.QueueRepository.NewJob;
import io.github.dbosspring.test.TestDatabase;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A batch enqueue writes its rows in one JDBC batch and resolves the rows it did not write
 * one by one, with the driver counting the rows per statement and with
 * {@code reWriteBatchedInserts=true}, where it does not ({@code SUCCESS_NO_INFO}).
 */
class BatchEnqueueIntegrationTests {

	private static final DbosSchema SCHEMA = new DbosSchema("dbos");

	@ParameterizedTest(name = "reWriteBatchedInserts={0}")
	@ValueSource(booleans = { false, true })
	void batchWritesNewJobsKeepsExistingOnesAndAnnouncesItsQueue(boolean rewrite) throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		DataSource dataSource = TestDatabase.dataSource(url + (url.contains("?") ? "&" : "?")
				+ "reWriteBatchedInserts=" + rewrite);
		new DbosSchemaMigrator(dataSource, SCHEMA).migrate();
		QueueRepository repository = new QueueRepository(dataSource, dataSource, SCHEMA);
		assertThat(repository.enqueue(job("existing", "q", null)).outcome()).isEqualTo(EnqueueOutcome.ENQUEUED);

		try (Connection listener = TestDatabase.dataSource(url).getConnection()) {
			try (Statement statement = listener.createStatement()) {
				statement.execute("LISTEN \"" + SCHEMA.queueChannel() + "\"");
			}
			List<EnqueueResult> results = repository.enqueueAll(List.of(job("new-1", "q", null),
					job("existing", "q", null), job("new-1", "q", null), job("new-2", "q", "dedup-1")));

			assertThat(results).extracting(EnqueueResult::outcome).doesNotContain(EnqueueOutcome.DUPLICATE);
			assertThat(results.get(1).outcome()).isEqualTo(EnqueueOutcome.EXISTS);
			assertThat(results.get(2).outcome()).isEqualTo(EnqueueOutcome.EXISTS);
			assertThat(ids(dataSource)).containsExactly("existing", "new-1", "new-2");
			assertThat(payloads(listener)).containsExactly("q");
		}

		// a live deduplication ID in the batch: nothing of it is enqueued
		assertThatExceptionOfType(DuplicateJobException.class)
			.isThrownBy(() -> repository.enqueueAll(List.of(job("new-3", "q", null), job("new-4", "q", "dedup-1"))))
			.satisfies((ex) -> assertThat(ex.getJob().workflowId()).isEqualTo("new-4"));
		assertThat(ids(dataSource)).containsExactly("existing", "new-1", "new-2");
	}

	private static NewJob job(String id, String queue, String deduplicationId) {
		return new NewJob(id, "job", null, null, "[]", null, null, queue, deduplicationId, 0, null, null, null, null,
				null, null);
	}

	private static List<String> ids(DataSource dataSource) {
		return JdbcClient.create(dataSource)
			.sql("SELECT workflow_id FROM dbos.workflow_status ORDER BY workflow_id")
			.query(String.class)
			.list();
	}

	// the notifications delivered so far (a query makes the driver read what has arrived)
	private static List<String> payloads(Connection listener) throws Exception {
		List<String> payloads = new ArrayList<>();
		PGConnection connection = listener.unwrap(PGConnection.class);
		for (int attempt = 0; attempt < 20 && payloads.isEmpty(); attempt++) {
			try (Statement statement = listener.createStatement()) {
				statement.execute("SELECT 1");
			}
			PGNotification[] notifications = connection.getNotifications(100);
			if (notifications != null) {
				for (PGNotification notification : notifications) {
					payloads.add(notification.getParameter());
				}
			}
		}
		return payloads;
	}

}
