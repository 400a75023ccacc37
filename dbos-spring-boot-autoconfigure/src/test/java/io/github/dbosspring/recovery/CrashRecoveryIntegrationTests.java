package io.github.dbosspring.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.dbosspring.test.ChildJvm;
import io.github.dbosspring.test.TestDatabase;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Crash recovery with real processes: a worker JVM is killed with {@code kill -9} at random
 * moments and restarted, and a live executor adopts the work of a killed one. Every side
 * effect is recorded in a ledger with the database clock and compared with the step
 * checkpoints.
 */
class CrashRecoveryIntegrationTests {

	private static final int WORKFLOWS = 60;

	private static final int KILLS = 20;

	private static final String LEDGER = """
			CREATE TABLE crash_ledger (id bigserial PRIMARY KEY, workflow_id text NOT NULL, step int NOT NULL,
				pid int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
			CREATE TABLE crash_kills (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp());
			CREATE TABLE crash_go (id int)""";

	// ledger rows of a step that started after the step's checkpoint was written: a
	// completed step that ran again
	private static final String RERUNS_AFTER_CHECKPOINT = """
			SELECT count(*) FROM crash_ledger l JOIN dbos.step_outputs s
				ON s.workflow_id = l.workflow_id AND s.step_id = l.step
			WHERE l.at > s.completed_at""";

	// steps whose side effect happened twice without a kill between the first side effect
	// and the checkpoint: a duplicate outside the one window the design allows
	private static final String DUPLICATES_OUTSIDE_WINDOW = """
			SELECT count(*) FROM (
				SELECT l.workflow_id, l.step, min(l.at) AS first_at, s.completed_at
				FROM crash_ledger l JOIN dbos.step_outputs s ON s.workflow_id = l.workflow_id AND s.step_id = l.step
				GROUP BY l.workflow_id, l.step, s.completed_at HAVING count(*) > 1) d
			WHERE NOT EXISTS (SELECT 1 FROM crash_kills k WHERE k.at > d.first_at AND k.at < d.completed_at)""";

	// re-executions of a step with no kill since its previous execution: the only allowed
	// cause of a re-run is a crash between a step's side effect and its checkpoint (a step
	// hit by two kills in a row legitimately runs three times)
	private static final String RERUNS_WITHOUT_KILL = """
			SELECT count(*) FROM (
				SELECT l.at, lag(l.at) OVER (PARTITION BY l.workflow_id, l.step ORDER BY l.at) AS previous_at
				FROM crash_ledger l) r
			WHERE r.previous_at IS NOT NULL
				AND NOT EXISTS (SELECT 1 FROM crash_kills k WHERE k.at > r.previous_at AND k.at < r.at)""";

	@Test
	@Timeout(600)
	void workerKilledTwentyTimesCompletesEveryWorkflowAndNeverRerunsARecordedStep() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		JdbcClient jdbc = jdbc(url);
		long seed = System.nanoTime();
		Random random = new Random(seed);
		String[] args = workerArgs(url, "crash-worker", "run", "--crash.step-min-millis=100",
				"--crash.step-max-millis=200");
		createLedger(jdbc);
		int kills = 0;
		for (int run = 0; kills < KILLS && run < 2 * KILLS; run++) {
			try (ChildJvm worker = ChildJvm.start("crash-run-" + run, CrashTestApp.class, args)) {
				assertThat(worker.awaitOutput("READY", Duration.ofSeconds(90))).as(worker.output()).isTrue();
				Thread.sleep(100 + random.nextInt(600));
				if (worker.isAlive()) {
					worker.kill();
					jdbc.sql("INSERT INTO crash_kills DEFAULT VALUES").update();
					kills++;
				}
			}
		}
		try (ChildJvm worker = ChildJvm.start("crash-final", CrashTestApp.class, args)) {
			assertThat(worker.awaitOutput("ALL-DONE", Duration.ofSeconds(180))).as(worker.output()).isTrue();
			assertThat(worker.waitForExit(Duration.ofSeconds(30))).isTrue();
		}

