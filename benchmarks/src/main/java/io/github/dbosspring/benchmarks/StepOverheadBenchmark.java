package io.github.dbosspring.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;

import io.github.dbosspring.benchmarks.NoOpWorkflowApplication.NoOpWorkflows;
import io.github.dbosspring.benchmarks.StepOverheadReport.RunEnvironment;
import io.github.dbosspring.workflow.Dbos;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Measures what a workflow step's checkpoint costs compared with one raw PostgreSQL
 * commit, on one freshly created database.
 *
 * <p>Phases: a raw JDBC {@code INSERT} + commit loop on one connection, and inline
 * workflows of 1, 10 and 100 no-op steps run one after another from one thread. After
 * warm-up rounds, every measured round runs each phase for a fixed time, closing all
 * connections to the benchmark database afterwards so that the server publishes their
 * commit and WAL counts. Per-step overhead is {@code (t(100) - t(1)) / 99} per round.
 *
 * <p>Configured by system properties {@code bench.iterations} (measured rounds, default
 * 9), {@code bench.warmup-iterations} (default 2) and {@code bench.iteration-time} (per
 * phase and round, default 2s), and the environment variable {@code DBOS_BENCH_JDBC_URL}
 * (the server; default {@value #DEFAULT_SERVER_URL}). The first argument is the results
 * directory.
 *
 * <pre class="code">
 * ./mvnw -Pbenchmarks -pl benchmarks -am -Dmaven.test.skip=true verify -Dbench.iterations=5
 * </pre>
 *
 * @since 0.1.0
 */
public final class StepOverheadBenchmark {

	/** Environment variable naming the PostgreSQL server. */
	public static final String SERVER_URL_VARIABLE = "DBOS_BENCH_JDBC_URL";

	static final String DEFAULT_SERVER_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

	static final String DATABASE_NAME = "dbos_bench";

	static final List<Integer> STEP_COUNTS = List.of(1, 10, 100);

	static final int POOL_SIZE = 4;

	static final int POOL_MINIMUM_IDLE = 1;

	private final Settings settings;

	private StepOverheadBenchmark(Settings settings) {
		this.settings = settings;
	}

	public static void main(String[] args) throws Exception {
		Settings settings = Settings.from(args);
		new StepOverheadBenchmark(settings).run();
	}

	private void run() throws Exception {
		ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC).withNano(0);
		String loadAtStart = loadAverage();
		log("Recreating database " + DATABASE_NAME + " on " + withoutParameters(this.settings.serverUrl()));
		List<Phase> phases = new ArrayList<>();
		List<Measurement> measurements = new ArrayList<>();
		Map<String, String> details;
		try (BenchmarkDatabase database = BenchmarkDatabase.recreate(this.settings.serverUrl(), DATABASE_NAME)) {
			details = environment(database);
			RawCommitPhase raw = new RawCommitPhase(database.url());
			raw.createTable();
			phases.add(raw);
			try (ConfigurableApplicationContext context = startApplication(database.url())) {
				Dbos dbos = context.getBean(Dbos.class);
				NoOpWorkflows workflows = context.getBean(NoOpWorkflows.class);
				for (int steps : STEP_COUNTS) {
					phases.add(new NoOpWorkflowPhase(dbos, workflows, steps));
				}
				HikariDataSource pool = context.getBean(HikariDataSource.class);
				PhaseRunner runner = new PhaseRunner(database, pool, this.settings.iterationTime());
				for (int round = 1; round <= this.settings.warmupIterations(); round++) {
					for (Phase phase : phases) {
						Measurement measurement = runner.measure(round, phase);
						log(describe("warm-up", round, this.settings.warmupIterations(), measurement));
					}
				}
				for (int round = 1; round <= this.settings.iterations(); round++) {
					for (Phase phase : phases) {
						Measurement measurement = runner.measure(round, phase);
						measurements.add(measurement);
						log(describe("round", round, this.settings.iterations(), measurement));
					}
				}
			}
		}
		details.put("Load average (1, 5, 15 min)", loadAtStart + " at start, " + loadAverage()
				+ " at end (other processes share the cores)");
		String rounds = String.format(Locale.ROOT,
				"%d warm-up and %d measured rounds; each round runs every phase for %s, in the order %s",
				this.settings.warmupIterations(), this.settings.iterations(),
				DurationStyle.SIMPLE.print(this.settings.iterationTime()),
				String.join(", ", phases.stream().map(Phase::key).toList()));
		StepOverheadReport report = new StepOverheadReport(new RunEnvironment(started, details, rounds), phases,
				measurements);
		String markdown = report.markdown();
		System.out.println();
		System.out.println(markdown);
		for (Path file : report.write(this.settings.resultsDirectory())) {
			log("Wrote " + file);
		}
	}

	private Map<String, String> environment(BenchmarkDatabase database) throws Exception {
		Map<String, String> details = new LinkedHashMap<>();
		details.put("Machine", Runtime.getRuntime().availableProcessors() + " cores (" + cpuModel() + "), "
				+ System.getProperty("os.name") + " " + System.getProperty("os.arch"));
		details.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
				+ ", heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MB");
		details.put("PostgreSQL", database.serverVersion());
		details.put("Server settings (left as found)", String.join(", ", database.durabilitySettings()
			.entrySet()
			.stream()
			.map((setting) -> setting.getKey() + "=" + setting.getValue())
			.toList()));
		details.put("Raw phase", "plain JDBC, 1 connection, autocommit, statement prepared once, "
				+ "INSERT INTO raw_commit (id bigint PRIMARY KEY, note text) with increasing ids");
		details.put("Workflow phases", "Spring Boot app with the starter (no web), Hikari maximum-pool-size "
				+ POOL_SIZE + " and minimum-idle " + POOL_MINIMUM_IDLE + "; dbos.run(WorkflowOptions.withId(random "
				+ "UUID), ...) from one thread; dbos.recovery.enabled=false and a 60s heartbeat so that the counts "
				+ "hold only the workflows' own commits");
		details.put("Counters", "pg_stat_database.xact_commit of " + DATABASE_NAME + " and pg_stat_wal.wal_bytes "
				+ "(whole server), read after closing every connection to " + DATABASE_NAME);
		return details;
	}

	private ConfigurableApplicationContext startApplication(String url) {
		log("Starting the application");
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.datasource.url", url);
		properties.put("spring.datasource.hikari.pool-name", "bench");
		properties.put("spring.datasource.hikari.maximum-pool-size", POOL_SIZE);
		properties.put("spring.datasource.hikari.minimum-idle", POOL_MINIMUM_IDLE);
		properties.put("dbos.executor-id", "bench");
		properties.put("dbos.recovery.enabled", false);
		properties.put("dbos.recovery.heartbeat-interval", "60s");
		properties.put("dbos.recovery.executor-timeout", "120s");
		// no queue worker: its LISTEN connection never closes and its polls would add commits
		properties.put("dbos.worker.enabled", false);
		properties.put("logging.level.root", "WARN");
		return new SpringApplicationBuilder(NoOpWorkflowApplication.class).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties(properties)
			.run();
	}

	private static String describe(String kind, int round, int rounds, Measurement measurement) {
		return String.format(Locale.ROOT, "%s %d/%d %-13s %6d ops %8.3f ms/op, CPU ms/op %6.3f client %6.3f server, %7.2f commits/op %6.0f WAL B/op",
				kind, round, rounds, measurement.phase(), measurement.operations(), measurement.millisPerOperation(),
				measurement.cpuMillisPerOperation(), measurement.serverCpuMillisPerOperation(),
				measurement.commitsPerOperation(),
				measurement.walBytesPerOperation());
	}

	static String cpuModel() {
		try {
			return Files.readAllLines(Path.of("/proc/cpuinfo"))
				.stream()
				.filter((line) -> line.startsWith("model name"))
				.map((line) -> line.substring(line.indexOf(':') + 1).trim())
				.findFirst()
				.orElse("unknown CPU");
		}
		catch (IOException ex) {
			return "unknown CPU";
		}
	}

	static String loadAverage() {
		try {
			String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return String.join(" ", fields[0], fields[1], fields[2]);
		}
		catch (IOException | RuntimeException ex) {
			return "unknown";
		}
	}

	static String withoutParameters(String url) {
		int query = url.indexOf('?');
		return (query >= 0) ? url.substring(0, query) : url;
	}

	static void log(String message) {
		System.err.println("[bench] " + message);
	}

	/**
	 * What to run, from system properties, the environment and the arguments.
	 */
	record Settings(String serverUrl, int iterations, int warmupIterations, Duration iterationTime,
			Path resultsDirectory) {

		static Settings from(String[] args) {
			String serverUrl = System.getenv(SERVER_URL_VARIABLE);
			if (serverUrl == null || serverUrl.isBlank()) {
				serverUrl = DEFAULT_SERVER_URL;
			}
			int iterations = Integer.getInteger("bench.iterations", 9);
			int warmupIterations = Integer.getInteger("bench.warmup-iterations", 2);
			Duration iterationTime = DurationStyle.detectAndParse(System.getProperty("bench.iteration-time", "2s"));
			if (iterations < 1 || warmupIterations < 0 || iterationTime.isNegative() || iterationTime.isZero()) {
				throw new IllegalArgumentException("bench.iterations must be at least 1, bench.warmup-iterations "
						+ "at least 0 and bench.iteration-time positive");
			}
			if (iterations < 5) {
				log("Only " + iterations + " measured rounds: the spread means little below 5");
			}
			Path results = Path.of((args.length > 0) ? args[0] : "results");
			return new Settings(serverUrl, iterations, warmupIterations, iterationTime, results);
		}

	}

}
