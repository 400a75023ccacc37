package io.github.dbosspring.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.dbosspring.test.ChildJvm;
import io.github.dbosspring.test.TestDatabase;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database goes away under a running application: 300 workflows (background,
 * queued and inline) are in flight in a real application JVM while the test shuts its
 * private PostgreSQL server down in immediate mode twice (the second time while the
 * application is recovering the workflows the first outage interrupted), then terminates
 * the application's backends every 500 ms for 20 s. Every workflow must succeed exactly
 * once per step, work must resume within 10 s of the database's return, and the
 * {@code dbos} health must go DOWN during each outage and back UP.
 */
class DatabaseRestartSuiteTests {

	private static final int WORKFLOWS = 300;

	private static final int RESTARTS = 2;

	private static final Duration TERMINATION_PERIOD = Duration.ofSeconds(20);

	private static final Duration TERMINATION_INTERVAL = Duration.ofMillis(500);

	private static final Duration RESUME_DEADLINE = Duration.ofSeconds(10);

	private static final Duration COMPLETION_DEADLINE = Duration.ofSeconds(180);

	private static final String APPLICATION_NAME = "dbos-restart-app";

	private static final String LEDGER = """
			CREATE TABLE restart_ledger (id bigserial PRIMARY KEY, workflow_id text NOT NULL, step int NOT NULL,
				pid int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
			CREATE TABLE restart_returns (restart int PRIMARY KEY, at timestamptz NOT NULL);
			CREATE TABLE restart_disruptions (id serial PRIMARY KEY, kind text NOT NULL,
				at timestamptz NOT NULL DEFAULT clock_timestamp())""";

	// a step's side effect that started after the step's checkpoint, or after its workflow's
	// outcome, was written: a completed step or workflow that ran again
	private static final String RERUNS_AFTER_COMPLETION = """
			SELECT count(*) FROM restart_ledger l
				LEFT JOIN dbos.step_outputs s ON s.workflow_id = l.workflow_id AND s.step_id = l.step
				LEFT JOIN dbos.workflow_status w ON w.workflow_id = l.workflow_id
			WHERE l.at > s.completed_at OR l.at > w.completed_at""";

	// re-executions of a step with no disruption (immediate stop or terminated backends)
	// since shortly before its previous execution: the only allowed cause of a re-run is a
	// step whose checkpoint could not be written (a pooled connection may have died up to
	// a second before the side effect that used another one)
	private static final String RERUNS_WITHOUT_DISRUPTION = """
			SELECT count(*) FROM (
				SELECT l.at, lag(l.at) OVER (PARTITION BY l.workflow_id, l.step ORDER BY l.at) AS previous_at
				FROM restart_ledger l) r
			WHERE r.previous_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM restart_disruptions d
				WHERE d.at > r.previous_at - interval '1 second' AND d.at < r.at)""";

	private static final String TERMINATE = """
			WITH disruption AS (INSERT INTO restart_disruptions (kind) VALUES ('terminate'))
			SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = ? AND pid <> pg_backend_pid()""";

	// milliseconds from each return of the database (its postmaster start, by its own clock)
	// to the first side effect or checkpoint written after it
	private static final String RESUMED_AFTER = """
			SELECT r.restart, (extract(epoch FROM least(
					(SELECT min(l.at) FROM restart_ledger l WHERE l.at > r.at),
					(SELECT min(s.completed_at) FROM dbos.step_outputs s WHERE s.completed_at > r.at)) - r.at)
				* 1000)::bigint
			FROM restart_returns r ORDER BY r.restart""";

	private static final Pattern HEALTH = Pattern.compile("^HEALTH (\\w+) (\\d+)$", Pattern.MULTILINE);

