package io.github.dbosspring.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.benchmarks.SuiteRun.Outcome;
import io.github.dbosspring.benchmarks.SuiteRun.Participant;
import io.github.dbosspring.benchmarks.SuiteRun.SuiteCase;

/**
 * The whole performance suite, this library side by side with its peers: in each round,
 * the raw commit limit (one-row {@code INSERT} + commit on 1 and on N connections) on a
 * fresh database, then every library in turn (the round's first library rotates), each
 * workload in a JVM of its own on a freshly created database ({@link SuiteRun}). The
 * libraries never run at the same time. {@link SuiteReport} aggregates the rounds
 * (median, min - max) and checks the targets.
 *
 * <p>Configured by system properties {@code bench.suite.*} ({@link Settings}) and the
 * environment variable {@code DBOS_BENCH_JDBC_URL}; the first argument is the results
 * directory, the second the directory of the peer modules.
 *
 * @since 0.2.0
 */
public final class PerformanceSuite {

	static final String DATABASE_NAME = "dbos_suite";

	/**
	 * Seconds of the raw commit measured on a step-overhead run's database right before its
	 * JVM starts and right after it exits.
	 */
	static final int STEP_RAW_SECONDS = 2;

	static final List<String> LIBRARIES = List.of(DbosSpringPeer.PEER, "dbos-transact", "db-scheduler", "jobrunr");

	static final List<String> WORKLOADS = List.of("step-overhead", "enqueue", "drain", "drain-completed", "latency",
			"steady", "idle");

	private final Settings settings;

	private final AtomicLong nextRawId = new AtomicLong(1);

	private PerformanceSuite(Settings settings) {
		this.settings = settings;
	}

	public static void main(String[] args) throws Exception {
		new PerformanceSuite(Settings.from(args)).run();
	}

