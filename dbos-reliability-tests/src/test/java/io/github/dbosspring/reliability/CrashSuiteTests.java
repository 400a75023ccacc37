package io.github.dbosspring.reliability;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import io.github.dbosspring.test.ChildJvm;
import io.github.dbosspring.test.TestDatabase;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Crashes and stalls of real worker JVMs. A worker running 200 workflows of 5 steps is
 * killed with {@code kill -9} 20 times at random moments and restarted each time; every
 * workflow completes, and no step's side effect starts after that step's checkpoint. A
 * worker frozen with {@code kill -STOP} for longer than the executor timeout loses its
 * workflows to a live executor; once thawed with {@code kill -CONT}, its late checkpoints
 * are rejected and it runs nothing more. All figures come from SQL over the ledger
 * ({@link CrashWorkerApp}), written with the database clock.
 *
 * <p>The random seed ({@code -Dreliability.seed=...}) picks the kill moments and the
 * step durations; it is printed in the summary line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashSuiteTests {

	private static final int WORKFLOWS = 200;

	private static final int KILLS = 20;

	private static final int STALLED_WORKFLOWS = 4;

	private static final Duration NO_PROGRESS_LIMIT = Duration.ofSeconds(60);

	private static final long SEED = Long.getLong("reliability.seed", System.nanoTime());

	private static final Map<String, Object> figures = new LinkedHashMap<>();

	// ledger rows of a step that started after the step's checkpoint was written: a
	// completed step that ran again
	private static final String RERUNS_AFTER_CHECKPOINT = """
			SELECT count(*) FROM crash_ledger l JOIN dbos.step_outputs s
				ON s.workflow_id = l.workflow_id AND s.step_id = l.step
			WHERE l.started_at > s.completed_at""";

	// re-executions of a step with no kill since its previous execution: the only allowed
	// cause of a re-run is a crash between a step's side effect and its checkpoint
	private static final String RERUNS_WITHOUT_KILL = """
			SELECT count(*) FROM (
				SELECT l.started_at,
					lag(l.started_at) OVER (PARTITION BY l.workflow_id, l.step ORDER BY l.started_at) AS previous_at
				FROM crash_ledger l) r
			WHERE r.previous_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM crash_signals k
				WHERE k.signal = 'KILL' AND k.at > r.previous_at AND k.at < r.started_at)""";

	// checkpoints whose output names a process that has no ledger row for that step: an
	// outcome nobody produced
	private static final String CHECKPOINTS_WITHOUT_EXECUTION = """
			SELECT count(*) FROM dbos.step_outputs s WHERE NOT EXISTS (SELECT 1 FROM crash_ledger l
				WHERE l.workflow_id = s.workflow_id AND l.step = s.step_id
					AND s.output::jsonb #>> '{}' = '[' || l.step || ':' || l.pid || ']')""";

	// succeeded workflows whose result is exactly the concatenation of their five recorded
	// step outputs
	private static final String CONSISTENT_SUCCESSES = """
			SELECT count(*) FROM dbos.workflow_status w
			WHERE w.workflow_name = 'crash-workflow' AND w.status = 'SUCCESS'
				AND (SELECT count(*) FROM dbos.step_outputs s WHERE s.workflow_id = w.workflow_id) = ?
				AND w.output::jsonb #>> '{}' = (SELECT string_agg(s.output::jsonb #>> '{}', '' ORDER BY s.step_id)
					FROM dbos.step_outputs s WHERE s.workflow_id = w.workflow_id)""";

	private static final String LAST_PROGRESS_AGE = """
			SELECT extract(epoch FROM clock_timestamp() - greatest(
				(SELECT max(started_at) FROM crash_ledger), (SELECT max(ended_at) FROM crash_ledger),
				(SELECT max(completed_at) FROM dbos.step_outputs),
				(SELECT max(updated_at) FROM dbos.workflow_status)))""";

	@AfterAll
	static void printSummary() {
		StringBuilder line = new StringBuilder("crash: seed=").append(SEED);
		figures.forEach((name, value) -> line.append(' ').append(name).append('=').append(value));
		System.out.println(line);
	}

	@Test
	@Order(1)
	@Timeout(600)
	void workerKilledTwentyTimesLosesNoWorkflowAndNeverRerunsACheckpointedStep() throws Exception {
		Random random = new Random(SEED);
		String url = TestDatabase.newDatabaseUrl();
		JdbcClient jdbc = createLedger(url);
		String[] args = args(url, "crash-worker", "run", "--crash.workflows=" + WORKFLOWS,
				"--crash.step-min-millis=30", "--crash.step-max-millis=90", "--dbos.workflow-pool-size=4");
		int kills = 0;
		for (int run = 0; kills < KILLS && run < 2 * KILLS; run++) {
			try (ChildJvm worker = ChildJvm.start("crash-run-" + run, CrashWorkerApp.class, args)) {
				assertThat(worker.awaitOutput("READY", Duration.ofSeconds(120))).as(worker.output()).isTrue();
				Thread.sleep(100 + random.nextInt(700));
				int pid = (int) worker.pid();
				if (worker.isAlive()) {
					worker.kill();
					jdbc.sql("INSERT INTO crash_signals (signal, pid) VALUES ('KILL', ?)").param(pid).update();
					kills++;
				}
			}
		}
		int stuck;
		try (ChildJvm worker = ChildJvm.start("crash-final", CrashWorkerApp.class, args)) {
			assertThat(worker.awaitOutput("READY", Duration.ofSeconds(120))).as(worker.output()).isTrue();
			// done, or no step started, ended or was checkpointed for a minute
			while (!worker.output().contains("ALL-DONE")
					&& jdbc.sql(LAST_PROGRESS_AGE).query(Double.class).single() < NO_PROGRESS_LIMIT.toSeconds()) {
				Thread.sleep(200);
			}
			stuck = count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE status IN ('PENDING', 'ENQUEUED')");
			assertThat(worker.waitForExit(Duration.ofSeconds(60))).as(worker.output()).isTrue();
		}

		int recorded = count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE workflow_name = 'crash-workflow'");
		int succeeded = count(jdbc, CONSISTENT_SUCCESSES, CrashWorkerApp.STEPS);
		int checkpoints = count(jdbc, "SELECT count(*) FROM dbos.step_outputs");
		int rerunsAfterCheckpoint = count(jdbc, RERUNS_AFTER_CHECKPOINT);
		int rerunsWithoutKill = count(jdbc, RERUNS_WITHOUT_KILL);
		int checkpointsWithoutExecution = count(jdbc, CHECKPOINTS_WITHOUT_EXECUTION);
		int reruns = count(jdbc, "SELECT count(*) - count(DISTINCT (workflow_id, step)) FROM crash_ledger");
		int recovered = count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE recovery_attempts > 0");
		figures.put("workflows", WORKFLOWS);
		figures.put("kills", kills);
		figures.put("succeeded", succeeded);
		figures.put("lost", WORKFLOWS - succeeded);
		figures.put("stuck", stuck);
		figures.put("recovered", recovered);
		figures.put("step-reruns", reruns);
		figures.put("reruns-after-checkpoint", rerunsAfterCheckpoint);
		figures.put("reruns-without-kill", rerunsWithoutKill);

		assertThat(kills).as("kills").isEqualTo(KILLS);
		assertThat(recorded).as("workflows recorded").isEqualTo(WORKFLOWS);
		assertThat(stuck).as("workflows with no progress for %s", NO_PROGRESS_LIMIT).isZero();
		assertThat(succeeded).as("workflows succeeded with the result of their recorded steps").isEqualTo(WORKFLOWS);
		assertThat(checkpoints).as("step checkpoints").isEqualTo(WORKFLOWS * CrashWorkerApp.STEPS);
		assertThat(checkpointsWithoutExecution).as("checkpoints not produced by a recorded execution").isZero();
		assertThat(rerunsAfterCheckpoint).as("side effects started after their step's checkpoint").isZero();
		assertThat(rerunsWithoutKill).as("re-executions of a step not preceded by a kill").isZero();
		assertThat(recovered).as("workflows interrupted and recovered").isPositive();
	}

	@Test
	@Order(2)
	@Timeout(300)
	void stalledWorkerLosesItsWorkflowsAndItsLateCheckpointsAreRejected() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		JdbcClient jdbc = createLedger(url);
		try (ChildJvm adopter = ChildJvm.start("crash-stall-b", CrashWorkerApp.class,
				args(url, "stall-b", "idle", "--dbos.workflow-pool-size=" + STALLED_WORKFLOWS))) {
			assertThat(adopter.awaitOutput("READY", Duration.ofSeconds(120))).as(adopter.output()).isTrue();
			try (ChildJvm stalled = ChildJvm.start("crash-stall-a", CrashWorkerApp.class,
					args(url, "stall-a", "run", "--crash.workflows=" + STALLED_WORKFLOWS,
							"--dbos.workflow-pool-size=" + STALLED_WORKFLOWS, "--crash.step-min-millis=800",
							"--crash.step-max-millis=1200"))) {
				assertThat(stalled.awaitOutput("READY", Duration.ofSeconds(120))).as(stalled.output()).isTrue();
				int pid = (int) stalled.pid();
				// frozen while every workflow thread is inside a step body (between its ledger row
				// and that row's end), so the thawed worker has no step left to start
				int inStep = 0;
				for (int attempt = 0; attempt < 20 && inStep < STALLED_WORKFLOWS; attempt++) {
					await().atMost(Duration.ofSeconds(60))
						.until(() -> count(jdbc, "SELECT count(*) FROM crash_ledger WHERE pid = ? AND ended_at IS NULL "
								+ "AND step > 0", pid) == STALLED_WORKFLOWS);
					signal(jdbc, "STOP", stalled);
					inStep = count(jdbc, "SELECT count(*) FROM crash_ledger WHERE pid = ? AND ended_at IS NULL", pid);
					if (inStep < STALLED_WORKFLOWS) {
						signal(jdbc, "CONT", stalled);
					}
				}
				assertThat(inStep).as("workflow threads inside a step when frozen").isEqualTo(STALLED_WORKFLOWS);
				await().atMost(Duration.ofSeconds(120))
					.until(() -> count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE status = 'SUCCESS' "
							+ "AND executor_id = 'stall-b'") == STALLED_WORKFLOWS);
				signal(jdbc, "CONT", stalled);
				assertThat(stalled.awaitOutput("ALL-DONE", Duration.ofSeconds(120))).as(stalled.output()).isTrue();
				assertThat(stalled.waitForExit(Duration.ofSeconds(60))).as(stalled.output()).isTrue();
				String output = stalled.output();
				int noticed = countMatches(output, "was left for recovery: this executor no longer owns it");

				String thawedAt = "(SELECT max(at) FROM crash_signals WHERE signal = 'CONT')";
				int lateSteps = count(jdbc, "SELECT count(*) FROM crash_ledger WHERE pid = ? AND ended_at > "
						+ thawedAt, pid);
				int lateCheckpointsAccepted = count(jdbc, "SELECT count(*) FROM crash_ledger l JOIN dbos.step_outputs s "
						+ "ON s.workflow_id = l.workflow_id AND s.step_id = l.step WHERE l.pid = ? AND l.ended_at > "
						+ thawedAt + " AND s.output::jsonb #>> '{}' = '[' || l.step || ':' || l.pid || ']'", pid);
				int startedAfterThaw = count(jdbc, "SELECT count(*) FROM crash_ledger WHERE pid = ? AND started_at > "
						+ thawedAt, pid);
				int rerunsAfterCheckpoint = count(jdbc, RERUNS_AFTER_CHECKPOINT);
				int consistent = count(jdbc, CONSISTENT_SUCCESSES, CrashWorkerApp.STEPS);
				int recoveredOnce = count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE executor_id = 'stall-b' "
						+ "AND recovery_attempts = 1");
				int checkpoints = count(jdbc, "SELECT count(*) FROM dbos.step_outputs");
				int stallMillis = count(jdbc, "SELECT (extract(epoch FROM " + thawedAt + " - (SELECT max(at) FROM "
						+ "crash_signals WHERE signal = 'STOP')) * 1000)::int");
				List<String> reported = output.lines().filter((l) -> l.startsWith("RESULT ")).sorted().toList();
				List<String> recordedOutcomes = jdbc.sql("SELECT 'RESULT ' || workflow_id || ' ' || (output::jsonb #>> '{}') "
						+ "FROM dbos.workflow_status ORDER BY 1").query(String.class).list();
				figures.put("stalled-workflows", STALLED_WORKFLOWS);
				figures.put("stalled-ms", stallMillis);
				figures.put("adopted", recoveredOnce);
				figures.put("late-checkpoints", lateSteps);
				figures.put("late-checkpoints-accepted", lateCheckpointsAccepted);
				figures.put("steps-started-after-thaw", startedAfterThaw);
				figures.put("stalled-worker-noticed", noticed);
				figures.put("stall-reruns-after-checkpoint", rerunsAfterCheckpoint);

				assertThat(recoveredOnce).as("workflows adopted by the live executor").isEqualTo(STALLED_WORKFLOWS);
				assertThat(lateSteps).as("steps the thawed worker finished").isEqualTo(STALLED_WORKFLOWS);
				assertThat(lateCheckpointsAccepted).as("late checkpoints of the thawed worker recorded").isZero();
				assertThat(startedAfterThaw).as("steps the thawed worker started").isZero();
				assertThat(rerunsAfterCheckpoint).as("side effects started after their step's checkpoint").isZero();
				assertThat(checkpoints).as("one outcome per step").isEqualTo(STALLED_WORKFLOWS * CrashWorkerApp.STEPS);
				assertThat(consistent).as("workflows with one outcome made of their recorded steps")
					.isEqualTo(STALLED_WORKFLOWS);
				assertThat(reported).as("outcomes the thawed worker reports: the recorded ones")
					.hasSize(STALLED_WORKFLOWS)
					.isEqualTo(recordedOutcomes.stream().sorted().toList());
				assertThat(noticed).as("workflows the thawed worker reports as lost").isEqualTo(STALLED_WORKFLOWS);
			}
		}
	}

	private static String[] args(String url, String executorId, String mode, String... extra) {
		List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + url, "--dbos.executor-id=" + executorId,
				"--crash.mode=" + mode, "--crash.seed=" + SEED, "--spring.datasource.hikari.maximum-pool-size=6",
				"--dbos.recovery.interval=250ms", "--dbos.recovery.heartbeat-interval=250ms",
				"--dbos.recovery.executor-timeout=1s", "--spring.main.banner-mode=off", "--logging.level.root=WARN",
				"--logging.level.io.github.dbosspring=INFO"));
		args.addAll(List.of(extra));
		return args.toArray(String[]::new);
	}

	private static JdbcClient createLedger(String url) {
		JdbcClient jdbc = JdbcClient.create(TestDatabase.dataSource(url));
		for (String statement : CrashWorkerApp.LEDGER.split(";")) {
			jdbc.sql(statement).update();
		}
		return jdbc;
	}

	/**
	 * Sends {@code SIGSTOP} or {@code SIGCONT} and records it in the ledger while the
	 * process is frozen: after a STOP, before a CONT.
	 */
	private static void signal(JdbcClient jdbc, String signal, ChildJvm jvm) throws IOException, InterruptedException {
		if (signal.equals("CONT")) {
			jdbc.sql("INSERT INTO crash_signals (signal, pid) VALUES (?, ?)").params(signal, (int) jvm.pid()).update();
		}
		jvm.signal(signal);
		if (signal.equals("STOP")) {
			jdbc.sql("INSERT INTO crash_signals (signal, pid) VALUES (?, ?)").params(signal, (int) jvm.pid()).update();
		}
	}

	private static int countMatches(String text, String part) {
		int count = 0;
		for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
			count++;
		}
		return count;
	}

	private static int count(JdbcClient jdbc, String sql, Object... params) {
		return jdbc.sql(sql).params(params).query(Integer.class).single();
	}

}
