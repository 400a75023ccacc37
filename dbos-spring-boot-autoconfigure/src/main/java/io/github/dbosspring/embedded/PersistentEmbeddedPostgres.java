package io.github.dbosspring.embedded;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * A real PostgreSQL server (binaries from Maven Central) whose data directory survives
 * restarts, so that workflows interrupted by a crash are found again by the next start.
 *
 * <p>If a server is still running on the data directory (its JVM was killed with
 * {@code kill -9}, or another process of the same application started it), that server
 * is reused rather than started twice; only a server started by this instance is stopped
 * by {@link #close()}.
 *
 * @since 0.1.0
 */
public final class PersistentEmbeddedPostgres implements Closeable {

	private static final Log logger = LogFactory.getLog(PersistentEmbeddedPostgres.class);

	private final @Nullable EmbeddedPostgres started;

	private final Path dataDirectory;

	private final int port;

	private PersistentEmbeddedPostgres(@Nullable EmbeddedPostgres started, Path dataDirectory, int port) {
		this.started = started;
		this.dataDirectory = dataDirectory;
		this.port = port;
	}

	/**
	 * Starts (or reuses) the server of a data directory, creating the directory on first
	 * use.
	 * @param dataDirectory the data directory
	 * @param port the port for a newly started server, 0 for a free one
	 * @return the running server
	 */
	public static PersistentEmbeddedPostgres start(Path dataDirectory, int port) {
		Path directory = dataDirectory.toAbsolutePath().normalize();
		try {
			Files.createDirectories(directory);
			Integer livePort = liveServerPort(directory);
			if (livePort != null) {
				logger.info("Reusing the embedded PostgreSQL already running on " + directory + " (port " + livePort
						+ ")");
				return new PersistentEmbeddedPostgres(null, directory, livePort);
			}
			EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
				.setDataDirectory(directory)
				.setCleanDataDirectory(false)
				// stopped by the application context's close, after DBOS has stopped using it (the
				// library's own JVM hook would stop it while Spring still shuts down)
				.setRegisterShutdownHook(false)
				.setServerConfig("max_connections", "200")
				// durable like a real server: the embedded default keeps workflows across crashes
				.setServerConfig("fsync", "on")
				.setServerConfig("synchronous_commit", "on")
				.setServerConfig("full_page_writes", "on");
			if (port > 0) {
				builder.setPort(port);
			}
			EmbeddedPostgres postgres = builder.start();
			logger.info("Started embedded PostgreSQL on port " + postgres.getPort() + " with data in " + directory);
			return new PersistentEmbeddedPostgres(postgres, directory, postgres.getPort());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + directory
					+ ": check that the directory is writable (dbos.embedded.data-dir), or configure "
					+ "spring.datasource.url to use your own PostgreSQL", ex);
		}
	}

	private static @Nullable Integer liveServerPort(Path directory) throws IOException {
		Path pidFile = directory.resolve("postmaster.pid");
		if (!Files.isRegularFile(pidFile)) {
			return null;
		}
		List<String> lines = Files.readAllLines(pidFile);
		if (lines.size() < 4) {
			return null;
		}
		try {
			long pid = Long.parseLong(lines.get(0).trim());
			int port = Integer.parseInt(lines.get(3).trim());
			boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
			return (alive && accepts(port)) ? port : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private static boolean accepts(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("localhost", port), 1000);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * The JDBC URL of the {@code postgres} database, user {@code postgres}.
	 * @return the JDBC URL
	 */
	public String getJdbcUrl() {
		return "jdbc:postgresql://localhost:" + this.port + "/postgres";
	}

	public int getPort() {
		return this.port;
	}

	public Path getDataDirectory() {
		return this.dataDirectory;
	}

	@Override
	public void close() throws IOException {
		if (this.started != null) {
			this.started.close();
		}
	}

}