	private void run() throws Exception {
		ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC).withNano(0);
		long startNanos = System.nanoTime();
		String loadAtStart = StepOverheadBenchmark.loadAverage();
		List<Participant> participants = new ArrayList<>();
		List<String> skipped = new ArrayList<>();
		for (String library : this.settings.libraries()) {
			Participant participant = participant(library);
			if (participant == null) {
				Path jar = jar(library);
				skipped.add(library + ": skipped, " + jar + " not found (build it with the benchmarks profile: "
						+ "./mvnw -Pbenchmarks -pl benchmarks -am -Dmaven.test.skip=true verify)");
				log("Skipping " + library + ": " + jar + " not found");
			}
			else {
				participants.add(participant);
			}
		}
		List<SuiteCase> cases = cases();
		List<RawLimit> limits = new ArrayList<>();
		List<Outcome> outcomes = new ArrayList<>();
		Map<String, String> environment;
		try (BenchmarkDatabase first = BenchmarkDatabase.recreate(this.settings.serverUrl(), DATABASE_NAME)) {
			environment = environment(first);
		}
		for (int round = 1; round <= this.settings.rounds(); round++) {
			limits.add(rawLimit(round));
			List<Participant> order = new ArrayList<>();
			for (int i = 0; i < participants.size(); i++) {
				order.add(participants.get((round - 1 + i) % participants.size()));
			}
			log("Round " + round + "/" + this.settings.rounds() + ": "
					+ String.join(", ", order.stream().map(Participant::name).toList()));
			List<SuiteCase> roundCases = casesOfRound(cases, round);
			for (Participant participant : order) {
				for (SuiteCase suiteCase : roundCases) {
					outcomes.add(runOne(participant, suiteCase, round));
				}
			}
		}
		environment.put("Load average (1, 5, 15 min)", loadAtStart + " at start, " + StepOverheadBenchmark.loadAverage()
				+ " at end");
		environment.put("Duration", String.format(Locale.ROOT, "%.1f min for the whole suite",
				(System.nanoTime() - startNanos) / 60e9));
		SuiteReport report = new SuiteReport(started, environment, this.settings, participants, skipped, limits,
				outcomes);
		String markdown = report.markdown();
		System.out.println();
		System.out.println(markdown);
		for (Path file : report.write(this.settings.resultsDirectory())) {
			log("Wrote " + file);
		}
	}

	private Outcome runOne(Participant participant, SuiteCase suiteCase, int round) throws Exception {
		log(String.format("Round %d %s %s %s", round, participant.name(), suiteCase.workload(), suiteCase.label()));
		Outcome outcome;
		try (Connection observer = BenchmarkDatabase.connect(this.settings.serverUrl())) {
			// the connection that creates the database closes before the run: its server process then
			// publishes at once the WAL that CREATE DATABASE wrote, instead of up to 10 s later
			BenchmarkDatabase database = BenchmarkDatabase.recreate(this.settings.serverUrl(), DATABASE_NAME);
			database.close();
			// a step's cost is compared with the raw commit of the same minute, not only of the round's start
			boolean bracket = suiteCase.group().equals("step-overhead");
			double rawBefore = Double.NaN;
			if (bracket) {
				new RawCommitPhase(database.url()).createTable();
				rawBefore = bracketingRawCommit(database.url());
			}
			outcome = SuiteRun.run(participant, suiteCase, round, database, observer, this.settings);
			if (bracket && outcome.ok()) {
				double rawAfter = bracketingRawCommit(database.url());
				Map<String, Double> raw = new LinkedHashMap<>();
				raw.put("rawMsBefore", rawBefore);
				raw.put("rawMsAfter", rawAfter);
				raw.put("rawMsPerCommit", (rawBefore + rawAfter) / 2);
				outcome = outcome.withMetrics(raw);
			}
		}
		catch (Exception ex) {
			outcome = Outcome.error(round, participant.name(), suiteCase, ex.toString());
		}
		if (outcome.ok()) {
			ServerSnapshot server = outcome.server();
			log(String.format(Locale.ROOT, "  -> %s; %d commits, %d WAL bytes, CPU %.2f s, setup %.1f s, run %.1f s",
					outcome.metrics(), (server != null) ? server.commits() : -1,
					(server != null) ? server.walBytes() : -1, outcome.cpuNanos() / 1e9, outcome.setupSeconds(),
					outcome.wallSeconds()));
		}
		else {
			log("  -> " + outcome.status() + ": " + outcome.message());
		}
		return outcome;
	}

	private List<SuiteCase> cases() {
		Settings s = this.settings;
		Duration setup = s.setupTimeout();
		List<SuiteCase> cases = new ArrayList<>();
		if (s.workloads().contains("step-overhead")) {
			for (int steps : s.steps()) {
				cases.add(new SuiteCase("step-overhead", "step-overhead",
						params("steps", steps, "seconds", s.stepSeconds(), "warmup-seconds", s.stepWarmupSeconds()),
						setup, seconds(s.stepWarmupSeconds() + s.stepSeconds() + 120)));
			}
		}
		if (s.workloads().contains("enqueue")) {
			for (int batch : s.enqueueBatches()) {
				cases.add(new SuiteCase("enqueue", "enqueue", params("batch", batch, "seconds", s.enqueueSeconds()),
						setup, seconds(s.enqueueSeconds() + 120)));
			}
		}
		if (s.workloads().contains("drain")) {
			for (int concurrency : s.drainConcurrency()) {
				cases.add(new SuiteCase("drain", "drain", params("jobs", s.drainJobs(), "concurrency", concurrency,
						"max-seconds", s.drainMaxSeconds(), "warmup-jobs", s.drainWarmupJobs()), setup,
						seconds(s.drainMaxSeconds() + 120)));
			}
		}
		if (s.workloads().contains("drain-completed")) {
			// a pair: the same drain without and with the finished rows, run back to back (see casesOfRound)
			for (int rows : List.of(0, s.completedRows())) {
				cases.add(new SuiteCase("drain", "drain-completed", params("jobs", s.drainJobs(), "concurrency",
						s.completedRowsConcurrency(), "max-seconds", s.completedRowsSeconds(), "warmup-jobs",
						s.drainWarmupJobs(), "completed-rows", rows),
						setup, seconds(s.completedRowsSeconds() + 120)));
			}
		}
		if (s.workloads().contains("latency")) {
			cases.add(new SuiteCase("latency", "latency",
					params("samples", s.latencySamples(), "pause-ms", s.latencyPauseMillis()), setup,
					seconds(s.latencySamples() * (s.latencyPauseMillis() + 50) / 1000 + 120)));
		}
		if (s.workloads().contains("steady")) {
			cases.add(new SuiteCase("steady", "steady", params("rate", s.steadyRate(), "seconds", s.steadySeconds()),
					setup, seconds(2 * s.steadySeconds() + 120)));
		}
		if (s.workloads().contains("idle")) {
			cases.add(new SuiteCase("idle", "idle", params("seconds", s.idleSeconds()), setup,
					seconds(s.idleSeconds() + 120)));
		}
		if (s.pollMillis() != null) {
			cases.replaceAll((c) -> {
				Map<String, String> withPoll = new LinkedHashMap<>(c.params());
				withPoll.put("poll-ms", s.pollMillis());
				return new SuiteCase(c.workload(), c.group(), withPoll, c.setupTimeout(), c.runTimeout());
			});
		}
		return cases;
	}

	/**
	 * The cases of one round. The drain over finished rows is the longest setup, so it runs in the first
	 * {@code completed-rows-rounds} rounds only; its pair (without, then with the rows) swaps order every
	 * other round, so that a drift of the machine's speed during a pair weighs on both sides alike.
	 */
	private List<SuiteCase> casesOfRound(List<SuiteCase> cases, int round) {
		List<SuiteCase> pair = cases.stream().filter((c) -> c.group().equals("drain-completed")).toList();
		List<SuiteCase> roundCases = new ArrayList<>(cases);
		roundCases.removeAll(pair);
		if (!pair.isEmpty() && round <= this.settings.completedRowsRounds()) {
			List<SuiteCase> ordered = new ArrayList<>(pair);
			if (round % 2 == 0) {
				Collections.reverse(ordered);
			}
			roundCases.addAll(cases.indexOf(pair.get(0)), ordered);
		}
		return roundCases;
	}

	private static Map<String, String> params(Object... pairs) {
		Map<String, String> params = new LinkedHashMap<>();
		for (int i = 0; i < pairs.length; i += 2) {
			params.put((String) pairs[i], String.valueOf(pairs[i + 1]));
		}
		return params;
	}

	private static Duration seconds(long seconds) {
		return Duration.ofSeconds(seconds);
	}

	// ------------------------------------------------------------------ participants

	private @Nullable Participant participant(String library) {
		String java = System.getProperty("bench.suite.java." + library, "").trim();
		if (java.isEmpty()) {
			java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		}
		if (library.equals(DbosSpringPeer.PEER)) {
			return new Participant(library, java,
					List.of("-cp", System.getProperty("java.class.path"), DbosSpringPeer.class.getName()));
		}
		Path jar = jar(library);
		return Files.isRegularFile(jar) ? new Participant(library, java, List.of("-jar", jar.toString())) : null;
	}

	private Path jar(String library) {
		String jar = System.getProperty("bench.suite.jar." + library, "").trim();
		return jar.isEmpty() ? this.settings.peersDirectory().resolve(library).resolve("target").resolve("peer.jar")
				: Path.of(jar);
	}

	// ------------------------------------------------------------------ raw limit

	/**
	 * The raw limit of this round on a fresh database: one-row {@code INSERT} + commit in
	 * autocommit on 1 connection, then on N connections at once (one thread each).
	 */
	private RawLimit rawLimit(int round) throws Exception {
		try (BenchmarkDatabase database = BenchmarkDatabase.recreate(this.settings.serverUrl(), DATABASE_NAME)) {
			new RawCommitPhase(database.url()).createTable();
			double one = rawCommits(database.url(), 1);
			double many = rawCommits(database.url(), this.settings.rawConnections());
			RawLimit limit = new RawLimit(round, one, many, this.settings.rawConnections());
			log(String.format(Locale.ROOT, "Round %d raw limit: %.3f ms/commit, %.0f commits/s on 1 connection; "
					+ "%.0f commits/s on %d connections", round, limit.millisPerCommit(), one, many,
					this.settings.rawConnections()));
			return limit;
		}
	}

	/**
	 * The raw commit on one connection, measured on a run's own database while no JVM of a
	 * library runs.
	 * @return milliseconds per commit
	 */
	private double bracketingRawCommit(String url) throws Exception {
		return 1000 / rawCommits(url, 1, STEP_RAW_SECONDS);
	}

	private double rawCommits(String url, int connections) throws Exception {
		return rawCommits(url, connections, this.settings.rawSeconds());
	}

	private double rawCommits(String url, int connections, long seconds) throws Exception {
		long nanos = seconds * 1_000_000_000L;
		// warm-up: a fifth of the time, not counted
		runRaw(url, connections, nanos / 5);
		return runRaw(url, connections, nanos);
	}

	private double runRaw(String url, int connections, long nanos) throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(connections);
		CountDownLatch ready = new CountDownLatch(connections);
		CountDownLatch go = new CountDownLatch(1);
		try {
			List<Future<long[]>> results = new ArrayList<>();
			for (int t = 0; t < connections; t++) {
				// each thread its own range of ids
				long base = this.nextRawId.getAndAdd(1_000_000_000L);
				results.add(threads.submit(() -> {
					try (Connection connection = BenchmarkDatabase.connect(url);
							PreparedStatement insert = connection
								.prepareStatement("INSERT INTO raw_commit (id, note) VALUES (?, ?)")) {
						connection.setAutoCommit(true);
						ready.countDown();
						go.await();
						long start = System.nanoTime();
						long deadline = start + nanos;
						long count = 0;
						long now;
						do {
							insert.setLong(1, base + count);
							insert.setString(2, "x");
							insert.executeUpdate();
							count++;
							now = System.nanoTime();
						}
						while (now < deadline);
						return new long[] { count, now - start };
					}
				}));
			}
			ready.await();
			go.countDown();
			double rate = 0;
			for (Future<long[]> result : results) {
				long[] counted = result.get();
				rate += counted[0] * 1e9 / counted[1];
			}
			return rate;
		}
		finally {
			threads.shutdownNow();
		}
	}

	/**
	 * The raw commit limit measured at the start of one round.
	 *
	 * @param round the round
	 * @param commitsPerSecond commits per second on one connection
	 * @param commitsPerSecondMany commits per second on {@code connections} connections
	 * @param connections the connections of the second figure
	 */
	record RawLimit(int round, double commitsPerSecond, double commitsPerSecondMany, int connections) {

		double millisPerCommit() {
			return 1000 / this.commitsPerSecond;
		}

	}

	// ------------------------------------------------------------------ environment

	private Map<String, String> environment(BenchmarkDatabase database) throws Exception {
		Map<String, String> details = new LinkedHashMap<>();
		details.put("Machine", Runtime.getRuntime().availableProcessors() + " cores (" + StepOverheadBenchmark.cpuModel()
				+ "), " + memory() + " memory, " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
		details.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
				+ " (this JVM and every child unless bench.suite.java.<library> says otherwise); children run with "
				+ String.join(" ", this.settings.jvmOptions()));
		for (String library : this.settings.libraries()) {
			String java = System.getProperty("bench.suite.java." + library, "").trim();
			if (!java.isEmpty()) {
				details.put("Java for " + library, java + " (" + javaVersion(java) + ")");
			}
		}
		details.put("PostgreSQL", database.serverVersion());
		details.put("Server settings (left as found)", String.join(", ", database.durabilitySettings()
			.entrySet()
			.stream()
			.map((setting) -> setting.getKey() + "=" + setting.getValue())
			.toList()));
		details.put("Server", StepOverheadBenchmark.withoutParameters(this.settings.serverUrl())
				+ "; database " + DATABASE_NAME + " dropped and created afresh for every run");
		return details;
	}

	private static String memory() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
				if (line.startsWith("MemTotal:")) {
					long kilobytes = Long.parseLong(line.replaceAll("\\D", ""));
					return String.format(Locale.ROOT, "%.1f GB", kilobytes / 1024.0 / 1024.0);
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			// below
		}
		return "unknown";
	}

	private static String javaVersion(String java) {
		try {
			Process process = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			process.waitFor();
			return output.lines().findFirst().orElse("?").trim();
		}
		catch (IOException | InterruptedException ex) {
			return "cannot run: " + ex.getMessage();
		}
	}

	static void log(String message) {
		System.err.println("[suite] " + message);
	}

	/**
	 * What to run, from system properties {@code bench.suite.*} (defaults in
	 * {@code benchmarks/pom.xml}), the environment and the arguments.
	 *
	 * @param serverUrl the server ({@code DBOS_BENCH_JDBC_URL})
	 * @param rounds rounds ({@code rounds}, 3)
	 * @param libraries libraries in their order of round 1 ({@code libraries})
	 * @param workloads workloads to run ({@code workloads})
	 * @param rawSeconds time of each raw commit measurement ({@code raw-seconds})
	 * @param rawConnections connections of the concurrent raw measurement ({@code raw-connections})
	 * @param steps steps per workflow ({@code steps})
	 * @param stepSeconds time per step-overhead run ({@code step-seconds})
	 * @param stepWarmupSeconds warm-up before READY of each step-overhead run ({@code step-warmup-seconds})
	 * @param enqueueBatches jobs per enqueue call ({@code enqueue-batches})
	 * @param enqueueSeconds time per enqueue run ({@code enqueue-seconds})
	 * @param drainJobs jobs enqueued before a drain ({@code drain-jobs})
	 * @param drainConcurrency concurrent executions of the drain runs ({@code drain-concurrency})
	 * @param drainMaxSeconds a drain's time limit ({@code drain-max-seconds})
	 * @param drainWarmupJobs jobs each drain's JVM drains the same way before the measured ones
	 * ({@code drain-warmup-jobs})
	 * @param completedRows finished rows in the tables for the drain-completed run ({@code completed-rows})
	 * @param completedRowsConcurrency its concurrency ({@code completed-rows-concurrency})
	 * @param completedRowsSeconds its time limit, and its paired drain's without the rows
	 * ({@code completed-rows-max-seconds})
	 * @param completedRowsRounds the rounds that run the pair, from the first ({@code completed-rows-rounds})
	 * @param latencySamples jobs of a latency run ({@code latency-samples})
	 * @param latencyPauseMillis pause between them ({@code latency-pause-ms})
	 * @param steadyRate jobs per second of the steady run ({@code steady-rate})
	 * @param steadySeconds its duration ({@code steady-seconds})
	 * @param idleSeconds time of the idle run ({@code idle-seconds})
	 * @param pollMillis {@code --poll-ms} for every run, or null ({@code poll-ms})
	 * @param jvmOptions options of every child JVM ({@code jvm-args} after the fixed heap)
	 * @param setupTimeout how long a child may take to be READY ({@code setup-timeout})
	 * @param settle the longest wait for the counters to settle at READY ({@code settle})
	 * @param resultsDirectory where the report goes (first argument)
	 * @param peersDirectory where the peer modules are (second argument; their jars are
	 * {@code <name>/target/peer.jar} unless {@code bench.suite.jar.<name>} says otherwise)
	 * @param logDirectory the children's output ({@code target/suite})
	 */
	record Settings(String serverUrl, int rounds, List<String> libraries, List<String> workloads, long rawSeconds,
			int rawConnections, List<Integer> steps, long stepSeconds, long stepWarmupSeconds, List<Integer> enqueueBatches,
			long enqueueSeconds, int drainJobs, List<Integer> drainConcurrency, long drainMaxSeconds,
			int drainWarmupJobs, int completedRows, int completedRowsConcurrency, long completedRowsSeconds,
			int completedRowsRounds, int latencySamples, long latencyPauseMillis, int steadyRate, long steadySeconds,
			long idleSeconds, @Nullable String pollMillis, List<String> jvmOptions, Duration setupTimeout,
			Duration settle, Path resultsDirectory, Path peersDirectory, Path logDirectory) {

		static Settings from(String[] args) {
			String serverUrl = System.getenv(StepOverheadBenchmark.SERVER_URL_VARIABLE);
			if (serverUrl == null || serverUrl.isBlank()) {
				serverUrl = StepOverheadBenchmark.DEFAULT_SERVER_URL;
			}
			List<String> workloads = list("workloads", String.join(",", WORKLOADS));
			for (String workload : workloads) {
				if (!WORKLOADS.contains(workload)) {
					throw new IllegalArgumentException("bench.suite.workloads: unknown workload '" + workload
							+ "'; known: " + WORKLOADS);
				}
			}
			List<String> jvmOptions = new ArrayList<>(List.of("-Xms512m", "-Xmx512m"));
			for (String option : property("jvm-args", "").trim().split("\\s+")) {
				if (!option.isEmpty()) {
					jvmOptions.add(option);
				}
			}
			String poll = property("poll-ms", "").trim();
			Settings settings = new Settings(serverUrl, positive("rounds", 3),
					list("libraries", String.join(",", LIBRARIES)), workloads, positive("raw-seconds", 5),
					positive("raw-connections", 10), integers("steps", "1,10,100"), positive("step-seconds", 3),
					positive("step-warmup-seconds", 10),
					integers("enqueue-batches", "1,100"), positive("enqueue-seconds", 3), positive("drain-jobs", 100_000),
					integers("drain-concurrency", "1,4,16,64"), positive("drain-max-seconds", 10),
					positive("drain-warmup-jobs", 10_000),
					positive("completed-rows", 1_000_000), positive("completed-rows-concurrency", 16),
					positive("completed-rows-max-seconds", 20), positive("completed-rows-rounds", 3),
					positive("latency-samples", 200),
					positive("latency-pause-ms", 20), positive("steady-rate", 250),
					positive("steady-seconds", 10), positive("idle-seconds", 10), poll.isEmpty() ? null : poll,
					List.copyOf(jvmOptions), Duration.ofSeconds(positive("setup-timeout", 900)),
					Duration.ofSeconds(positive("settle", 3)), Path.of((args.length > 0) ? args[0] : "results"),
					Path.of((args.length > 1) ? args[1] : "peers"), Path.of("target", "suite"));
			if (settings.rounds() < 3) {
				log("Only " + settings.rounds() + " rounds: the spread means little below 3");
			}
			return settings;
		}

		private static String property(String name, String defaultValue) {
			String value = System.getProperty("bench.suite." + name);
			return (value == null || value.isBlank()) ? defaultValue : value;
		}

		private static int positive(String name, int defaultValue) {
			int value = Integer.parseInt(property(name, Integer.toString(defaultValue)).trim());
			if (value < 1) {
				throw new IllegalArgumentException("bench.suite." + name + " must be at least 1");
			}
			return value;
		}

		private static List<String> list(String name, String defaultValue) {
			return Arrays.stream(property(name, defaultValue).split(","))
				.map(String::trim)
				.filter((item) -> !item.isEmpty())
				.toList();
		}

		private static List<Integer> integers(String name, String defaultValue) {
			List<Integer> values = list(name, defaultValue).stream().map(Integer::valueOf).toList();
			if (values.isEmpty() || values.stream().anyMatch((value) -> value < 1)) {
				throw new IllegalArgumentException("bench.suite." + name + " must list positive numbers");
			}
			return values;
		}

	}

}
