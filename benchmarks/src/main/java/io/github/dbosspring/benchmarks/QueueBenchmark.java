package io.github.dbosspring.benchmarks;

import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.zaxxer.hikari.HikariDataSource;
import org.jspecify.annotations.Nullable;

import io.github.dbosspring.benchmarks.BenchmarkDatabase.Counters;
import io.github.dbosspring.benchmarks.NoOpWorkflowApplication.NoOpWorkflows;
import io.github.dbosspring.benchmarks.QueueReport.DrainRound;
import io.github.dbosspring.benchmarks.StepOverheadReport.RunEnvironment;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.EnqueueRequest;
import io.github.dbosspring.workflow.Dbos;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Measures the durable queue against the raw PostgreSQL commit, each part on a freshly
 * created database whose raw one-row {@code INSERT} + commit is measured first in every
 * round:
 * <ol>
 * <li>enqueue throughput: {@code dbos.enqueue} (one transaction per job) and
 * {@code dbos.enqueueAll} (one transaction per batch), no worker running;</li>
 * <li>drain throughput: jobs of one no-op step, all enqueued before the workers start,
 * drained by 1 or 2 worker JVMs of 1 or 4 threads ({@code dbos.worker.concurrency}),
 * timed from the first job's {@code started_at} to the last one's {@code completed_at}
 * (database clock);</li>
 * <li>enqueue-to-start latency on an idle worker JVM, one job at a time enqueued from
 * this JVM, with notifications on and off ({@code started_at - created_at}).</li>
 * </ol>
 *
 * <p>Configured by system properties {@code bench.queue.*} (see {@link Settings}) and the
 * environment variable {@code DBOS_BENCH_JDBC_URL}. The first argument is the results
 * directory; it gets {@code queue-latest.md}, {@code queue-latest.csv},
 * {@code queue-latest-measurements.csv} and dated copies.
 *
 * @since 0.2.0
 */
public final class QueueBenchmark {

	static final String QUEUE = "jobs";

	static final int POOL_SIZE = 4;

	/** Connections of a drain worker's pool besides one per worker thread. */
	static final int WORKER_POOL_EXTRA = 3;

	private static final Duration WORKER_START_TIMEOUT = Duration.ofSeconds(120);

