package io.github.dbosspring.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.dbosspring.test.ChildJvm;
import io.github.dbosspring.test.TestDatabase;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three worker JVMs drain one queue (global concurrency 4, worker concurrency 2) while one
 * of them is killed with {@code kill -9} and restarted. Every job completes, no step runs
 * again after its checkpoint, and the limits hold, computed in SQL from a ledger written
 * with the database clock (a killed worker's unfinished entries end at its kill).
 */
class CompetingWorkersIntegrationTests {

	private static final int JOBS = 2000;

	private static final int GLOBAL_LIMIT = 4;

	private static final int WORKER_LIMIT = 2;

	// ledger entries with a kill-time end for entries cut short by a kill
	private static final String ENTRIES = """
			WITH entries AS (
				SELECT l.job, l.step, l.worker, l.started_at,
					coalesce(l.ended_at, (SELECT min(k.at) FROM job_kills k
						WHERE k.worker = l.worker AND k.at > l.started_at), clock_timestamp()) AS ended_at
				FROM job_ledger l)
			""";

	private static final String MAX_OVERLAP = ENTRIES + """
			SELECT coalesce(max((SELECT count(*) FROM entries o
				WHERE o.started_at <= e.started_at AND o.ended_at > e.started_at)), 0) FROM entries e""";

	private static final String MAX_OVERLAP_PER_WORKER = ENTRIES + """
			SELECT coalesce(max((SELECT count(*) FROM entries o WHERE o.worker = e.worker
				AND o.started_at <= e.started_at AND o.ended_at > e.started_at)), 0) FROM entries e""";

	private static final String RERUNS_AFTER_CHECKPOINT = """
			SELECT count(*) FROM job_ledger l JOIN dbos.step_outputs s ON s.workflow_id = l.job AND s.step_id = l.step
			WHERE l.started_at > s.completed_at""";

	// a step that ran twice is only allowed if its first run was cut short by a kill of its worker
	private static final String RERUNS_WITHOUT_KILL = """
			SELECT count(*) FROM (
				SELECT job, step, min(started_at) AS first_at, (array_agg(worker ORDER BY started_at))[1] AS first_worker
				FROM job_ledger GROUP BY job, step HAVING count(*) > 1) d
			WHERE NOT EXISTS (SELECT 1 FROM job_kills k WHERE k.worker = d.first_worker AND k.at > d.first_at)""";

	@Test
	@Timeout(480)
	void threeWorkersDrainTheQueueWithinTheLimitsWhileOneIsKilledAndRestarted() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		JdbcClient jdbc = JdbcClient.create(TestDatabase.dataSource(url));
		for (String statement : QueueWorkerTestApp.LEDGER.split(";")) {
			jdbc.sql(statement).update();
		}
		List<ChildJvm> workers = new ArrayList<>();
		ChildJvm restarted = null;
		try {
			for (int i = 1; i <= 3; i++) {
				workers.add(ChildJvm.start("competing-w" + i, QueueWorkerTestApp.class, args(url, "w" + i, "worker")));
			}
			for (ChildJvm worker : workers) {
				assertThat(worker.awaitOutput("READY", Duration.ofSeconds(120))).as(worker.output()).isTrue();
			}
			try (ChildJvm producer = ChildJvm.start("competing-producer", QueueWorkerTestApp.class,
					args(url, "producer", "produce", "--dbos.worker.enabled=false", "--work.jobs=" + JOBS))) {
				assertThat(producer.awaitOutput("ENQUEUED " + JOBS, Duration.ofSeconds(120))).as(producer.output())
					.isTrue();
			}
			awaitSucceeded(jdbc, JOBS / 3, Duration.ofSeconds(180));
			workers.get(1).kill();
			jdbc.sql("INSERT INTO job_kills (worker) VALUES ('w2')").update();
			int succeededAtKill = succeeded(jdbc);
			Thread.sleep(1000);
			restarted = ChildJvm.start("competing-w2-restarted", QueueWorkerTestApp.class, args(url, "w2", "worker"));
			awaitSucceeded(jdbc, JOBS, Duration.ofSeconds(240));

			long statuses = jdbc.sql("SELECT count(*) FROM dbos.workflow_status WHERE status <> 'SUCCESS'")
				.query(Long.class).single();
			long maxOverlap = jdbc.sql(MAX_OVERLAP).query(Long.class).single();
			long maxPerWorker = jdbc.sql(MAX_OVERLAP_PER_WORKER).query(Long.class).single();
			long rerunsAfterCheckpoint = jdbc.sql(RERUNS_AFTER_CHECKPOINT).query(Long.class).single();
			long rerunsWithoutKill = jdbc.sql(RERUNS_WITHOUT_KILL).query(Long.class).single();
			long reruns = jdbc.sql("SELECT count(*) - count(DISTINCT (job, step)) FROM job_ledger")
				.query(Long.class).single();
			List<String> perWorker = jdbc.sql("SELECT worker || '=' || count(DISTINCT job) FROM job_ledger "
					+ "GROUP BY worker ORDER BY worker").query(String.class).list();
			System.out.println("competing-workers: jobs=" + JOBS + " succeeded=" + succeeded(jdbc) + " killed=w2 at "
					+ succeededAtKill + " max-concurrent=" + maxOverlap + " max-per-worker=" + maxPerWorker
					+ " step-reruns=" + reruns + " reruns-after-checkpoint=" + rerunsAfterCheckpoint
					+ " reruns-without-kill=" + rerunsWithoutKill + " jobs-by-worker=" + perWorker);

			assertThat(succeeded(jdbc)).isEqualTo(JOBS);
			assertThat(statuses).isZero();
			assertThat(rerunsAfterCheckpoint).isZero();
			assertThat(rerunsWithoutKill).isZero();
			assertThat(maxOverlap).isLessThanOrEqualTo(GLOBAL_LIMIT);
			assertThat(maxPerWorker).isLessThanOrEqualTo(WORKER_LIMIT);
			assertThat(perWorker).hasSize(3);
		}
		finally {
			for (ChildJvm worker : workers) {
				worker.close();
			}
			if (restarted != null) {
				restarted.close();
			}
		}
	}

	private static void awaitSucceeded(JdbcClient jdbc, int count, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (succeeded(jdbc) < count) {
			assertThat(System.nanoTime()).as("%d jobs succeeded in time", count).isLessThan(deadline);
			Thread.sleep(100);
		}
	}

	private static int succeeded(JdbcClient jdbc) {
		return jdbc.sql("SELECT count(*) FROM dbos.workflow_status WHERE status = 'SUCCESS'")
			.query(Integer.class)
			.single();
	}

	private static String[] args(String url, String executorId, String mode, String... extra) {
		List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + url,
				"--dbos.executor-id=" + executorId, "--work.mode=" + mode,
				"--dbos.queues.jobs.concurrency=" + GLOBAL_LIMIT,
				"--dbos.queues.jobs.worker-concurrency=" + WORKER_LIMIT, "--dbos.recovery.interval=500ms",
				"--dbos.recovery.heartbeat-interval=500ms", "--dbos.recovery.executor-timeout=5s",
				"--dbos.worker.poll-interval=200ms", "--spring.main.banner-mode=off", "--logging.level.root=WARN",
				"--logging.level.io.github.dbosspring=INFO"));
		args.addAll(List.of(extra));
		return args.toArray(String[]::new);
	}

}
