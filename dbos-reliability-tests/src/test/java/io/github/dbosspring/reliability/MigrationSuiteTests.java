package io.github.dbosspring.reliability;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.dbosspring.test.ChildJvm;
import io.github.dbosspring.test.TestDatabase;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * JVMs that boot the application at the same moment on an empty database all start, and
 * the DBOS schema migrations are each recorded once: 2 and then 5 JVMs, 10 times. The
 * JVMs ({@link MigrationStarterApp}) are started once and boot a fresh application
 * context per round, released together by a barrier in the control database; the control
 * ledger records, with the database clock, when each was released, when its schema
 * migrator started and finished (none may take more than 30 s, waits for the others'
 * migrations included) and when it was ready.
 *
 * <p>There is nothing random to seed; the seed ({@code -Dreliability.seed=...}) is printed
 * for uniformity.
 */
class MigrationSuiteTests {

	private static final int TIMES = 10;

	private static final int[] PARTICIPANTS = { 2, 5 };

	private static final Duration LONGEST_WAIT = Duration.ofSeconds(30);

	private static final long SEED = Long.getLong("reliability.seed", System.nanoTime());

	private static final Map<String, Object> figures = new LinkedHashMap<>();

	@AfterAll
	static void printSummary() {
		StringBuilder line = new StringBuilder("migrations: seed=").append(SEED);
		figures.forEach((name, value) -> line.append(' ').append(name).append('=').append(value));
		System.out.println(line);
	}

