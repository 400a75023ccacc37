package io.github.dbosspring.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * One run of the suite's protocol: a participant's JVM for one workload on a fresh
 * database, with the server's counters and the JVM's CPU time read when it is
 * {@code READY} (before {@code GO}) and again after its {@code RESULT}.
 *
 * @since 0.2.0
 */
final class SuiteRun {

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final String READY = "READY";

	private static final String RESULT = "RESULT ";

	/** Metric: CPU ms the machine spent between {@code GO} and {@code RESULT} outside the library's JVM. */
	static final String OTHER_CPU_MS = "otherCpuMs";

	private static final Duration QUIET = Duration.ofMillis(1100);

	/**
	 * How long an idle or steady run waits after {@code READY} before its first snapshot: a
	 * server process publishes what it counted at most once a second, and what is left then
	 * only once it has been idle for up to 10 s (PostgreSQL 15's {@code PGSTAT_IDLE_INTERVAL}).
	 * The setup's last commits (schema creation, the steady run's warm-up jobs) would otherwise
	 * land in a window of a few hundred or thousand jobs' transactions; in the longer runs they
	 * weigh little, and waiting there would make the suite half an hour longer.
	 */
	private static final Duration SETUP_STATS_DELAY = Duration.ofMillis(11_000);

	private static final Set<String> SETUP_STATS_DELAYED = Set.of("idle", "steady");

	private final Participant participant;

	private final SuiteCase suiteCase;

	private final int round;

	private SuiteRun(Participant participant, SuiteCase suiteCase, int round) {
		this.participant = participant;
		this.suiteCase = suiteCase;
		this.round = round;
	}

	/**
	 * Runs the participant's JVM through the protocol.
	 * @param participant the library and how to start it
	 * @param suiteCase the workload and its parameters
	 * @param round the round, from 1
	 * @param database the fresh database
	 * @param observer a connection to another database of the server
	 * @param settings timeouts, JVM options, log directory
	 * @return what happened
	 */
	static Outcome run(Participant participant, SuiteCase suiteCase, int round, BenchmarkDatabase database,
			Connection observer, PerformanceSuite.Settings settings) throws Exception {
		return new SuiteRun(participant, suiteCase, round).execute(database, observer, settings);
	}

