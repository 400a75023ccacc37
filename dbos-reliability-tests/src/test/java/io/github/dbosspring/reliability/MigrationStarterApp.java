package io.github.dbosspring.reliability;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import io.github.dbosspring.store.DbosSchemaMigrator;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;
import io.github.dbosspring.workflow.WorkflowOptions;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * A JVM of {@link MigrationSuiteTests}: for each round the test publishes in the control
 * database ({@code migration_rounds}) that names this JVM ({@code migration.index} below
 * the round's participants), it waits at a barrier (a shared advisory lock the test holds
 * exclusively), then boots a full application on the round's empty database and runs one
 * workflow there. The control ledger ({@code migration_ledger}) gets, with the database
 * clock, the moment the barrier opened, the moments the DBOS schema migrator started and
 * finished, the moment the application was ready, and the outcome or the error.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(MigrationStarterApp.MigrationProbe.class)
public class MigrationStarterApp {

	static final String LEDGER = """
			CREATE TABLE migration_rounds (round int PRIMARY KEY, url text NOT NULL, participants int NOT NULL);
			CREATE TABLE migration_ledger (round int NOT NULL, jvm int NOT NULL, pid int NOT NULL,
				go_at timestamptz NOT NULL DEFAULT clock_timestamp(), migrating_at timestamptz, migrated_at timestamptz, ready_at timestamptz,
				result text, error text, PRIMARY KEY (round, jvm))""";

	private static final String NEXT_ROUND = "SELECT round, url, participants FROM migration_rounds WHERE round > ? "
			+ "ORDER BY round LIMIT 1";

	private static volatile String control;

	private static volatile int index;

	/**
	 * Runs rounds until killed.
	 * @param args the control database's JDBC URL and this JVM's index
	 */
	public static void main(String[] args) throws Exception {
		control = args[0];
		index = Integer.parseInt(args[1]);
		int pid = (int) ProcessHandle.current().pid();
		System.out.println("READY pid=" + pid);
		int last = 0;
		while (true) {
			Round round = nextRound(control, last);
			if (round == null) {
				Thread.sleep(20);
				continue;
			}
			last = round.number();
			if (index >= round.participants()) {
				continue;
			}
			try (Connection connection = DriverManager.getConnection(control)) {
				// blocks until the test releases its exclusive lock: all participants go at once
				execute(connection, "SELECT pg_advisory_lock_shared(?)", round.number());
				execute(connection, "INSERT INTO migration_ledger (round, jvm, pid) VALUES (?, ?, ?)", round.number(),
						index, pid);
				execute(connection, "SELECT pg_advisory_unlock_shared(?)", round.number());
			}
			try (ConfigurableApplicationContext context = new SpringApplicationBuilder(MigrationStarterApp.class)
				.web(WebApplicationType.NONE)
				.properties("migration.round=" + round.number())
				.run(args(round, index))) {
				record(control, "ready_at = clock_timestamp()", round.number(), index, null);
				Dbos dbos = context.getBean(Dbos.class);
				MigrationProbe probe = context.getBean(MigrationProbe.class);
				String id = "probe-" + index;
				String result = dbos.run(WorkflowOptions.withId(id), () -> probe.probe(id));
				record(control, "result = ?", round.number(), index, result);
			}
			catch (Throwable ex) {
				ex.printStackTrace();
				record(control, "error = ?", round.number(), index, String.valueOf(ex));
			}
			System.out.println("DONE " + round.number());
		}
	}

	private static String[] args(Round round, int index) {
		return new String[] { "--spring.datasource.url=" + round.url(),
				"--dbos.executor-id=migration-" + round.number() + "-" + index,
				"--spring.datasource.hikari.maximum-pool-size=3", "--dbos.worker.enabled=false",
				"--dbos.scheduler.enabled=false", "--spring.main.banner-mode=off",
				"--logging.level.root=WARN", "--logging.level.io.github.dbosspring=INFO" };
	}

	private static Round nextRound(String control, int last) throws SQLException {
		try (Connection connection = DriverManager.getConnection(control);
				PreparedStatement statement = connection.prepareStatement(NEXT_ROUND)) {
			statement.setInt(1, last);
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next() ? new Round(rs.getInt(1), rs.getString(2), rs.getInt(3)) : null;
			}
		}
	}

	static void record(String control, String assignment, int round, int index, String value) {
		try (Connection connection = DriverManager.getConnection(control)) {
			if (value != null) {
				execute(connection, "UPDATE migration_ledger SET " + assignment + " WHERE round = ? AND jvm = ?", value,
						round, index);
			}
			else {
				execute(connection, "UPDATE migration_ledger SET " + assignment + " WHERE round = ? AND jvm = ?", round,
						index);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not record " + assignment + " for round " + round, ex);
		}
	}

	private static void execute(Connection connection, String sql, Object... params) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			for (int i = 0; i < params.length; i++) {
				statement.setObject(i + 1, params[i]);
			}
			statement.execute();
		}
	}

	/**
	 * Records when the DBOS schema migrator starts and finishes (it migrates while the bean
	 * is initialized): the time it waits for other JVMs' migrations included.
	 */
	@Bean
	static BeanPostProcessor migrationRecorder(Environment environment) {
		return new BeanPostProcessor() {

			@Override
			public Object postProcessBeforeInitialization(Object bean, String beanName) {
				if (bean instanceof DbosSchemaMigrator) {
					record(control, "migrating_at = clock_timestamp()",
							environment.getRequiredProperty("migration.round", Integer.class), index, null);
				}
				return bean;
			}

			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof DbosSchemaMigrator) {
					record(control, "migrated_at = clock_timestamp()",
							environment.getRequiredProperty("migration.round", Integer.class), index, null);
				}
				return bean;
			}

		};
	}

	private record Round(int number, String url, int participants) {
	}

	@Component
	public static class MigrationProbe {

		@Workflow(name = "migration-probe")
		public String probe(String id) {
			return Dbos.runStep("probe-step", () -> "ok:" + id);
		}

	}

}