	private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);

	private static final String DRAIN_WORKER = "drain-worker-";

	private static final Duration POLL_INTERVAL = Duration.ofMillis(50);

	// every DBOS table but the schema history and the executors
	private static final String DBOS_TABLES = """
			SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') FROM pg_tables
			WHERE schemaname = 'dbos' AND tablename NOT IN ('dbos_schema_history', 'executors')""";

	// cheap (two index probes) so that polling every 50 ms costs the server next to nothing
	private static final String ANY_UNFINISHED = """
			SELECT EXISTS (SELECT 1 FROM dbos.workflow_status WHERE status = 'ENQUEUED' AND queue_name = ?)
				OR EXISTS (SELECT 1 FROM dbos.workflow_status WHERE status = 'PENDING' AND queue_name = ?)""";

	// a scan: only every few seconds, to notice a drain that makes no progress
	private static final String UNFINISHED = """
			SELECT count(*) FROM dbos.workflow_status WHERE status IN ('ENQUEUED', 'PENDING') AND queue_name = ?""";

	private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);

	private static final String DRAINED = """
			SELECT count(*) FILTER (WHERE status = 'SUCCESS'),
				(extract(epoch FROM max(completed_at) - min(started_at)) * 1e9)::bigint,
				string_agg(DISTINCT status, ',')
			FROM dbos.workflow_status WHERE queue_name = ?""";

	private static final String PER_EXECUTOR = """
			SELECT executor_id, count(*) FROM dbos.workflow_status WHERE queue_name = ?
			GROUP BY executor_id ORDER BY executor_id""";

	private static final String LATENCIES = """
			SELECT status, extract(epoch FROM started_at - created_at) * 1000
			FROM dbos.workflow_status WHERE workflow_id = ANY (?)""";

	private final Settings settings;

	private final Path logDirectory = Path.of("target", "queue-benchmark");

	private final List<Measurement> measurements = new ArrayList<>();

	private final List<DrainRound> drains = new ArrayList<>();

	private final List<LatencyRound> latencies = new ArrayList<>();

	private final Map<String, String> details = new LinkedHashMap<>();

	private QueueBenchmark(Settings settings) {
		this.settings = settings;
	}

	public static void main(String[] args) throws Exception {
		new QueueBenchmark(Settings.from(args)).run();
	}

	private void run() throws Exception {
		ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC).withNano(0);
		long startNanos = System.nanoTime();
		String loadAtStart = StepOverheadBenchmark.loadAverage();
		enqueueThroughput();
		drainThroughput();
		enqueueToStartLatency(true);
		enqueueToStartLatency(false);
		this.details.put("Load average (1, 5, 15 min)", loadAtStart + " at start, "
				+ StepOverheadBenchmark.loadAverage() + " at end (other processes share the cores)");
		this.details.put("Duration", String.format(Locale.ROOT, "%.0f s for the whole queue benchmark",
				(System.nanoTime() - startNanos) / 1e9));
		QueueReport report = new QueueReport(new RunEnvironment(started, this.details, describeRounds()),
				this.settings, this.measurements, this.drains, this.latencies);
		String markdown = report.markdown();
		System.out.println();
		System.out.println(markdown);
		for (Path file : report.write(this.settings.resultsDirectory())) {
			log("Wrote " + file);
		}
	}

	// ------------------------------------------------------------------ 1. enqueue

	private void enqueueThroughput() throws Exception {
		try (BenchmarkDatabase database = recreate("enqueue throughput")) {
			RawCommitPhase raw = new RawCommitPhase(database.url());
			raw.createTable();
			try (ConfigurableApplicationContext context = startProducer(database.url())) {
				Dbos dbos = context.getBean(Dbos.class);
				NoOpWorkflows workflows = context.getBean(NoOpWorkflows.class);
				List<Phase> phases = List.of(raw, new EnqueuePhase(dbos, workflows, QUEUE, 1),
						new EnqueuePhase(dbos, workflows, QUEUE, this.settings.batchSize()));
				PhaseRunner runner = new PhaseRunner(database, context.getBean(HikariDataSource.class),
						this.settings.iterationTime());
				for (Round round : rounds(this.settings.iterations())) {
					for (Phase phase : phases) {
						if (phase != raw) {
							resetQueueTables(database);
						}
						Measurement measurement = rekey(runner.measure(round.number(), phase), "enqueue/" + phase.key());
						log(String.format(Locale.ROOT,
								"%s enqueue %-18s %7d jobs %8.4f ms/job %7.0f jobs/s, %5.2f commits/job %6.0f WAL B/job",
								round, phase.key(), measurement.operations(), measurement.millisPerOperation(),
								measurement.operationsPerSecond(), measurement.commitsPerOperation(),
								measurement.walBytesPerOperation()));
						if (!round.warmup()) {
							this.measurements.add(measurement);
						}
					}
				}
			}
		}
	}

	// ------------------------------------------------------------------ 2. drain

	/**
	 * Starts the worker JVMs once, warms them up with one large drain, and then measures
	 * every layout with (the first ones of) the same JVMs, each layout on a fresh database
	 * with fresh applications in the JVMs: what the JIT compiled stays, as in a worker that
	 * has been running for a while.
	 */
	private void drainThroughput() throws Exception {
		int jvms = this.settings.layouts().stream().mapToInt(WorkerLayout::jvms).max().orElseThrow();
		int threads = this.settings.layouts().stream().mapToInt(WorkerLayout::threads).max().orElseThrow();
		List<WorkerJvm> workers = new ArrayList<>();
		try {
			for (int i = 1; i <= jvms; i++) {
				workers.add(WorkerJvm.start(DRAIN_WORKER + i, this.logDirectory));
			}
			for (WorkerJvm worker : workers) {
				worker.await("IDLE", WORKER_START_TIMEOUT);
			}
			if (this.settings.jvmWarmupJobs() > 0) {
				drainLayout(new WorkerLayout(jvms, threads), workers, true);
			}
			for (WorkerLayout layout : this.settings.layouts()) {
				drainLayout(layout, workers.subList(0, layout.jvms()), false);
			}
		}
		finally {
			for (WorkerJvm worker : workers) {
				worker.close();
			}
		}
	}

	private void drainLayout(WorkerLayout layout, List<WorkerJvm> workers, boolean jvmWarmup) throws Exception {
		String group = jvmWarmup ? "drain-jvm-warm-up" : layout.key();
		try (BenchmarkDatabase database = recreate("drain throughput, " + layout.description()
				+ (jvmWarmup ? " (warming up the worker JVMs)" : ""))) {
			RawCommitPhase raw = new RawCommitPhase(database.url());
			raw.createTable();
			try (ConfigurableApplicationContext context = startProducer(database.url())) {
				Dbos dbos = context.getBean(Dbos.class);
				NoOpWorkflows workflows = context.getBean(NoOpWorkflows.class);
				PhaseRunner runner = new PhaseRunner(database, context.getBean(HikariDataSource.class),
						this.settings.iterationTime());
				try {
					for (int i = 0; i < workers.size(); i++) {
						workers.get(i)
							.startApplication(workerProperties(database.url(), DRAIN_WORKER + (i + 1), layout.threads(),
									true, true));
					}
					for (WorkerJvm worker : workers) {
						worker.await("READY", WORKER_START_TIMEOUT);
					}
					List<Round> rounds = jvmWarmup ? List.of(new Round(1, true, 1))
							: rounds(this.settings.drainIterations());
					for (Round round : rounds) {
						int jobs = jvmWarmup ? this.settings.jvmWarmupJobs()
								: round.warmup() ? this.settings.warmupJobs() : this.settings.jobs();
						resetQueueTables(database);
						Measurement rawMeasurement = rekey(runner.measure(round.number(), raw), group + "/raw");
						long prefillStart = System.nanoTime();
						prefill(dbos, workflows, jobs);
						long prefillNanos = System.nanoTime() - prefillStart;
						DrainRound drain = drain(database, runner, workers, round, group, jobs, prefillNanos);
						log(String.format(Locale.ROOT,
								"%s %s raw %.3f ms/commit; %d jobs in %.3f s = %.0f jobs/s (%.3f ms/job = %.2fx raw), "
										+ "%.2f commits/job, %.2f write transactions/job, %.0f WAL B/job, worker CPU %.3f "
										+ "ms/job, server CPU %.3f ms/job; per worker: %s",
								round, group, rawMeasurement.millisPerOperation(), jobs,
								drain.measurement().elapsedNanos() / 1e9, drain.measurement().operationsPerSecond(),
								drain.measurement().millisPerOperation(),
								drain.measurement().millisPerOperation() / rawMeasurement.millisPerOperation(),
								drain.measurement().commitsPerOperation(),
								drain.measurement().transactionIdsPerOperation(),
								drain.measurement().walBytesPerOperation(),
								drain.measurement().cpuMillisPerOperation(),
								drain.measurement().serverCpuMillisPerOperation(), drain.jobsPerWorker()));
						if (!round.warmup()) {
							this.measurements.add(rawMeasurement);
							this.measurements.add(drain.measurement());
							this.drains.add(drain);
						}
					}
				}
				finally {
					// before the next part drops the database under them
					for (WorkerJvm worker : workers) {
						worker.send("CLOSE");
					}
					for (WorkerJvm worker : workers) {
						worker.await("CLOSED", WORKER_START_TIMEOUT);
					}
				}
			}
		}
	}

	private void prefill(Dbos dbos, NoOpWorkflows workflows, int jobs) {
		for (int start = 0; start < jobs; start += this.settings.batchSize()) {
			List<EnqueueRequest> batch = new ArrayList<>();
			for (int i = start; i < Math.min(jobs, start + this.settings.batchSize()); i++) {
				batch.add(EnqueueRequest.of(EnqueueOptions.queue(QUEUE), () -> workflows.run(1)));
			}
			dbos.enqueueAll(batch);
		}
	}

	/**
	 * Starts the (held) workers, waits until no job is left waiting or running, stops the
	 * workers and reads what the server counted meanwhile.
	 */
	private DrainRound drain(BenchmarkDatabase database, PhaseRunner runner, List<WorkerJvm> workers, Round round,
			String group, int jobs, long prefillNanos) throws Exception {
		Counters before = runner.settle();
		long queries = 0;
		long workerCpuStart = 0;
		long workerCpuEnd = 0;
		long wallNanos;
		long serverCpu;
		List<Integer> backends;
		try (Connection connection = BenchmarkDatabase.connect(database.url());
				PreparedStatement anyUnfinished = connection.prepareStatement(ANY_UNFINISHED);
				PreparedStatement unfinished = connection.prepareStatement(UNFINISHED)) {
			anyUnfinished.setString(1, QUEUE);
			anyUnfinished.setString(2, QUEUE);
			unfinished.setString(1, QUEUE);
			int pollPid;
			try (Statement statement = connection.createStatement();
					ResultSet rs = statement.executeQuery("SELECT pg_backend_pid()")) {
				rs.next();
				pollPid = rs.getInt(1);
			}
			queries++;
			// the server processes of the workers' connections (not this JVM's)
			List<Integer> own = database.backends();
			List<Integer> workerBackends = database.allBackends().stream().filter((pid) -> !own.contains(pid)).toList();
			Optional<Map<Integer, Long>> serverCpuBefore = BenchmarkDatabase.serverCpu(workerBackends);
			long start = System.nanoTime();
			for (WorkerJvm worker : workers) {
				worker.send("START");
			}
			for (WorkerJvm worker : workers) {
				workerCpuStart += WorkerJvm.field(worker.await("STARTED", ANSWER_TIMEOUT), "cpu");
			}
			long lastProgress = start;
			long nextProgressCheck = start + PROGRESS_INTERVAL.toNanos();
			long lastRemaining = Long.MAX_VALUE;
			while (true) {
				boolean any;
				try (ResultSet rs = anyUnfinished.executeQuery()) {
					rs.next();
					any = rs.getBoolean(1);
				}
				queries++;
				long now = System.nanoTime();
				if (!any) {
					wallNanos = now - start;
					break;
				}
				if (now - nextProgressCheck >= 0) {
					long remaining;
					try (ResultSet rs = unfinished.executeQuery()) {
						rs.next();
						remaining = rs.getLong(1);
					}
					queries++;
					nextProgressCheck = now + PROGRESS_INTERVAL.toNanos();
					if (remaining < lastRemaining) {
						lastRemaining = remaining;
						lastProgress = now;
					}
					else if (now - lastProgress > this.settings.stallTimeout().toNanos()) {
						throw new IllegalStateException(group + ": " + remaining + " of " + jobs + " jobs still "
								+ "waiting or running, and none finished in the last " + this.settings.stallTimeout()
								+ "; see the worker logs in " + this.logDirectory.toAbsolutePath());
					}
				}
				LockSupport.parkNanos(POLL_INTERVAL.toNanos());
			}
			List<Integer> all = database.allBackends();
			List<Integer> workersAfter = all.stream().filter((pid) -> !own.contains(pid)).toList();
			serverCpu = PhaseRunner.serverCpuSince(serverCpuBefore, BenchmarkDatabase.serverCpu(workersAfter));
			for (WorkerJvm worker : workers) {
				worker.send("STOP");
			}
			for (WorkerJvm worker : workers) {
				workerCpuEnd += WorkerJvm.field(worker.await("STOPPED", ANSWER_TIMEOUT), "cpu");
			}
			// to be closed: the workers' connections and the polling one (not the producer's idle one)
			backends = new ArrayList<>(workersAfter);
			backends.add(pollPid);
		}
		Counters used = database.awaitExit(backends).minus(before);
		long successes;
		long spanNanos;
		String statuses;
		Map<String, Long> perWorker = new LinkedHashMap<>();
		try (Connection connection = BenchmarkDatabase.connect(database.url())) {
			try (PreparedStatement statement = connection.prepareStatement(DRAINED)) {
				statement.setString(1, QUEUE);
				try (ResultSet rs = statement.executeQuery()) {
					rs.next();
					successes = rs.getLong(1);
					spanNanos = rs.getLong(2);
					statuses = rs.getString(3);
				}
			}
			try (PreparedStatement statement = connection.prepareStatement(PER_EXECUTOR)) {
				statement.setString(1, QUEUE);
				try (ResultSet rs = statement.executeQuery()) {
					while (rs.next()) {
						perWorker.put(rs.getString(1), rs.getLong(2));
					}
				}
			}
		}
		if (successes != jobs) {
			throw new IllegalStateException(group + ": " + successes + " of " + jobs + " jobs ended in SUCCESS "
					+ "(statuses: " + statuses + "); see the worker logs in " + this.logDirectory.toAbsolutePath());
		}
		// the polling queries above were read-only transactions in the benchmark database
		Measurement measurement = new Measurement(round.number(), group + "/drain", 1, jobs, spanNanos,
				workerCpuEnd - workerCpuStart, serverCpu, used.commits() - queries, used.walBytes(),
				used.transactionIds());
		return new DrainRound(measurement, wallNanos, prefillNanos, perWorker.toString().replace(", ", " "));
	}

	// ------------------------------------------------------------------ 3. latency

	private void enqueueToStartLatency(boolean notifications) throws Exception {
		String group = notifications ? "latency-notifications" : "latency-polling";
		try (BenchmarkDatabase database = recreate("enqueue-to-start latency, notifications "
				+ (notifications ? "on" : "off"))) {
			RawCommitPhase raw = new RawCommitPhase(database.url());
			raw.createTable();
			try (ConfigurableApplicationContext context = startProducer(database.url());
					WorkerJvm worker = WorkerJvm.start(group + "-worker", this.logDirectory)) {
				worker.await("IDLE", WORKER_START_TIMEOUT);
				worker.startApplication(workerProperties(database.url(), group + "-worker", null, notifications, false));
				Dbos dbos = context.getBean(Dbos.class);
				NoOpWorkflows workflows = context.getBean(NoOpWorkflows.class);
				PhaseRunner runner = new PhaseRunner(database, context.getBean(HikariDataSource.class),
						this.settings.iterationTime());
				worker.await("READY", WORKER_START_TIMEOUT);
				for (Round round : rounds(this.settings.iterations())) {
					resetQueueTables(database);
					Measurement rawMeasurement = rekey(runner.measure(round.number(), raw), group + "/raw");
					List<String> ids = new ArrayList<>();
					long pause = this.settings.latencyPause().toNanos();
					for (int i = 0; i < this.settings.latencySamples(); i++) {
						String id = group + "-" + round.number() + (round.warmup() ? "w" : "") + "-" + i;
						dbos.enqueue(EnqueueOptions.queue(QUEUE).withWorkflowId(id), () -> workflows.run(1));
						ids.add(id);
						// uniform in [pause/2, 3*pause/2]: enqueues fall at every phase of the poll cycle
						LockSupport.parkNanos(pause / 2 + ThreadLocalRandom.current().nextLong(pause + 1));
					}
					LatencyRound latency = new LatencyRound(round.number(), group + "/latency",
							awaitLatencies(database, ids, group));
					log(String.format(Locale.ROOT,
							"%s %s raw %.3f ms/commit; %d jobs: enqueue-to-start p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, "
									+ "max %.2f ms",
							round, group, rawMeasurement.millisPerOperation(), latency.millis().length,
							latency.percentile(50), latency.percentile(90), latency.percentile(99), latency.max()));
					if (!round.warmup()) {
						this.measurements.add(rawMeasurement);
						this.latencies.add(latency);
					}
				}
			}
		}
	}

	private double[] awaitLatencies(BenchmarkDatabase database, List<String> ids, String group) throws Exception {
		long deadline = System.nanoTime() + this.settings.stallTimeout().toNanos();
		try (Connection connection = BenchmarkDatabase.connect(database.url());
				PreparedStatement statement = connection.prepareStatement(LATENCIES)) {
			Array array = connection.createArrayOf("text", ids.toArray());
			statement.setArray(1, array);
			while (true) {
				List<Double> millis = new ArrayList<>();
				List<String> statuses = new ArrayList<>();
				try (ResultSet rs = statement.executeQuery()) {
					while (rs.next()) {
						statuses.add(rs.getString(1));
						millis.add(rs.getDouble(2));
					}
				}
				if (statuses.size() == ids.size() && statuses.stream().allMatch("SUCCESS"::equals)) {
					return millis.stream().mapToDouble(Double::doubleValue).toArray();
				}
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException(group + ": of " + ids.size() + " jobs, " + statuses.size()
							+ " exist and " + statuses.stream().filter("SUCCESS"::equals).count()
							+ " succeeded after " + this.settings.stallTimeout() + "; see the worker log in "
							+ this.logDirectory.toAbsolutePath());
				}
				TimeUnit.MILLISECONDS.sleep(50);
			}
		}
	}

	// ------------------------------------------------------------------ helpers

	private BenchmarkDatabase recreate(String purpose) throws Exception {
		log("Recreating database " + StepOverheadBenchmark.DATABASE_NAME + " on "
				+ StepOverheadBenchmark.withoutParameters(this.settings.serverUrl()) + " for " + purpose);
		BenchmarkDatabase database = BenchmarkDatabase.recreate(this.settings.serverUrl(),
				StepOverheadBenchmark.DATABASE_NAME);
		if (this.details.isEmpty()) {
			environment(database);
		}
		return database;
	}

	/**
	 * Empties the DBOS tables (new files, empty indexes) and runs a checkpoint, so that
	 * every round starts from the same state and no timed checkpoint falls into it.
	 */
	private static void resetQueueTables(BenchmarkDatabase database) throws Exception {
		int pid;
		try (Connection connection = BenchmarkDatabase.connect(database.url());
				Statement statement = connection.createStatement()) {
			try (ResultSet rs = statement.executeQuery("SELECT pg_backend_pid()")) {
				rs.next();
				pid = rs.getInt(1);
			}
			String tables;
			try (ResultSet rs = statement.executeQuery(DBOS_TABLES)) {
				rs.next();
				tables = rs.getString(1);
			}
			statement.execute("TRUNCATE " + tables);
		}
		database.awaitExit(List.of(pid));
		database.checkpoint();
	}

	private ConfigurableApplicationContext startProducer(String url) {
		Map<String, Object> properties = commonProperties(url);
		properties.put("spring.datasource.hikari.pool-name", "bench");
		properties.put("spring.datasource.hikari.maximum-pool-size", POOL_SIZE);
		properties.put("spring.datasource.hikari.minimum-idle", 1);
		properties.put("dbos.executor-id", "bench");
		// this JVM only enqueues
		properties.put("dbos.worker.enabled", false);
		return new SpringApplicationBuilder(NoOpWorkflowApplication.class).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties(properties)
			.run();
	}

	private static Map<String, Object> workerProperties(String url, String name, @Nullable Integer concurrency,
			boolean notifications, boolean hold) {
		Map<String, Object> properties = commonProperties(
				BenchmarkDatabase.withParameter(url, "ApplicationName", BenchmarkDatabase.WORKER_APPLICATION_NAME
						+ "-" + name));
		properties.put("spring.datasource.hikari.pool-name", name);
		properties.put("dbos.executor-id", name);
		if (concurrency != null) {
			properties.put("dbos.worker.concurrency", concurrency);
			// a fixed pool: one connection per worker thread, the dispatcher, the listener and the heartbeat
			properties.put("spring.datasource.hikari.maximum-pool-size", concurrency + WORKER_POOL_EXTRA);
			properties.put("spring.datasource.hikari.minimum-idle", concurrency + WORKER_POOL_EXTRA);
		}
		properties.put("dbos.worker.notifications", notifications);
		properties.put("dbos.worker.queues", QUEUE);
		properties.put("bench.queue", QUEUE);
		properties.put("bench.hold", hold);
		return properties;
	}

	private static Map<String, Object> commonProperties(String url) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.datasource.url", url);
		// on a shared server other clients may hold every connection slot for a while
		properties.put("spring.datasource.hikari.initialization-fail-timeout",
				BenchmarkDatabase.CONNECT_TIMEOUT.toMillis());
		// declares the queue with the default settings (no limits)
		properties.put("dbos.queues." + QUEUE + ".priority-enabled", false);
		properties.put("dbos.recovery.enabled", false);
		properties.put("dbos.recovery.heartbeat-interval", "60s");
		properties.put("dbos.recovery.executor-timeout", "120s");
		properties.put("logging.level.root", "WARN");
		return properties;
	}

	private void environment(BenchmarkDatabase database) throws Exception {
		this.details.put("Machine", Runtime.getRuntime().availableProcessors() + " cores ("
				+ StepOverheadBenchmark.cpuModel() + "), " + System.getProperty("os.name") + " "
				+ System.getProperty("os.arch"));
		this.details.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
				+ ", heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MB in this JVM, "
				+ String.join(" ", WorkerJvm.JVM_OPTIONS) + " in each worker JVM");
		this.details.put("PostgreSQL", database.serverVersion());
		this.details.put("Server settings (left as found)", String.join(", ", database.durabilitySettings()
			.entrySet()
			.stream()
			.map((setting) -> setting.getKey() + "=" + setting.getValue())
			.toList()));
		this.details.put("Databases", "database " + StepOverheadBenchmark.DATABASE_NAME + " dropped and created "
				+ "afresh for each part (enqueue; each worker layout; each latency mode); every round starts with "
				+ "TRUNCATE of the DBOS tables (all but the schema history and the executors) and a CHECKPOINT");
		this.details.put("Raw commit", "plain JDBC, 1 connection, autocommit, statement prepared once, "
				+ "INSERT INTO raw_commit (id bigint PRIMARY KEY, note text), for " + print(this.settings.iterationTime())
				+ " at the start of every round, on the same database");
		this.details.put("Jobs", "@Workflow calling one no-op @Step on another bean (NoOpWorkflowApplication, "
				+ "run(1)); queue '" + QUEUE + "' declared with the defaults (no concurrency or rate limit); "
				+ "generated workflow IDs (random UUIDs) except in the latency part");
		this.details.put("Producer", "this JVM: Spring Boot app with the starter, dbos.worker.enabled=false, "
				+ "Hikari maximum-pool-size " + POOL_SIZE + ", one thread");
		this.details.put("Workers", "separate JVMs (same classpath, QueueWorkerProcess), Spring Boot app with the "
				+ "starter, "
				+ "dbos.worker.queues=" + QUEUE + ", default claim-batch-size (16) and poll-interval (1s); "
				+ "drain workers: a fixed Hikari pool of dbos.worker.concurrency + " + WORKER_POOL_EXTRA
				+ " connections; latency worker: default dbos.worker.concurrency (16) and Hikari pool (10); "
				+ "dbos.recovery.enabled=false and a 60s heartbeat in every JVM");
		this.details.put("Drain timing", "the drain worker JVMs are started once and warmed up (a drain by all of "
				+ "them with the most threads); for each layout a new application starts in each JVM it uses and "
				+ "holds its worker (QueueWorker.stop()) while the jobs are enqueued; 'START' restarts every "
				+ "worker's QueueWorker and wakes it on the queue; elapsed = max(completed_at) - min(started_at) "
				+ "of the round's jobs (database clock)");
		this.details.put("Counters", "pg_stat_database.xact_commit of " + StepOverheadBenchmark.DATABASE_NAME
				+ " (read-only transactions included; the benchmark's own completion polls subtracted), "
				+ "transaction IDs assigned (whole server; one per writing transaction) and pg_stat_wal.wal_bytes "
				+ "(whole server), read after closing every connection that did the work; worker CPU = process "
				+ "CPU time of the worker JVMs (all threads); server CPU = /proc/<pid>/schedstat of the "
				+ "PostgreSQL processes serving " + StepOverheadBenchmark.DATABASE_NAME + " (in drains: those "
				+ "serving the worker JVMs; the completion poll, an index probe every "
				+ POLL_INTERVAL.toMillis() + " ms, is left out)");
	}

	private String describeRounds() {
		return String.format(Locale.ROOT,
				"%d warm-up round and %d measured rounds per part (%d per drain layout); raw commit and enqueue phases "
						+ "run %s each; drains of %,d jobs (%,d in warm-up rounds), enqueued beforehand in batches of %d, "
						+ "by worker JVMs started once and first warmed up by a drain of %,d jobs; %d latency samples "
						+ "per round, enqueued one at a time %s apart on average",
				this.settings.warmupIterations(), this.settings.iterations(), this.settings.drainIterations(),
				print(this.settings.iterationTime()), this.settings.jobs(), this.settings.warmupJobs(),
				this.settings.batchSize(), this.settings.jvmWarmupJobs(), this.settings.latencySamples(),
				print(this.settings.latencyPause()));
	}

	private List<Round> rounds(int measured) {
		List<Round> rounds = new ArrayList<>();
		for (int i = 1; i <= this.settings.warmupIterations(); i++) {
			rounds.add(new Round(i, true, this.settings.warmupIterations()));
		}
		for (int i = 1; i <= measured; i++) {
			rounds.add(new Round(i, false, measured));
		}
		return rounds;
	}

	private static Measurement rekey(Measurement measurement, String key) {
		return new Measurement(measurement.round(), key, measurement.steps(), measurement.operations(),
				measurement.elapsedNanos(), measurement.cpuNanos(), measurement.serverCpuNanos(),
				measurement.commits(), measurement.walBytes(), measurement.transactionIds());
	}

	static String print(Duration duration) {
		return DurationStyle.SIMPLE.print(duration);
	}

	private static void log(String message) {
		StepOverheadBenchmark.log(message);
	}

	/**
	 * One round: a warm-up round (discarded) or a measured one.
	 */
	private record Round(int number, boolean warmup, int of) {

		@Override
		public String toString() {
			return (this.warmup ? "warm-up " : "round ") + this.number + "/" + this.of;
		}

	}

	/**
	 * How many worker JVMs with how many worker threads each.
	 *
	 * @param jvms worker JVMs
	 * @param threads {@code dbos.worker.concurrency} of each
	 */
	record WorkerLayout(int jvms, int threads) {

		static WorkerLayout parse(String text) {
			String[] parts = text.trim().split("x");
			if (parts.length != 2) {
				throw new IllegalArgumentException("A worker layout is <JVMs>x<threads>, such as 2x4: " + text);
			}
			return new WorkerLayout(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
		}

		String key() {
			return "drain-" + this.jvms + "x" + this.threads;
		}

		String description() {
			return this.jvms + " worker JVM" + ((this.jvms != 1) ? "s" : "") + " x " + this.threads + " thread"
					+ ((this.threads != 1) ? "s" : "");
		}

	}

	/**
	 * What to run, from system properties {@code bench.queue.*}, the environment and the
	 * arguments.
	 *
	 * @param serverUrl the PostgreSQL server ({@code DBOS_BENCH_JDBC_URL})
	 * @param iterations measured rounds of the enqueue and latency parts
	 * ({@code bench.queue.iterations}, 5)
	 * @param drainIterations measured rounds per drain layout
	 * ({@code bench.queue.drain-iterations}, 3: a drain of 10,000 jobs takes seconds)
	 * @param warmupIterations warm-up rounds per part ({@code bench.queue.warmup-iterations},
	 * 1)
	 * @param iterationTime time of each raw-commit and enqueue measurement
	 * ({@code bench.queue.iteration-time}, 1s)
	 * @param jobs jobs per drain ({@code bench.queue.jobs}, 10000)
	 * @param jvmWarmupJobs jobs of the drain that warms up the worker JVMs before the first
	 * layout, by all of them with the most threads ({@code bench.queue.jvm-warmup-jobs},
	 * 30000; 0 for none)
	 * @param warmupJobs jobs of the warm-up drain of each layout, after its applications
	 * started ({@code bench.queue.warmup-jobs}, 3000)
	 * @param batchSize jobs per {@code enqueueAll} ({@code bench.queue.batch-size}, 100)
	 * @param layouts worker layouts ({@code bench.queue.workers}, {@code 1x1,1x4,2x1,2x4})
	 * @param latencySamples jobs per latency round ({@code bench.queue.latency-samples}, 100)
	 * @param latencyPause mean pause between them ({@code bench.queue.latency-pause}, 50ms)
	 * @param stallTimeout how long a drain may go without progress
	 * ({@code bench.queue.stall-timeout}, 60s)
	 * @param resultsDirectory where the results go (first argument)
	 */
	record Settings(String serverUrl, int iterations, int drainIterations, int warmupIterations,
			Duration iterationTime, int jobs, int jvmWarmupJobs, int warmupJobs, int batchSize,
			List<WorkerLayout> layouts, int latencySamples, Duration latencyPause, Duration stallTimeout,
			Path resultsDirectory) {

		static Settings from(String[] args) {
			String serverUrl = System.getenv(StepOverheadBenchmark.SERVER_URL_VARIABLE);
			if (serverUrl == null || serverUrl.isBlank()) {
				serverUrl = StepOverheadBenchmark.DEFAULT_SERVER_URL;
			}
			int iterations = Integer.getInteger("bench.queue.iterations", 5);
			int drainIterations = Integer.getInteger("bench.queue.drain-iterations", 3);
			int warmupIterations = Integer.getInteger("bench.queue.warmup-iterations", 1);
			Duration iterationTime = duration("bench.queue.iteration-time", "1s");
			int jobs = Integer.getInteger("bench.queue.jobs", 10_000);
			int jvmWarmupJobs = Integer.getInteger("bench.queue.jvm-warmup-jobs", 30_000);
			int warmupJobs = Integer.getInteger("bench.queue.warmup-jobs", 3_000);
			int batchSize = Integer.getInteger("bench.queue.batch-size", 100);
			List<WorkerLayout> layouts = new ArrayList<>();
			for (String layout : System.getProperty("bench.queue.workers", "1x1,1x4,2x1,2x4").split(",")) {
				layouts.add(WorkerLayout.parse(layout));
			}
			int latencySamples = Integer.getInteger("bench.queue.latency-samples", 100);
			Duration latencyPause = duration("bench.queue.latency-pause", "50ms");
			Duration stallTimeout = duration("bench.queue.stall-timeout", "60s");
			if (iterations < 1 || drainIterations < 1 || warmupIterations < 0 || jobs < 1 || jvmWarmupJobs < 0
					|| warmupJobs < 1 || batchSize < 1
					|| latencySamples < 1 || layouts.stream().anyMatch((l) -> l.jvms() < 1 || l.threads() < 1)) {
				throw new IllegalArgumentException("bench.queue.iterations, drain-iterations, jobs, warmup-jobs, batch-size, "
						+ "latency-samples and the worker layouts must be at least 1, warmup-iterations at least 0");
			}
			if (iterations < 5 || drainIterations < 3) {
				log("Only " + iterations + " measured rounds (" + drainIterations + " per drain layout): the spread "
						+ "means little below 5 (3 for drains)");
			}
			Path results = Path.of((args.length > 0) ? args[0] : "results");
			return new Settings(serverUrl, iterations, drainIterations, warmupIterations, iterationTime, jobs,
					jvmWarmupJobs, warmupJobs, batchSize, List.copyOf(layouts), latencySamples, latencyPause, stallTimeout,
					results);
		}

		private static Duration duration(String property, String defaultValue) {
			Duration duration = DurationStyle.detectAndParse(System.getProperty(property, defaultValue));
			if (duration.isNegative() || duration.isZero()) {
				throw new IllegalArgumentException(property + " must be positive");
			}
			return duration;
		}

	}

}