	private Outcome execute(BenchmarkDatabase database, Connection observer, PerformanceSuite.Settings settings)
			throws Exception {
		List<String> command = new ArrayList<>(this.participant.command(settings.jvmOptions()));
		command.add("--workload=" + this.suiteCase.workload());
		command.add("--jdbc-url=" + database.url());
		this.suiteCase.params().forEach((key, value) -> command.add("--" + key + "=" + value));
		Files.createDirectories(settings.logDirectory());
		String name = String.format("r%d-%s-%s", this.round, this.participant.name(), this.suiteCase.key());
		Path out = settings.logDirectory().resolve(name + ".out");
		Path err = settings.logDirectory().resolve(name + ".err");
		Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
		Lines lines = new Lines(process, out);
		long started = System.nanoTime();
		Writer stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
		try {
			String ready = lines.next(READY, this.suiteCase.setupTimeout(), process);
			if (ready == null) {
				String early = lines.error();
				if (early != null) {
					// a RESULT before READY: a workload the library does not support, or an error in its setup
					process.waitFor(30, TimeUnit.SECONDS);
					return Outcome.of(this.round, this.participant.name(), this.suiteCase,
							early.substring(RESULT.length()).trim(), null, -1, 0, (System.nanoTime() - started) / 1e9,
							process.isAlive() ? 0 : process.exitValue());
				}
				return failed(process, lines, out, err, process.isAlive() ? "no READY within "
						+ this.suiteCase.setupTimeout().toSeconds() + " s" : "exited before READY");
			}
			double setupSeconds = (System.nanoTime() - started) / 1e9;
			// the setup's dirty pages (a million history rows, say) written out now, not by a checkpoint
			// during the measured phase, where its writes would slow every commit's WAL flush
			checkpoint(observer);
			if (SETUP_STATS_DELAYED.contains(this.suiteCase.group())) {
				Thread.sleep(SETUP_STATS_DELAY.toMillis());
			}
			ServerSnapshot before = ServerSnapshot.settled(observer, database.name(), QUIET, settings.settle());
			long cpuBefore = ProcessCpu.nanos(process.pid());
			long machineBefore = ProcessCpu.machineNanos();
			long go = System.nanoTime();
			try {
				stdin.write("GO\n");
				stdin.flush();
			}
			catch (IOException ex) {
				// it exited right after READY (a workload it does not support): its RESULT says so
			}
			String result = lines.next(RESULT, this.suiteCase.runTimeout(), process);
			if (result == null) {
				return failed(process, lines, out, err, process.isAlive() ? "no RESULT within "
						+ this.suiteCase.runTimeout().toSeconds() + " s of GO" : "exited without RESULT");
			}
			double wallSeconds = (System.nanoTime() - go) / 1e9;
			long cpuAfter = lines.cpuAtResult();
			// a JVM that does not exit after its RESULT (a non-daemon thread left running) keeps its result
			boolean killed = false;
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				PerformanceSuite.log("  " + this.participant.name() + " did not exit within 60 s of its RESULT: killed");
				process.destroyForcibly();
				process.waitFor(30, TimeUnit.SECONDS);
				killed = true;
			}
			ServerSnapshot.awaitNoBackends(observer, database.name(), Duration.ofSeconds(15));
			ServerSnapshot after = ServerSnapshot.settled(observer, database.name(), Duration.ofMillis(200),
					Duration.ofSeconds(5));
			String json = result.substring(RESULT.length()).trim();
			long cpu = (cpuBefore >= 0 && cpuAfter >= 0) ? cpuAfter - cpuBefore : -1;
			long machineAfter = lines.machineCpuAtResult();
			Outcome outcome = Outcome.of(this.round, this.participant.name(), this.suiteCase, json, after.minus(before),
					cpu, wallSeconds, setupSeconds, killed ? 0 : process.exitValue());
			if (outcome.ok() && cpu >= 0 && machineBefore >= 0 && machineAfter >= 0) {
				// everything but the library's JVM: the server, with a local one, and the machine's rest
				outcome = outcome.withMetrics(Map.of(OTHER_CPU_MS, (machineAfter - machineBefore - cpu) / 1e6));
			}
			return outcome;
		}
		finally {
			try {
				stdin.close();
			}
			catch (IOException ex) {
				// the child has exited (its standard input is gone): nothing more to tell it
			}
			if (process.isAlive()) {
				process.destroyForcibly();
			}
		}
	}

	private static boolean checkpointRefused;

	private static void checkpoint(Connection observer) {
		if (checkpointRefused) {
			return;
		}
		try (java.sql.Statement statement = observer.createStatement()) {
			statement.execute("CHECKPOINT");
		}
		catch (java.sql.SQLException ex) {
			checkpointRefused = true;
			PerformanceSuite.log("CHECKPOINT before GO refused (" + ex.getMessage() + "); measuring without it: a "
					+ "checkpoint of the setup's writes may overlap the measured phase");
		}
	}

	private Outcome failed(Process process, Lines lines, Path out, Path err, String what) throws InterruptedException {
		boolean alive = process.isAlive();
		process.destroyForcibly();
		process.waitFor(30, TimeUnit.SECONDS);
		String exit = alive ? "still running: killed" : "exit code " + process.exitValue();
		String message = what + " (" + exit + "); see " + out + " and " + err
				+ ((lines.error() != null) ? ": " + lines.error() : "");
		return Outcome.error(this.round, this.participant.name(), this.suiteCase, message);
	}

	/**
	 * The child's standard output: copied to a file, with the protocol's lines handed over.
	 */
	private static final class Lines {

		private final BlockingQueue<String> protocol = new LinkedBlockingQueue<>();

		private final long pid;

		private volatile long cpuAtResult = -1;

		private volatile long machineCpuAtResult = -1;

		private volatile @Nullable String error;

		Lines(Process process, Path file) {
			this.pid = process.pid();
			Thread reader = new Thread(() -> copy(process, file), "suite-child-output");
			reader.setDaemon(true);
			reader.start();
		}

		private void copy(Process process, Path file) {
			try (BufferedReader output = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
					Writer log = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
				String line;
				while ((line = output.readLine()) != null) {
					if (line.startsWith(RESULT)) {
						// before the JVM exits and its /proc entry goes
						this.cpuAtResult = ProcessCpu.nanos(this.pid);
						this.machineCpuAtResult = ProcessCpu.machineNanos();
						this.protocol.add(line);
					}
					else if (line.trim().equals(READY)) {
						this.protocol.add(READY);
					}
					log.write(line);
					log.write('\n');
					log.flush();
				}
			}
			catch (IOException ex) {
				this.error = ex.getMessage();
			}
		}

		/**
		 * The next protocol line starting with {@code prefix}, or null when the process
		 * ended or the time is up.
		 */
		@Nullable String next(String prefix, Duration timeout, Process process) throws InterruptedException {
			long deadline = System.nanoTime() + timeout.toNanos();
			while (System.nanoTime() < deadline) {
				String line = this.protocol.poll(100, TimeUnit.MILLISECONDS);
				if (line != null) {
					if (line.startsWith(prefix)) {
						return line;
					}
					if (line.startsWith(RESULT)) {
						// an early RESULT (an error before READY)
						this.error = line;
						return null;
					}
				}
				else if (!process.isAlive()) {
					line = this.protocol.poll(500, TimeUnit.MILLISECONDS);
					if (line != null && line.startsWith(prefix)) {
						return line;
					}
					if (line != null) {
						this.error = line;
					}
					return null;
				}
			}
			return null;
		}

		long cpuAtResult() {
			return this.cpuAtResult;
		}

		long machineCpuAtResult() {
			return this.machineCpuAtResult;
		}

		@Nullable String error() {
			return this.error;
		}

	}

	/**
	 * What one run gave.
	 *
	 * @param round the round, from 1
	 * @param library the participant's name
	 * @param suiteCase the workload and parameters
	 * @param status {@code ok}, {@code unsupported} or {@code error}
	 * @param message the reason of an unsupported workload or of an error, else empty
	 * @param json the {@code RESULT} line's JSON, or empty
	 * @param version the library's version as reported
	 * @param notes what the participant says it configured
	 * @param metrics the reported metrics
	 * @param server what the server counted between {@code READY} and after the JVM's exit
	 * @param cpuNanos CPU time of the participant's JVM between {@code READY} and
	 * {@code RESULT}, or -1
	 * @param wallSeconds time from {@code GO} to {@code RESULT}
	 * @param setupSeconds time from the JVM's start to {@code READY}
	 */
	record Outcome(int round, String library, SuiteCase suiteCase, String status, String message, String json,
			String version, String notes, Map<String, Double> metrics, @Nullable ServerSnapshot server, long cpuNanos,
			double wallSeconds, double setupSeconds) {

		static Outcome of(int round, String library, SuiteCase suiteCase, String json, @Nullable ServerSnapshot server,
				long cpuNanos, double wallSeconds, double setupSeconds, int exitValue) {
			JsonNode node;
			try {
				node = JSON.readTree(json);
			}
			catch (RuntimeException ex) {
				return error(round, library, suiteCase, "RESULT is not JSON (" + ex.getMessage() + "): " + json);
			}
			String version = node.path("version").asString("");
			String notes = node.path("notes").asString("");
			if (node.hasNonNull("unsupported")) {
				return new Outcome(round, library, suiteCase, "unsupported", node.path("unsupported").asString(""), json,
						version, notes, Map.of(), null, -1, wallSeconds, setupSeconds);
			}
			if (node.hasNonNull("error") || exitValue != 0) {
				return new Outcome(round, library, suiteCase, "error",
						node.hasNonNull("error") ? node.path("error").asString("") : "exit " + exitValue, json, version,
						notes, Map.of(), null, -1, wallSeconds, setupSeconds);
			}
			Map<String, Double> metrics = new LinkedHashMap<>();
			for (Map.Entry<String, JsonNode> metric : node.path("metrics").properties()) {
				if (metric.getValue().isNumber()) {
					metrics.put(metric.getKey(), metric.getValue().asDouble());
				}
			}
			return new Outcome(round, library, suiteCase, "ok", "", json, version, notes, metrics, server, cpuNanos,
					wallSeconds, setupSeconds);
		}

		static Outcome error(int round, String library, SuiteCase suiteCase, String message) {
			return new Outcome(round, library, suiteCase, "error", message, "", "", "", Map.of(), null, -1, 0, 0);
		}

		boolean ok() {
			return "ok".equals(this.status);
		}

		/**
		 * This outcome with more metrics, measured by the suite rather than the library's JVM.
		 * @param more the metrics to add
		 * @return the new outcome
		 */
		Outcome withMetrics(Map<String, Double> more) {
			Map<String, Double> all = new LinkedHashMap<>(this.metrics);
			all.putAll(more);
			return new Outcome(this.round, this.library, this.suiteCase, this.status, this.message, this.json,
					this.version, this.notes, all, this.server, this.cpuNanos, this.wallSeconds, this.setupSeconds);
		}

		double metric(String name) {
			Double value = this.metrics.get(name);
			return (value != null) ? value : Double.NaN;
		}

	}

	/**
	 * A measured library and the command that starts its JVM.
	 *
	 * @param name the library's name in the protocol
	 * @param java the {@code java} executable
	 * @param launch what follows the JVM options: {@code -jar <jar>} or {@code -cp <path> <main class>}
	 */
	record Participant(String name, String java, List<String> launch) {

		List<String> command(List<String> jvmOptions) {
			List<String> command = new ArrayList<>();
			command.add(this.java);
			command.addAll(jvmOptions);
			command.addAll(this.launch);
			return command;
		}

	}

	/**
	 * A workload with its parameters, the same for every library.
	 *
	 * @param workload the protocol's workload name
	 * @param group the report's section (usually the workload; {@code drain-completed}
	 * for the drain over finished rows)
	 * @param params the parameters, in order
	 * @param setupTimeout how long the JVM may take to be {@code READY}
	 * @param runTimeout how long it may take from {@code GO} to {@code RESULT}
	 */
	record SuiteCase(String workload, String group, Map<String, String> params, Duration setupTimeout,
			Duration runTimeout) {

		String key() {
			StringBuilder key = new StringBuilder(this.group);
			this.params.forEach((name, value) -> key.append('-').append(name).append(value));
			return key.toString().replaceAll("[^A-Za-z0-9._-]", "_");
		}

		String label() {
			StringBuilder label = new StringBuilder();
			this.params.forEach((name, value) -> label.append((label.length() > 0) ? " " : "")
				.append(name)
				.append('=')
				.append(value));
			return label.toString();
		}

	}

}
