package io.github.dbosspring.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The real PostgreSQL that tests run against: the server named by the environment
 * ({@code DBOS_TEST_JDBC_URL}), else a Testcontainers container when a Docker engine is
 * present, else an embedded PostgreSQL. Each caller gets a fresh, empty database on that
 * server, so test classes never see each other's rows.
 */
public final class TestDatabase {

	/** Environment variable naming the PostgreSQL server for tests. */
	public static final String ENVIRONMENT_VARIABLE = "DBOS_TEST_JDBC_URL";

	private static String serverUrl;

	private static final List<String> created = new ArrayList<>();

	private TestDatabase() {
	}

	/**
	 * Creates an empty database and returns its JDBC URL (with user and password).
	 * @return the JDBC URL of a new database
	 */
	public static String newDatabaseUrl() {
		String server = serverUrl();
		String name = "dbos_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
		try (Connection connection = DriverManager.getConnection(server);
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE DATABASE " + name);
			synchronized (created) {
				created.add(name);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not create a test database on " + server + ": " + ex.getMessage(),
					ex);
		}
		return withDatabase(server, name);
	}

	/**
	 * A DataSource for a test's own statements on a test database.
	 * @param url the database's JDBC URL
	 * @return an unpooled DataSource
	 */
	public static javax.sql.DataSource dataSource(String url) {
		// not a pool: a test's own connections close after each use instead of idling until the
		// JVM exits (many test classes share one server and its max_connections)
		org.springframework.jdbc.datasource.SimpleDriverDataSource dataSource =
				new org.springframework.jdbc.datasource.SimpleDriverDataSource();
		dataSource.setDriverClass(org.postgresql.Driver.class);
		dataSource.setUrl(url);
		return dataSource;
	}

	/**
	 * Points {@code spring.datasource.url} of a Spring test at a new database; for a
	 * {@code @DynamicPropertySource} method.
	 * @param registry the test's property registry
	 */
	public static void useNewDatabase(DynamicPropertyRegistry registry) {
		String url = newDatabaseUrl();
		registry.add("spring.datasource.url", () -> url);
	}

	static synchronized String serverUrl() {
		if (serverUrl == null) {
			String fromEnvironment = System.getenv(ENVIRONMENT_VARIABLE);
			if (fromEnvironment != null && !fromEnvironment.isBlank()) {
				serverUrl = fromEnvironment;
				// a shared server: leave it as found
				Runtime.getRuntime().addShutdownHook(new Thread(TestDatabase::dropCreated));
			}
			else if (dockerAvailable()) {
				PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
				container.start();
				Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
				serverUrl = container.getJdbcUrl() + (container.getJdbcUrl().contains("?") ? "&" : "?") + "user="
						+ container.getUsername() + "&password=" + container.getPassword();
			}
			else {
				serverUrl = startEmbedded();
			}
		}
		return serverUrl;
	}

	private static void dropCreated() {
		List<String> names;
		synchronized (created) {
			names = new ArrayList<>(created);
		}
		try (Connection connection = DriverManager.getConnection(serverUrl);
				Statement statement = connection.createStatement()) {
			for (String name : names) {
				statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
			}
		}
		catch (SQLException ex) {
			System.err.println("Could not drop test databases " + names + ": " + ex.getMessage());
		}
	}

	private static boolean dockerAvailable() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (Throwable ex) {
			return false;
		}
	}

	private static String startEmbedded() {
		try {
			EmbeddedPostgres postgres = EmbeddedPostgres.builder()
				.setDataDirectory(Files.createTempDirectory("dbos-test-pg"))
				.setCleanDataDirectory(true)
				.setServerConfig("max_connections", "300")
				.start();
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				try {
					postgres.close();
				}
				catch (IOException ex) {
					// exiting anyway
				}
			}));
			return postgres.getJdbcUrl("postgres", "postgres");
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start an embedded PostgreSQL for tests", ex);
		}
	}

	static String withDatabase(String serverUrl, String database) {
		int start = serverUrl.indexOf("//") + 2;
		int slash = serverUrl.indexOf('/', start);
		int query = serverUrl.indexOf('?', start);
		String hostPort = serverUrl.substring(start, (slash >= 0) ? slash : (query >= 0) ? query : serverUrl.length());
		String parameters = (query >= 0) ? serverUrl.substring(query) : "";
		return "jdbc:postgresql://" + hostPort + "/" + database + parameters;
	}

}
