package io.github.dbosspring.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The claim finds the jobs it starts by their row address (a TID scan of the locked
 * candidates), also when the statistics were taken before the queue filled up (they then
 * see no waiting job, and a plan that joins the candidates with the index of waiting jobs
 * reads every waiting job per claim), and in the generic plan of the prepared statement (in
 * a benchmark database with 100,000 waiting jobs, that plan intersected the primary key with
 * the status index, 11 ms per claim, while the claim still found its candidates by primary
 * key; this setup checks the plan's shape, it does not reproduce that choice).
 */
class ClaimPlanIntegrationTests {

	@Test
	void claimUpdatesItsCandidatesByRowAddressWithStatisticsOfAnEmptyQueue() throws Exception {
		DataSource dataSource = TestDatabase.dataSource(TestDatabase.newDatabaseUrl());
		new DbosSchemaMigrator(dataSource, new DbosSchema("dbos")).migrate();
		JdbcClient jdbc = JdbcClient.create(dataSource);
		jdbc.sql("""
				INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, queue_name, created_at,
					completed_at)
				SELECT 'done-' || i, 'SUCCESS', 'job', '[]', 'q', now() - interval '1 day' + i * interval '1 ms',
					now() - interval '1 day' + i * interval '1 ms'
				FROM generate_series(1, 20000) AS i""").update();
		jdbc.sql("VACUUM ANALYZE dbos.workflow_status").update();
		jdbc.sql("""
				INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, queue_name, priority)
				SELECT 'waiting-' || i, 'ENQUEUED', 'job', '[]', 'q', 0 FROM generate_series(1, 5000) AS i""").update();
		QueueRepository repository = new QueueRepository(dataSource, dataSource, new DbosSchema("dbos"));

		// a custom plan, with the statistics of an empty queue
		String plan = explain(dataSource, repository, null);
		assertThat(plan).contains("Tid Scan on workflow_status w  (")
			.doesNotContain("workflow_status_enqueued_idx on workflow_status w  (");
		// a generic plan (what a statement prepared on the server runs after a few executions), with
		// statistics that see the waiting jobs
		jdbc.sql("""
				INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, queue_name, priority)
				SELECT 'more-' || i, 'ENQUEUED', 'job', '[]', 'q', 0 FROM generate_series(1, 100000) AS i""").update();
		jdbc.sql("ANALYZE dbos.workflow_status").update();
		String generic = explain(dataSource, repository, "force_generic_plan");
		assertThat(generic).contains("Tid Scan on workflow_status w  (")
			.doesNotContain("workflow_status_enqueued_idx on workflow_status w  (");
		// and it claims them
		QueueRepository.Claim claim = repository.claim(io.github.dbosspring.queue.Queue.named("q"), "executor", "v1",
				new String[] { "job" }, 16);
		assertThat(claim.jobs()).hasSize(16);
		assertThat(claim.exhausted()).isFalse();
	}

	private static String explain(DataSource dataSource, QueueRepository repository, String planCacheMode)
			throws java.sql.SQLException {
		try (Connection connection = dataSource.getConnection()) {
			if (planCacheMode != null) {
				try (java.sql.Statement statement = connection.createStatement()) {
					statement.execute("SET plan_cache_mode = " + planCacheMode);
				}
			}
			try (PreparedStatement explain = connection.prepareStatement("EXPLAIN " + repository.claimStatement())) {
				explain.setString(1, "q");
				explain.setString(2, "v1");
				explain.setArray(3, connection.createArrayOf("text", new String[] { "job" }));
				explain.setInt(4, 16);
				explain.setString(5, "executor");
				explain.setString(6, "v1");
				// not a rate-limited queue
				explain.setBoolean(7, false);
				explain.setString(8, "q");
				explain.setInt(9, 16);
				try (ResultSet rows = explain.executeQuery()) {
					Stream.Builder<String> lines = Stream.builder();
					while (rows.next()) {
						lines.add(rows.getString(1));
					}
					return lines.build().collect(Collectors.joining("\n"));
				}
			}
			finally {
				try (java.sql.Statement statement = connection.createStatement()) {
					statement.execute("RESET plan_cache_mode");
				}
			}
		}
	}

}
