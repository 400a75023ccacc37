package io.github.dbosspring.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

import org.springframework.beans.factory.InitializingBean;

/**
 * Creates and upgrades the DBOS tables with a Flyway of its own: its own schema and its
 * own history table ({@code dbos_schema_history}), so it never touches the application's
 * migrations, whether or not the application uses Flyway itself.
 *
 * <p>Processes that start at the same moment on an empty database are serialized by a
 * PostgreSQL advisory lock held around the whole migration (schema creation included,
 * which Flyway does outside its own lock).
 *
 * @since 0.1.0
 */
public class DbosSchemaMigrator implements InitializingBean {

	private static final Log logger = LogFactory.getLog(DbosSchemaMigrator.class);

	static final String LOCATION = "classpath:io/github/dbosspring/store/migration";

	private static final long ADVISORY_LOCK_KEY = 0x0DB05_5C4E3AL;

	private final DataSource dataSource;

	private final DbosSchema schema;

	private volatile boolean migrated;

	public DbosSchemaMigrator(DataSource dataSource, DbosSchema schema) {
		this.dataSource = dataSource;
		this.schema = schema;
	}

	@Override
	public void afterPropertiesSet() {
		migrate();
	}

	/**
	 * Brings the DBOS schema up to date. Idempotent.
	 */
	public void migrate() {
		if (this.migrated) {
			return;
		}
		try (Connection connection = this.dataSource.getConnection()) {
			lock(connection, "pg_advisory_lock");
			try {
				try (Statement statement = connection.createStatement()) {
					statement.execute("CREATE SCHEMA IF NOT EXISTS " + this.schema.name());
				}
				Flyway flyway = Flyway.configure(DbosSchemaMigrator.class.getClassLoader())
					.dataSource(this.dataSource)
					.schemas(this.schema.name())
					.defaultSchema(this.schema.name())
					.createSchemas(false)
					.table("dbos_schema_history")
					.locations(LOCATION)
					.failOnMissingLocations(true)
					.load();
				MigrateResult result = flyway.migrate();
				if (result.migrationsExecuted > 0) {
					logger.info("Migrated DBOS schema '" + this.schema.name() + "' to version " + result.targetSchemaVersion);
				}
			}
			finally {
				lock(connection, "pg_advisory_unlock");
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not migrate the DBOS schema '" + this.schema.name()
					+ "': check that the system database is reachable and the user may create schemas ("
					+ ex.getMessage() + ")", ex);
		}
		this.migrated = true;
	}

	private static void lock(Connection connection, String function) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT " + function + "(?)")) {
			statement.setLong(1, ADVISORY_LOCK_KEY);
			statement.execute();
		}
	}

	public DbosSchema getSchema() {
		return this.schema;
	}

}