		int succeeded = count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE workflow_name = 'crash-workflow' "
				+ "AND status = 'SUCCESS' AND output = '\"[0][1][2][3][4]\"'");
		int checkpoints = count(jdbc, "SELECT count(*) FROM dbos.step_outputs");
		int missingSideEffects = count(jdbc, "SELECT count(*) FROM dbos.step_outputs s WHERE NOT EXISTS "
				+ "(SELECT 1 FROM crash_ledger l WHERE l.workflow_id = s.workflow_id AND l.step = s.step_id)");
		int reruns = count(jdbc, RERUNS_AFTER_CHECKPOINT);
		int duplicated = count(jdbc, "SELECT count(*) FROM (SELECT 1 FROM crash_ledger GROUP BY workflow_id, step "
				+ "HAVING count(*) > 1) d");
		int rerunsWithoutKill = count(jdbc, RERUNS_WITHOUT_KILL);
		int outsideWindow = count(jdbc, DUPLICATES_OUTSIDE_WINDOW);
		int recovered = count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE recovery_attempts > 0");
		System.out.printf("crash: seed=%d workflows=%d kills=%d succeeded=%d lost=%d recovered=%d "
				+ "reruns-after-checkpoint=%d duplicated-side-effects=%d (all between side effect and checkpoint: %s)%n",
				seed, WORKFLOWS, kills, succeeded, WORKFLOWS - succeeded, recovered, reruns, duplicated,
				outsideWindow == 0);

		assertThat(kills).as("kills").isEqualTo(KILLS);
		assertThat(succeeded).as("workflows completed with the right result").isEqualTo(WORKFLOWS);
		assertThat(checkpoints).isEqualTo(WORKFLOWS * CrashTestApp.STEPS);
		assertThat(missingSideEffects).isZero();
		assertThat(reruns).as("steps that ran again after their checkpoint").isZero();
		assertThat(rerunsWithoutKill).as("re-executions of a step not preceded by a kill").isZero();
		assertThat(outsideWindow).as("duplicated side effects without a kill between side effect and checkpoint")
			.isZero();
		assertThat(recovered).as("workflows that were interrupted and recovered").isPositive();
	}

	@Test
	@Timeout(300)
	void liveExecutorAdoptsTheWorkOfAKilledExecutorOnceItsHeartbeatIsStale() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		JdbcClient jdbc = jdbc(url);
		createLedger(jdbc);
		try (ChildJvm adopter = ChildJvm.start("adopt-b", CrashTestApp.class, workerArgs(url, "executor-b", "idle"))) {
			assertThat(adopter.awaitOutput("READY", Duration.ofSeconds(90))).as(adopter.output()).isTrue();
			try (ChildJvm victim = ChildJvm.start("adopt-a", CrashTestApp.class,
					workerArgs(url, "executor-a", "run", "--crash.step-min-millis=200", "--crash.step-max-millis=300"))) {
				assertThat(victim.awaitOutput("READY", Duration.ofSeconds(90))).as(victim.output()).isTrue();
				// every workflow recorded (the victim starts them one by one) and some steps done
				await().atMost(Duration.ofSeconds(60))
					.until(() -> count(jdbc, "SELECT count(*) FROM dbos.workflow_status") == WORKFLOWS
							&& count(jdbc, "SELECT count(*) FROM dbos.step_outputs") >= 3);
				victim.kill();
				jdbc.sql("INSERT INTO crash_kills DEFAULT VALUES").update();
			}
			int pendingAtKill = count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE status = 'PENDING'");
			await().atMost(Duration.ofSeconds(90))
				.until(() -> count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE status = 'SUCCESS'") == WORKFLOWS);

			int adopted = count(jdbc, "SELECT count(*) FROM dbos.workflow_status WHERE executor_id = 'executor-b' "
					+ "AND recovery_attempts = 1");
			System.out.printf("adoption: workflows=%d pending-at-kill=%d adopted-by-live-executor=%d%n", WORKFLOWS,
					pendingAtKill, adopted);
			assertThat(pendingAtKill).isPositive();
			assertThat(adopted).isEqualTo(pendingAtKill);
			assertThat(count(jdbc, RERUNS_AFTER_CHECKPOINT)).isZero();
			assertThat(count(jdbc, DUPLICATES_OUTSIDE_WINDOW)).isZero();
			assertThat(count(jdbc, RERUNS_WITHOUT_KILL)).isZero();
		}
	}

	@Test
	@Timeout(300)
	void twoJvmsStartingTheSameWorkflowIdAtOnceRunItExactlyOnce() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		JdbcClient jdbc = jdbc(url);
		createLedger(jdbc);
		List<ChildJvm> jvms = new ArrayList<>();
		try {
			for (String executor : List.of("twin-1", "twin-2")) {
				jvms.add(ChildJvm.start("same-id-" + executor, CrashTestApp.class,
						workerArgs(url, executor, "same-id", "--crash.step-min-millis=100", "--crash.step-max-millis=100")));
			}
			for (ChildJvm jvm : jvms) {
				assertThat(jvm.awaitOutput("READY", Duration.ofSeconds(90))).as(jvm.output()).isTrue();
			}
			jdbc.sql("INSERT INTO crash_go VALUES (1)").update();
			for (ChildJvm jvm : jvms) {
				assertThat(jvm.awaitOutput("RESULT=", Duration.ofSeconds(60))).as(jvm.output()).isTrue();
				assertThat(jvm.output()).contains("RESULT=[0][1][2][3][4]");
			}
			assertThat(count(jdbc, "SELECT count(*) FROM crash_ledger WHERE workflow_id = 'shared-1'"))
				.as("side effects of the shared workflow (one per step)")
				.isEqualTo(CrashTestApp.STEPS);
			assertThat(count(jdbc, "SELECT count(DISTINCT pid) FROM crash_ledger")).isEqualTo(1);
		}
		finally {
			for (ChildJvm jvm : jvms) {
				jvm.close();
			}
		}
	}

	private static String[] workerArgs(String url, String executorId, String mode, String... extra) {
		List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + url, "--dbos.executor-id=" + executorId,
				"--crash.mode=" + mode, "--crash.workflows=" + WORKFLOWS, "--dbos.workflow-pool-size=4",
				"--dbos.recovery.interval=500ms", "--dbos.recovery.heartbeat-interval=300ms",
				"--dbos.recovery.executor-timeout=2s", "--spring.main.banner-mode=off", "--logging.level.root=WARN",
				"--logging.level.io.github.dbosspring=INFO"));
		args.addAll(List.of(extra));
		return args.toArray(String[]::new);
	}

	private static JdbcClient jdbc(String url) {
		return JdbcClient.create(TestDatabase.dataSource(url));
	}

	private static void createLedger(JdbcClient jdbc) {
		for (String statement : LEDGER.split(";")) {
			jdbc.sql(statement).update();
		}
	}

	private static int count(JdbcClient jdbc, String sql) {
		return jdbc.sql(sql).query(Integer.class).single();
	}

}
