package io.github.dbosspring.store;

import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.github.dbosspring.queue.Queue;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowQuery;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upgrading a schema with history to {@code V4__fewer_index_writes}: jobs started in the
 * last hour before the upgrade keep counting for their queue's rate limit, jobs started
 * after it count only on rate-limited queues, and listing by status finds the same rows
 * through the new indexes.
 */
class IndexMigrationIntegrationTests {

	@Test
	void startsBeforeTheUpgradeKeepCountingAndListingsFindTheSameRows() {
		DataSource dataSource = TestDatabase.dataSource(TestDatabase.newDatabaseUrl());
		JdbcClient jdbc = JdbcClient.create(dataSource);
		DbosSchemaMigrator migrator = new DbosSchemaMigrator(dataSource, new DbosSchema("dbos"));
		jdbc.sql("CREATE SCHEMA dbos").update();
		migrator.configuration().target("3").load().migrate();
		history(jdbc, "started-10-minutes-ago", "SUCCESS", "limited", "10 minutes");
		history(jdbc, "started-2-hours-ago", "SUCCESS", "limited", "2 hours");
		history(jdbc, "failed", "ERROR", "limited", "3 hours");
		history(jdbc, "inline", "SUCCESS", null, "5 minutes");

		migrator.migrate();

		assertThat(jdbc.sql("SELECT workflow_id FROM dbos.workflow_status WHERE rate_limited_start IS NOT NULL")
			.query(String.class)
			.list()).containsExactly("started-10-minutes-ago");
		QueueRepository queues = new QueueRepository(dataSource, dataSource, new DbosSchema("dbos"));
		jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, queue_name) "
				+ "VALUES ('waiting', 'ENQUEUED', 'job', '[]', 'limited')").update();
		// one start per hour: the start from before the upgrade used it
		QueueRepository.Claim full = queues.claim(Queue.named("limited").withRateLimit(1, Duration.ofHours(1)),
				"executor", "v1", new String[] { "job" }, 4);
		assertThat(full.jobs()).isEmpty();
		assertThat(full.retryInMillis()).isPositive();
		// two per hour: one left; the job started now counts from now on
		QueueRepository.Claim claimed = queues.claim(Queue.named("limited").withRateLimit(2, Duration.ofHours(1)),
				"executor", "v1", new String[] { "job" }, 4);
		assertThat(claimed.jobs()).extracting(QueueRepository.ClaimedJob::workflowId).containsExactly("waiting");
		assertThat(jdbc.sql("SELECT count(*) FROM dbos.workflow_status WHERE rate_limited_start IS NOT NULL")
			.query(Integer.class)
			.single()).isEqualTo(2);

		WorkflowStatusRepository statuses = new WorkflowStatusRepository(dataSource, new DbosSchema("dbos"));
		assertThat(ids(statuses, WorkflowQuery.all().withStatus(WorkflowStatus.ERROR))).containsExactly("failed");
		assertThat(ids(statuses, WorkflowQuery.all().withStatus(WorkflowStatus.PENDING))).containsExactly("waiting");
		assertThat(ids(statuses, WorkflowQuery.all().withStatus(WorkflowStatus.SUCCESS, WorkflowStatus.ERROR)))
			.containsExactly("inline", "started-10-minutes-ago", "started-2-hours-ago", "failed");
		assertThat(ids(statuses, WorkflowQuery.all().withStatus(WorkflowStatus.ENQUEUED))).isEmpty();
	}

	private static void history(JdbcClient jdbc, String workflowId, String status, String queueName, String ago) {
		jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, queue_name, created_at, "
				+ "started_at, completed_at) VALUES (?, ?, 'job', ?, now() - CAST(? AS interval), "
				+ "now() - CAST(? AS interval), now() - CAST(? AS interval))")
			.params(workflowId, status, queueName, ago, ago, ago)
			.update();
	}

	private static List<String> ids(WorkflowStatusRepository statuses, WorkflowQuery query) {
		return statuses.list(query).stream().map(WorkflowInfo::workflowId).toList();
	}

}
