package io.github.dbosspring.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL server owned by one test: its own {@code initdb} in a temporary
 * directory, on a free port, started and stopped with {@code pg_ctl}, so that the test can
 * shut it down in immediate mode (as a crash of the server would) and start it again on
 * the same data directory. When the JVM runs as root the server runs as {@code postgres}.
 */
final class DatabaseRestartPostgres implements AutoCloseable {

	private final Path binaries;

	private final Path directory;

	private final Path dataDirectory;

	private final int port;

	private final boolean asPostgresUser;

	private DatabaseRestartPostgres(Path binaries, Path directory, int port, boolean asPostgresUser) {
		this.binaries = binaries;
		this.directory = directory;
		this.dataDirectory = directory.resolve("data");
		this.port = port;
		this.asPostgresUser = asPostgresUser;
	}

	/**
	 * Creates a new cluster and starts it.
	 * @return the running server
	 */
	static DatabaseRestartPostgres start() throws IOException, InterruptedException {
		Path binaries = findBinaries();
		boolean root = "0".equals(run(List.of("id", "-u")).trim());
		Path directory = Files.createTempDirectory("dbos-restart-pg");
		if (root) {
			run(List.of("chown", "postgres", directory.toString()));
		}
		DatabaseRestartPostgres postgres = new DatabaseRestartPostgres(binaries, directory, freePort(), root);
		postgres.pg(List.of(binaries.resolve("initdb").toString(), "-D", postgres.dataDirectory.toString(), "-A",
				"trust", "-U", "postgres", "--no-sync"));
		postgres.startServer();
		// a test JVM that dies leaves no server running
		Runtime.getRuntime().addShutdownHook(new Thread(postgres::stopQuietly));
		return postgres;
	}

	/**
	 * The JDBC URL of a database on this server.
	 * @param database the database
	 * @param applicationName the {@code application_name} of the connections
	 * @return the URL
	 */
	String jdbcUrl(String database, String applicationName) {
		return "jdbc:postgresql://127.0.0.1:" + this.port + "/" + database + "?user=postgres&ApplicationName="
				+ applicationName;
	}

	/** Starts the server on its data directory and waits until it accepts connections. */
	void startServer() throws IOException, InterruptedException {
		// fsync off: an immediate shutdown loses no committed data without it (only an OS crash
		// would), and the shared 2-core machine writes far less
		pg(List.of(this.binaries.resolve("pg_ctl").toString(), "-D", this.dataDirectory.toString(), "-w", "-t", "60",
				"-l", this.directory.resolve("server.log").toString(), "-o",
				"-p " + this.port + " -k " + this.directory + " -c listen_addresses=127.0.0.1 -c max_connections=200 "
						+ "-c fsync=off",
				"start"));
	}

	/**
	 * Stops the server in immediate mode: every backend is killed without a checkpoint and
	 * the next start runs crash recovery.
	 */
	void stopImmediately() throws IOException, InterruptedException {
		pg(List.of(this.binaries.resolve("pg_ctl").toString(), "-D", this.dataDirectory.toString(), "-w", "-m",
				"immediate", "stop"));
	}

	@Override
	public void close() throws IOException {
		stopQuietly();
		try (Stream<Path> paths = Files.walk(this.directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
	}

	private void stopQuietly() {
		if (!Files.exists(this.dataDirectory.resolve("postmaster.pid"))) {
			return;
		}
		try {
			stopImmediately();
		}
		catch (IOException | RuntimeException ex) {
			// not running
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void pg(List<String> command) throws IOException, InterruptedException {
		List<String> full = new ArrayList<>();
		if (this.asPostgresUser) {
			full.addAll(List.of("runuser", "-u", "postgres", "--"));
		}
		full.addAll(command);
		run(full);
	}

	private static String run(List<String> command) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes());
		if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
			throw new IllegalStateException("Command " + command + " failed: " + output);
		}
		return output;
	}

	private static Path findBinaries() throws IOException {
		String fromEnvironment = System.getenv("DBOS_TEST_PG_BIN");
		if (fromEnvironment != null && !fromEnvironment.isBlank()) {
			return Path.of(fromEnvironment);
		}
		Path root = Path.of("/usr/lib/postgresql");
		if (Files.isDirectory(root)) {
			try (Stream<Path> versions = Files.list(root)) {
				return versions.map((version) -> version.resolve("bin"))
					.filter((bin) -> Files.isExecutable(bin.resolve("initdb")))
					.max(Comparator.comparing((bin) -> bin.getParent().getFileName().toString(),
							Comparator.comparingInt(DatabaseRestartPostgres::major)))
					.orElseThrow(() -> new IllegalStateException(noBinaries()));
			}
		}
		throw new IllegalStateException(noBinaries());
	}

	private static int major(String version) {
		try {
			return Integer.parseInt(version.replaceAll("\\..*", ""));
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	private static String noBinaries() {
		return "The database-restart suite starts its own PostgreSQL server and needs its binaries (initdb, "
				+ "pg_ctl): install PostgreSQL or set DBOS_TEST_PG_BIN to their directory";
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