	@Test
	@Timeout(600)
	void workflowsSurviveImmediateRestartsAndTerminatedBackendsWithoutLossOrRerun() throws Exception {
		long seed = System.nanoTime();
		Random random = new Random(seed);
		try (DatabaseRestartPostgres postgres = DatabaseRestartPostgres.start()) {
			JdbcClient admin = jdbc(postgres.jdbcUrl("postgres", "dbos-restart-test"));
			admin.sql("CREATE DATABASE restart").update();
			JdbcClient jdbc = jdbc(postgres.jdbcUrl("restart", "dbos-restart-test"));
			for (String statement : LEDGER.split(";")) {
				jdbc.sql(statement).update();
			}
			List<long[]> outages = new ArrayList<>();
			int terminations = 0;
			boolean secondRestartDuringRecovery;
			try (ChildJvm app = ChildJvm.start("database-restart", DatabaseRestartTestApp.class,
					appArgs(postgres.jdbcUrl("restart", APPLICATION_NAME), seed))) {
				assertThat(app.awaitOutput("STARTED-ALL", Duration.ofSeconds(120))).as(app.output()).isTrue();
				awaitTrue("all workflows recorded and the first steps running", Duration.ofSeconds(60),
						() -> count(jdbc, "SELECT count(*) FROM dbos.workflow_status") == WORKFLOWS
								&& count(jdbc, "SELECT count(*) FROM restart_ledger") >= WORKFLOWS / 3);
				Thread.sleep(random.nextInt(1000));

				// first immediate restart, with workflows mid-step
				int recoveriesBefore = occurrences(app.output(), "Recovering ");
				outages.add(restart(postgres, jdbc, 1, random));
				// second one while the application recovers what the first one interrupted (it logs
				// "Recovering n workflow(s)" once it has taken them and started them again, and
				// "Recovering n interrupted job(s)" once it has put jobs back on their queue)
				secondRestartDuringRecovery = awaitTrue(
						() -> occurrences(app.output(), "Recovering ") > recoveriesBefore, Duration.ofSeconds(30));
				outages.add(restart(postgres, jdbc, 2, random));
				awaitTrue("work resumed after the second restart", Duration.ofSeconds(60),
						() -> count(jdbc, "SELECT count(*) FROM restart_ledger l, restart_returns r "
								+ "WHERE r.restart = 2 AND l.at > r.at") > 0);

				// then the application's connections are cut again and again
				int inFlightAtTerminations = count(jdbc,
						"SELECT count(*) FROM dbos.workflow_status WHERE status IN ('PENDING', 'ENQUEUED')");
				long terminationsStart = System.nanoTime();
				for (long at = 0; at < TERMINATION_PERIOD.toNanos(); at += TERMINATION_INTERVAL.toNanos()) {
					Thread.sleep(Math.max(0, (terminationsStart + at - System.nanoTime()) / 1_000_000));
					jdbc.sql(TERMINATE).param(APPLICATION_NAME).query(Long.class).single();
					terminations++;
				}
				int inFlightAfterTerminations = count(jdbc,
						"SELECT count(*) FROM dbos.workflow_status WHERE status IN ('PENDING', 'ENQUEUED')");
				awaitTrue(() -> count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE status = 'SUCCESS'")
						== WORKFLOWS, COMPLETION_DEADLINE);
				// the application's health after the disruptions
				Thread.sleep(1000);
				String output = app.output();

				StringBuilder expected = new StringBuilder();
				for (int step = 0; step < DatabaseRestartTestApp.STEPS; step++) {
					expected.append('[').append(step).append(']');
				}
				int succeeded = count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE status = 'SUCCESS' "
						+ "AND output = '\"" + expected + "\"'");
				int stuck = count(jdbc,
						"SELECT count(*) FROM dbos.workflow_status WHERE status IN ('PENDING', 'ENQUEUED')");
				int lost = WORKFLOWS - succeeded - stuck;
				int reruns = count(jdbc, RERUNS_AFTER_COMPLETION);
				int rerunsWithoutDisruption = count(jdbc, RERUNS_WITHOUT_DISRUPTION);
				int checkpoints = count(jdbc, "SELECT count(*) FROM dbos.step_outputs WHERE error_class IS NULL");
				int failedSteps = count(jdbc, "SELECT count(*) FROM dbos.step_outputs WHERE error_class IS NOT NULL");
				int missingSideEffects = count(jdbc, "SELECT count(*) FROM dbos.step_outputs s WHERE NOT EXISTS "
						+ "(SELECT 1 FROM restart_ledger l WHERE l.workflow_id = s.workflow_id AND l.step = s.step_id)");
				int recovered = count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE recovery_attempts > 0");
				int duplicated = count(jdbc, "SELECT count(*) FROM (SELECT 1 FROM restart_ledger "
						+ "GROUP BY workflow_id, step HAVING count(*) > 1) d");
				List<Long> resumedAfter = jdbc.sql(RESUMED_AFTER).query((rs, rowNum) -> rs.getLong(2)).list();
				List<String[]> health = health(output);
				boolean everDown = health.stream().anyMatch((h) -> h[0].equals("DOWN"));
				String healthSummary = health.isEmpty() ? "NONE"
						: health.get(0)[0] + (everDown ? "->DOWN->" : "->") + health.get(health.size() - 1)[0];
				List<Boolean> downDuringOutage = new ArrayList<>();
				for (long[] outage : outages) {
					downDuringOutage.add(health.stream()
						.anyMatch((h) -> h[0].equals("DOWN") && Long.parseLong(h[1]) >= outage[0]
								&& Long.parseLong(h[1]) <= outage[1] + RESUME_DEADLINE.toMillis()));
				}
				String lastHealth = health.isEmpty() ? "NONE" : health.get(health.size() - 1)[0];
				System.out.printf("database-restart: seed=%d workflows=%d restarts=%d second-during-recovery=%s "
						+ "terminations=%d in-flight-during-terminations=%d->%d succeeded=%d lost=%d stuck=%d "
						+ "reruns-after-completion=%d reruns-without-disruption=%d recovered=%d "
						+ "duplicated-side-effects=%d failed-step-records=%d resumed-after-ms=%s health=%s "
						+ "health-changes=%d down-during-outages=%s%n", seed, WORKFLOWS, outages.size(),
						secondRestartDuringRecovery, terminations, inFlightAtTerminations, inFlightAfterTerminations,
						succeeded, lost, stuck, reruns, rerunsWithoutDisruption, recovered, duplicated, failedSteps,
						resumedAfter, healthSummary, health.size() - 1, downDuringOutage);

				assertThat(outages).hasSize(RESTARTS);
				assertThat(secondRestartDuringRecovery).as("second restart during a recovery pass").isTrue();
				assertThat(lost).as("workflows lost or failed").isZero();
				assertThat(stuck).as("workflows stuck").isZero();
				assertThat(succeeded).as("workflows completed with the right result").isEqualTo(WORKFLOWS);
				assertThat(reruns).as("side effects started after their step or workflow completed").isZero();
				assertThat(rerunsWithoutDisruption).as("re-executions of a step not preceded by a disruption").isZero();
				assertThat(inFlightAfterTerminations).as("workflows in flight through the terminations").isPositive();
				assertThat(checkpoints).isEqualTo(WORKFLOWS * DatabaseRestartTestApp.STEPS);
				assertThat(missingSideEffects).isZero();
				assertThat(resumedAfter).as("ms from each return of the database to new work").hasSize(RESTARTS)
					.allSatisfy((millis) -> assertThat(millis).isLessThanOrEqualTo(RESUME_DEADLINE.toMillis()));
				assertThat(health).as("health changes").isNotEmpty();
				assertThat(health.get(0)[0]).isEqualTo("UP");
				assertThat(downDuringOutage).as("health DOWN during each outage").containsOnly(true);
				assertThat(lastHealth).as("health after the disruptions").isEqualTo("UP");
				assertThat(output).doesNotContain("MAX_RECOVERY_ATTEMPTS_EXCEEDED");
			}
		}
	}

	/**
	 * Shuts the server down in immediate mode, keeps it down for a few seconds, starts it
	 * again and records its start time (by its own clock).
	 * @return the outage's start and end in epoch milliseconds
	 */
	private static long[] restart(DatabaseRestartPostgres postgres, JdbcClient jdbc, int restart, Random random)
			throws Exception {
		long stoppedAt = System.currentTimeMillis();
		jdbc.sql("INSERT INTO restart_disruptions (kind) VALUES ('restart')").update();
		postgres.stopImmediately();
		Thread.sleep(2500 + random.nextInt(1500));
		postgres.startServer();
		long upAt = System.currentTimeMillis();
		jdbc.sql("INSERT INTO restart_returns (restart, at) VALUES (?, pg_postmaster_start_time())")
			.param(restart)
			.update();
		return new long[] { stoppedAt, upAt };
	}

	private static String[] appArgs(String url, long seed) {
		return new String[] { "--spring.datasource.url=" + url, "--spring.datasource.hikari.maximum-pool-size=20",
				"--spring.datasource.hikari.minimum-idle=5", "--spring.datasource.hikari.connection-timeout=2000",
				"--spring.datasource.hikari.validation-timeout=1000", "--dbos.executor-id=restart-app",
				"--dbos.workflow-pool-size=200", "--dbos.recovery.interval=1s",
				"--dbos.recovery.heartbeat-interval=1s", "--dbos.queues." + DatabaseRestartTestApp.QUEUE
						+ ".worker-concurrency=8",
				"--restart.workflows=" + WORKFLOWS, "--restart.seed=" + seed, "--restart.step-min-millis=200",
				"--restart.step-max-millis=800", "--spring.main.banner-mode=off", "--logging.level.root=WARN",
				"--logging.level.io.github.dbosspring=INFO" };
	}

	private static List<String[]> health(String output) {
		List<String[]> changes = new ArrayList<>();
		Matcher matcher = HEALTH.matcher(output);
		while (matcher.find()) {
			changes.add(new String[] { matcher.group(1), matcher.group(2) });
		}
		return changes;
	}

	private static int occurrences(String text, String part) {
		int count = 0;
		for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
			count++;
		}
		return count;
	}

	private static void awaitTrue(String what, Duration timeout, Supplier<Boolean> condition)
			throws InterruptedException {
		assertThat(awaitTrue(condition, timeout)).as(what).isTrue();
	}

	/** Polls a condition over the database, which may fail while the database is away. */
	private static boolean awaitTrue(Supplier<Boolean> condition, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			try {
				if (condition.get()) {
					return true;
				}
			}
			catch (RuntimeException ex) {
				// the database is restarting
			}
			Thread.sleep(50);
		}
		return false;
	}

	private static int count(JdbcClient jdbc, String sql) {
		return jdbc.sql(sql).query(Integer.class).single();
	}

	private static JdbcClient jdbc(String url) {
		return JdbcClient.create(TestDatabase.dataSource(url));
	}

}
