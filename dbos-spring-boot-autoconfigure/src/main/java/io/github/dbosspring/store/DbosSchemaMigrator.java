package io.github.dbosspring.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;

import org.springframework.beans.factory.InitializingBean;

/**
 * Creates and upgrades the DBOS tables with a Flyway of its own: its own schema and its
 * own history table ({@code dbos_schema_history}), so it never touches the application's
 * migrations, whether or not the application uses Flyway itself.
 *
 * <p>Processes that start at the same moment on an empty database are serialized by
 * PostgreSQL advisory locks: a transaction-scoped one around schema creation, then
 * Flyway's own around the migration.
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
		try {
			createSchema();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not create the DBOS schema '" + this.schema.name()
					+ "': check that the system database is reachable and the user may create schemas ("
					+ ex.getMessage() + ")", ex);
		}
		Flyway flyway = configuration().load();
		// Flyway serializes concurrent migrations with its own PostgreSQL advisory lock
		MigrateResult result = flyway.migrate();
		if (result.migrationsExecuted > 0) {
			logger.info("Migrated DBOS schema '" + this.schema.name() + "' to version " + result.targetSchemaVersion);
		}
		this.migrated = true;
	}

	/**
	 * The Flyway configuration of the DBOS schema (for {@link #migrate()}, and for tests that
	 * migrate to an earlier version first).
	 * @return the configuration, not yet loaded
	 */
	FluentConfiguration configuration() {
		return Flyway.configure(DbosSchemaMigrator.class.getClassLoader())
			.dataSource(this.dataSource)
			.schemas(this.schema.name())
			.defaultSchema(this.schema.name())
			.createSchemas(false)
			.table("dbos_schema_history")
			.locations(LOCATION)
			.failOnMissingLocations(true);
	}

	/**
	 * Creates the schema in a short transaction that holds a transaction-scoped advisory
	 * lock, so that processes starting together on an empty database do not race on
	 * {@code CREATE SCHEMA} (which Flyway would do outside its own lock). No connection is
	 * held during the migration itself, so it works with a pool of two connections.
	 */
	private void createSchema() throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			connection.setAutoCommit(false);
			try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(?)");
					Statement create = connection.createStatement()) {
				lock.setLong(1, ADVISORY_LOCK_KEY);
				lock.execute();
				create.execute("CREATE SCHEMA IF NOT EXISTS " + this.schema.name());
				connection.commit();
			}
			catch (SQLException ex) {
				connection.rollback();
				throw ex;
			}
			finally {
				connection.setAutoCommit(autoCommit);
			}
		}
	}

	public DbosSchema getSchema() {
		return this.schema;
	}

}