	@Test
	@Timeout(600)
	void jvmsStartingTogetherOnAnEmptyDatabaseAllStartAndRecordEachMigrationOnce() throws Exception {
		List<String> migrations = migrationScripts();
		String controlUrl = TestDatabase.newDatabaseUrl();
		JdbcClient control = JdbcClient.create(TestDatabase.dataSource(controlUrl));
		for (String statement : MigrationStarterApp.LEDGER.split(";")) {
			control.sql(statement).update();
		}
		int jvms = Arrays.stream(PARTICIPANTS).max().orElseThrow();
		List<ChildJvm> children = new ArrayList<>();
		int rounds = 0;
		int starts = 0;
		int badHistories = 0;
		List<String> failures = new ArrayList<>();
		try {
			for (int i = 0; i < jvms; i++) {
				children.add(ChildJvm.start("migration-jvm-" + i, MigrationStarterApp.class, controlUrl,
						Integer.toString(i)));
			}
			for (ChildJvm child : children) {
				assertThat(child.awaitOutput("READY", Duration.ofSeconds(60))).as(child.output()).isTrue();
			}
			for (int time = 0; time < TIMES; time++) {
				for (int participants : PARTICIPANTS) {
					int round = ++rounds;
					String url = TestDatabase.newDatabaseUrl();
					try (Connection barrier = DriverManager.getConnection(controlUrl)) {
						execute(barrier, "SELECT pg_advisory_lock(?)", round);
						control.sql("INSERT INTO migration_rounds (round, url, participants) VALUES (?, ?, ?)")
							.params(round, url, participants)
							.update();
						await().atMost(Duration.ofSeconds(60))
							.until(() -> waitingAtBarrier(control, round) == participants);
						execute(barrier, "SELECT pg_advisory_unlock(?)", round);
					}
					await().atMost(Duration.ofSeconds(180))
						.until(() -> control.sql("SELECT count(*) FROM migration_ledger WHERE round = ? "
								+ "AND (result IS NOT NULL OR error IS NOT NULL)").param(round).query(Integer.class)
							.single() == participants);
					starts += participants;
					JdbcClient database = JdbcClient.create(TestDatabase.dataSource(url));
					List<String> recorded = database
						.sql("SELECT script FROM dbos.dbos_schema_history WHERE success ORDER BY installed_rank")
						.query(String.class)
						.list();
					int failed = database.sql("SELECT count(*) FROM dbos.dbos_schema_history WHERE NOT success")
						.query(Integer.class)
						.single();
					int probes = database.sql("SELECT count(*) FROM dbos.workflow_status WHERE status = 'SUCCESS' "
							+ "AND workflow_name = 'migration-probe'").query(Integer.class).single();
					if (!recorded.equals(migrations) || failed != 0 || probes != participants) {
						badHistories++;
						failures.add("round " + round + ": history " + recorded + ", failed " + failed + ", probes "
								+ probes);
					}
					// the round's applications are closed: free the server of its database now
					control.sql("DROP DATABASE IF EXISTS " + databaseName(url) + " WITH (FORCE)").update();
				}
			}
		}
		finally {
			for (ChildJvm child : children) {
				child.close();
			}
		}

		int started = count(control, "SELECT count(*) FROM migration_ledger WHERE ready_at IS NOT NULL "
				+ "AND result LIKE 'ok:%' AND error IS NULL");
		List<String> errors = control.sql("SELECT round || '/' || jvm || ': ' || error FROM migration_ledger "
				+ "WHERE error IS NOT NULL ORDER BY round, jvm").query(String.class).list();
		double longestMigrationWait = control
			.sql("SELECT coalesce(max(extract(epoch FROM migrated_at - migrating_at)), -1)::float8 FROM migration_ledger")
			.query(Double.class)
			.single();
		double longestStart = control
			.sql("SELECT coalesce(max(extract(epoch FROM ready_at - go_at)), -1)::float8 FROM migration_ledger")
			.query(Double.class)
			.single();
		int notMigrated = count(control, "SELECT count(*) FROM migration_ledger WHERE migrated_at IS NULL");
		double spread = control.sql("SELECT coalesce(max(s), 0)::float8 FROM (SELECT extract(epoch FROM "
				+ "max(go_at) - min(go_at)) AS s FROM migration_ledger GROUP BY round) r").query(Double.class).single();
		figures.put("rounds", rounds);
		figures.put("jvm-starts", starts);
		figures.put("started", started);
		figures.put("failures", errors.size());
		figures.put("bad-histories", badHistories);
		figures.put("migrations", migrations.size());
		figures.put("longest-migration-wait-s", String.format("%.2f", longestMigrationWait));
		figures.put("longest-start-s", String.format("%.2f", longestStart));
		figures.put("max-release-spread-ms", Math.round(spread * 1000));

		assertThat(errors).as("JVMs that failed to start").isEmpty();
		assertThat(started).as("JVMs started and ran a workflow").isEqualTo(starts);
		assertThat(failures).as("rounds whose migration history is not each migration once, or whose probes failed")
			.isEmpty();
		assertThat(notMigrated).as("JVMs whose migrator did not finish").isZero();
		assertThat(longestMigrationWait).as("longest migration (with its wait for the others), in seconds")
			.isLessThanOrEqualTo(LONGEST_WAIT.toSeconds());
	}

	private static List<String> migrationScripts() throws Exception {
		Resource[] resources = new PathMatchingResourcePatternResolver()
			.getResources("classpath*:io/github/dbosspring/store/migration/V*.sql");
		// Flyway's order: by version
		return Arrays.stream(resources)
			.map(Resource::getFilename)
			.filter(Objects::nonNull)
			.sorted((a, b) -> Integer.compare(version(a), version(b)))
			.toList();
	}

	private static int version(String script) {
		return Integer.parseInt(script.substring(1, script.indexOf("__")));
	}

	private static String databaseName(String url) {
		String path = url.substring(url.indexOf('/', "jdbc:postgresql://".length()) + 1);
		return (path.contains("?")) ? path.substring(0, path.indexOf('?')) : path;
	}

	private static int waitingAtBarrier(JdbcClient control, int round) {
		return control.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
				+ "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND objid::bigint = ?")
			.param(round)
			.query(Integer.class)
			.single();
	}

	private static void execute(Connection connection, String sql, Object... params) throws Exception {
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			for (int i = 0; i < params.length; i++) {
				statement.setObject(i + 1, params[i]);
			}
			statement.execute();
		}
	}

	private static int count(JdbcClient jdbc, String sql) {
		return jdbc.sql(sql).query(Integer.class).single();
	}

}
