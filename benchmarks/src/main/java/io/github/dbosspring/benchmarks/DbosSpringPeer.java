package io.github.dbosspring.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;

import io.github.dbosspring.benchmarks.NoOpWorkflowApplication.NoOpSteps;
import io.github.dbosspring.benchmarks.NoOpWorkflowApplication.NoOpWorkflows;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.EnqueueRequest;
import io.github.dbosspring.queue.support.QueueWorker;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Workflow;
import io.github.dbosspring.workflow.WorkflowOptions;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * This library ("dbos-spring") as a participant of {@link PerformanceSuite}: one JVM per
 * workload run, driven by the suite's protocol (see {@code benchmarks/README.md}). It
 * prepares the workload, prints {@code READY}, waits for {@code GO} on standard input,
 * runs the measured phase and prints one line {@code RESULT <json>}.
 *
 * <p>The application is {@link NoOpWorkflowApplication}'s workflow and step plus a
 * one-step job ({@link OneStepJobs}), with the starter's defaults except a Hikari pool of
 * {@value #POOL_SIZE} connections and the queue {@value #QUEUE} served with
 * {@code dbos.worker.concurrency} set by {@code --concurrency}.
 *
 * <pre class="code">
 * java -cp ... io.github.dbosspring.benchmarks.DbosSpringPeer --workload=drain \
 *     --jdbc-url=jdbc:postgresql://127.0.0.1:5432/bench?user=postgres --jobs=10000 --concurrency=16 --max-seconds=60
 * </pre>
 *
 * @since 0.2.0
 */
public final class DbosSpringPeer {

	static final String PEER = "dbos-spring";

	static final String QUEUE = "bench";

	static final int POOL_SIZE = 10;

	private static final int BATCH = 100;

	private static final int DEFAULT_CONCURRENCY = 16;

	// finished one-step jobs as the engine leaves them: the status row and the step's checkpoint
	private static final String INSERT_FINISHED = """
			INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, class_name, bean_name, inputs, output,
				executor_id, application_version, queue_name, attempt, created_at, updated_at, started_at, completed_at)
			SELECT 'done-' || i, 'SUCCESS', 'one-step-job', '%s', 'oneStepJobs', '[]', 'null', 'bench-history', '%s',
				'%s', 1, now() - interval '1 day' + i * interval '1 ms', now() - interval '1 day' + i * interval '1 ms',
				now() - interval '1 day' + i * interval '1 ms', now() - interval '1 day' + i * interval '1 ms'
			FROM generate_series(%d, %d) AS i""";

	private static final String INSERT_FINISHED_STEPS = """
			INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name, output, started_at, completed_at)
			SELECT 'done-' || i, 1, 'no-op', 'null', now() - interval '1 day' + i * interval '1 ms',
				now() - interval '1 day' + i * interval '1 ms'
			FROM generate_series(%d, %d) AS i""";

	private static final int HISTORY_BATCH = 100_000;

	private final Map<String, String> arguments;

	private final String workload;

	private DbosSpringPeer(Map<String, String> arguments) {
		this.arguments = arguments;
		this.workload = required("workload");
	}

	public static void main(String[] args) {
		Map<String, String> arguments = parse(args);
		String workload = arguments.getOrDefault("workload", "?");
		int status = 0;
		try {
			new DbosSpringPeer(arguments).run();
		}
		catch (Throwable ex) {
			ex.printStackTrace();
			String message = ex.getClass().getSimpleName() + ": " + ex.getMessage();
			System.out.println("RESULT {\"error\": " + SuiteJson.quote(message) + ", \"peer\": \"" + PEER
					+ "\", \"workload\": " + SuiteJson.quote(workload) + "}");
			status = 1;
		}
		System.out.flush();
		// the application is closed; do not wait for anything else
		System.exit(status);
	}

	private void run() throws Exception {
		Map<String, Object> properties = properties();
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SuiteApplication.class)
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties(properties)
			.run()) {
			Workload measured = switch (this.workload) {
				case "step-overhead" -> stepOverhead(context);
				case "enqueue" -> enqueue(context);
				case "drain" -> drain(context);
				case "latency" -> latency(context);
				case "steady" -> steady(context);
				case "idle" -> idle(context);
				default -> throw new IllegalArgumentException("Unknown workload '" + this.workload + "'");
			};
			// close the setup's connections (a server process publishes its statistics at once when it
			// exits, but up to 10 s late when it just goes idle, which would count setup work as measured);
			// then let the pool open its new ones (each commits once as it connects) before READY
			HikariDataSource dataSource = context.getBean(HikariDataSource.class);
			HikariPoolMXBean pool = dataSource.getHikariPoolMXBean();
			if (pool != null) {
				pool.softEvictConnections();
				long deadline = System.nanoTime() + 10_000_000_000L;
				while (pool.getTotalConnections() < dataSource.getMinimumIdle() && System.nanoTime() < deadline) {
					Thread.sleep(20);
				}
			}
			Thread.sleep(200);
			System.out.println("READY");
			System.out.flush();
			String go = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
			if (!"GO".equals(go)) {
				throw new IllegalStateException("Expected GO on standard input, read '" + go + "'");
			}
			Map<String, Number> metrics = measured.run();
			Map<String, Object> params = new LinkedHashMap<>(this.arguments);
			params.remove("workload");
			params.remove("jdbc-url");
			String notes = "Spring Boot " + SpringBootVersion.getVersion() + " app with the starter; Hikari "
					+ "maximum-pool-size " + POOL_SIZE + "; queue '" + QUEUE + "' (no limits); one-step job = @Workflow "
					+ "calling one no-op @Step on another bean; batches via dbos.enqueueAll; where a worker runs, "
					+ "dbos.worker.concurrency = the run's concurrency (16 when it has none); engine defaults otherwise "
					+ "(recovery and its 3 s heartbeat on, LISTEN/NOTIFY on, poll-interval "
					+ properties.getOrDefault("dbos.worker.poll-interval", "1s") + ", claim-batch-size 16)";
			System.out.println("RESULT " + SuiteJson.result(PEER, version(), this.workload, params, metrics, notes));
			System.out.flush();
		}
	}

	private Map<String, Object> properties() {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.datasource.url", required("jdbc-url"));
		properties.put("spring.datasource.hikari.maximum-pool-size", POOL_SIZE);
		properties.put("spring.datasource.hikari.initialization-fail-timeout", BenchmarkDatabase.CONNECT_TIMEOUT.toMillis());
		properties.put("dbos.executor-id", "bench");
		// declares the queue with the defaults (no concurrency or rate limit)
		properties.put("dbos.queues." + QUEUE + ".priority-enabled", false);
		properties.put("logging.level.root", "WARN");
		boolean worker = switch (this.workload) {
			case "drain", "latency", "steady", "idle" -> true;
			default -> false;
		};
		properties.put("dbos.worker.enabled", worker);
		if (worker) {
			properties.put("dbos.worker.queues", QUEUE);
			properties.put("dbos.worker.concurrency", integer("concurrency", DEFAULT_CONCURRENCY));
		}
		if (this.arguments.containsKey("poll-ms")) {
			properties.put("dbos.worker.poll-interval", integer("poll-ms", 1000) + "ms");
		}
		return properties;
	}

	// ------------------------------------------------------------------ workloads

	private Workload stepOverhead(ConfigurableApplicationContext context) {
		Dbos dbos = context.getBean(Dbos.class);
		NoOpWorkflows workflows = context.getBean(NoOpWorkflows.class);
		int steps = integer("steps", 1);
		double seconds = number("seconds", 10);
		Runnable once = () -> dbos.run(WorkflowOptions.withId(UUID.randomUUID().toString()), () -> workflows.run(steps));
		// as long as the peers' (the protocol's) warm-up
		repeatFor(number("warmup-seconds", 3), once);
		return () -> {
			long start = System.nanoTime();
			long ops = repeatFor(seconds, once);
			double elapsed = (System.nanoTime() - start) / 1e9;
			return metrics("ops", ops, "seconds", elapsed, "msPerOp", elapsed * 1000 / ops);
		};
	}

	private Workload enqueue(ConfigurableApplicationContext context) {
		Dbos dbos = context.getBean(Dbos.class);
		OneStepJobs jobs = context.getBean(OneStepJobs.class);
		int batch = integer("batch", 1);
		double seconds = number("seconds", 10);
		Runnable once = () -> {
			if (batch == 1) {
				dbos.enqueue(QUEUE, jobs::run);
			}
			else {
				enqueueBatch(dbos, jobs, batch);
			}
		};
		repeatFor(number("warmup-seconds", 2), once);
		return () -> {
			long start = System.nanoTime();
			long jobCount = repeatFor(seconds, once) * batch;
			double elapsed = (System.nanoTime() - start) / 1e9;
			return metrics("jobs", jobCount, "seconds", elapsed, "jobsPerSecond", jobCount / elapsed);
		};
	}

	private Workload drain(ConfigurableApplicationContext context) throws Exception {
		Dbos dbos = context.getBean(Dbos.class);
		OneStepJobs jobs = context.getBean(OneStepJobs.class);
		QueueWorker worker = context.getBean(QueueWorker.class);
		int total = integer("jobs", 10_000);
		double maxSeconds = number("max-seconds", 60);
		// warm-up: a drain of a fifth of the jobs (at most 2,000) by the same worker, then hold it
		int warmup = integer("warmup-jobs", Math.min(total / 5, 2_000));
		worker.stop();
		if (warmup > 0) {
			enqueueAll(dbos, jobs, warmup);
			worker.start();
			worker.wake(QUEUE);
			awaitCompleted(worker, warmup, 120);
			worker.stop();
		}
		insertFinished(context.getBean(DataSource.class), integer("completed-rows", 0));
		enqueueAll(dbos, jobs, total);
		OneStepJobs.COMPLETED.set(0);
		return () -> {
			long start = System.nanoTime();
			worker.start();
			// like a worker that has just started: look at the queue now
			worker.wake(QUEUE);
			long end = awaitCompleted(worker, total, maxSeconds);
			double elapsed = (end - start) / 1e9;
			long completed = OneStepJobs.COMPLETED.get();
			return metrics("completed", completed, "seconds", elapsed, "jobsPerSecond", completed / elapsed);
		};
	}

	private Workload latency(ConfigurableApplicationContext context) throws InterruptedException {
		Dbos dbos = context.getBean(Dbos.class);
		OneStepJobs jobs = context.getBean(OneStepJobs.class);
		QueueWorker worker = context.getBean(QueueWorker.class);
		awaitListening(worker);
		int samples = integer("samples", 200);
		long pauseNanos = integer("pause-ms", 20) * 1_000_000L;
		OneStepJobs.record = OneStepJobs.Record.START;
		sampleLatencies(dbos, jobs, integer("warmup-samples", 20), pauseNanos);
		return () -> {
			double[] latencies = sampleLatencies(dbos, jobs, samples, pauseNanos);
			return metrics("samples", latencies.length, "p50Ms", percentile(latencies, 50), "p99Ms",
					percentile(latencies, 99), "maxMs", latencies[latencies.length - 1]);
		};
	}

	private Workload steady(ConfigurableApplicationContext context) throws InterruptedException {
		Dbos dbos = context.getBean(Dbos.class);
		OneStepJobs jobs = context.getBean(OneStepJobs.class);
		QueueWorker worker = context.getBean(QueueWorker.class);
		awaitListening(worker);
		double rate = number("rate", 500);
		double seconds = number("seconds", 10);
		OneStepJobs.record = OneStepJobs.Record.END;
		// warm-up: two seconds at the same rate
		List<long[]> warmup = produce(dbos, jobs, rate, Math.min(seconds, 2));
		long warmupDeadline = System.nanoTime() + 30_000_000_000L;
		while (OneStepJobs.FINISHED.size() < warmup.size() && System.nanoTime() < warmupDeadline) {
			Thread.sleep(5);
		}
		return () -> {
			OneStepJobs.FINISHED.clear();
			List<long[]> enqueued = produce(dbos, jobs, rate, seconds);
			long deadline = System.nanoTime() + (long) (seconds * 1e9);
			while (OneStepJobs.FINISHED.size() < enqueued.size() && System.nanoTime() < deadline) {
				Thread.sleep(5);
			}
			Map<String, Long> finished = new ConcurrentHashMap<>(OneStepJobs.FINISHED);
			List<Double> lags = new ArrayList<>();
			for (long[] job : enqueued) {
				Long done = finished.get(Long.toString(job[0]));
				if (done != null) {
					lags.add((done - job[1]) / 1e6);
				}
			}
			double[] sorted = lags.stream().mapToDouble(Double::doubleValue).sorted().toArray();
			Map<String, Number> metrics = metrics("enqueued", enqueued.size(), "completed", sorted.length,
					"backlogAtEnd", enqueued.size() - sorted.length);
			if (sorted.length > 0) {
				metrics.put("lagP50Ms", percentile(sorted, 50));
				metrics.put("lagP99Ms", percentile(sorted, 99));
				metrics.put("lagMaxMs", sorted[sorted.length - 1]);
			}
			return metrics;
		};
	}

	private Workload idle(ConfigurableApplicationContext context) throws InterruptedException {
		awaitListening(context.getBean(QueueWorker.class));
		double seconds = number("seconds", 30);
		return () -> {
			long start = System.nanoTime();
			Thread.sleep((long) (seconds * 1000));
			return metrics("seconds", (System.nanoTime() - start) / 1e9);
		};
	}

	// ------------------------------------------------------------------ helpers

	private static long repeatFor(double seconds, Runnable operation) {
		long deadline = System.nanoTime() + (long) (seconds * 1e9);
		long count = 0;
		do {
			operation.run();
			count++;
		}
		while (System.nanoTime() < deadline);
		return count;
	}

	private static void enqueueAll(Dbos dbos, OneStepJobs jobs, int total) {
		for (int done = 0; done < total; done += BATCH) {
			enqueueBatch(dbos, jobs, Math.min(BATCH, total - done));
		}
	}

	private static void enqueueBatch(Dbos dbos, OneStepJobs jobs, int size) {
		List<EnqueueRequest> batch = new ArrayList<>(size);
		for (int i = 0; i < size; i++) {
			batch.add(EnqueueRequest.of(EnqueueOptions.queue(QUEUE), jobs::run));
		}
		if (dbos.enqueueAll(batch).size() != size) {
			throw new IllegalStateException("enqueueAll returned fewer handles than jobs");
		}
	}

	/**
	 * Waits until {@code total} jobs have run and the worker has finished them (completion
	 * written), or the time is up.
	 * @return {@link System#nanoTime()} at the end
	 */
	private static long awaitCompleted(QueueWorker worker, long total, double maxSeconds) throws InterruptedException {
		long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
		while (System.nanoTime() < deadline) {
			if (OneStepJobs.COMPLETED.get() >= total && worker.getRunningJobs() == 0) {
				break;
			}
			Thread.sleep(1);
		}
		return System.nanoTime();
	}

	private static void awaitListening(QueueWorker worker) throws InterruptedException {
		long deadline = System.nanoTime() + 30_000_000_000L;
		while (!worker.isListening()) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("The worker's notification listener did not connect within 30s");
			}
			Thread.sleep(5);
		}
	}

	private static double[] sampleLatencies(Dbos dbos, OneStepJobs jobs, int samples, long pauseNanos)
			throws InterruptedException {
		List<String> ids = new ArrayList<>(samples);
		Map<String, Long> enqueuedAt = new LinkedHashMap<>();
		for (int i = 0; i < samples; i++) {
			String id = UUID.randomUUID().toString();
			long start = System.nanoTime();
			dbos.enqueue(EnqueueOptions.queue(QUEUE).withWorkflowId(id), jobs::run);
			enqueuedAt.put(id, start);
			ids.add(id);
			LockSupport.parkNanos(pauseNanos);
		}
		long deadline = System.nanoTime() + 60_000_000_000L;
		while (!OneStepJobs.STARTED.keySet().containsAll(ids)) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("Not every latency job started within 60s");
			}
			Thread.sleep(5);
		}
		return ids.stream().mapToDouble((id) -> (OneStepJobs.STARTED.get(id) - enqueuedAt.get(id)) / 1e6).sorted()
			.toArray();
	}

	/**
	 * Enqueues one job at a time at a fixed rate (each at its scheduled time, whatever the
	 * previous one took).
	 * @return per job: a sequence number (its workflow ID) and the enqueue's start
	 */
	private static List<long[]> produce(Dbos dbos, OneStepJobs jobs, double rate, double seconds) {
		List<long[]> enqueued = new ArrayList<>();
		long start = System.nanoTime();
		long interval = (long) (1e9 / rate);
		long end = start + (long) (seconds * 1e9);
		for (long i = 0;; i++) {
			long due = start + i * interval;
			if (due >= end) {
				break;
			}
			long wait = due - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
			long sequence = OneStepJobs.SEQUENCE.incrementAndGet();
			long at = System.nanoTime();
			dbos.enqueue(EnqueueOptions.queue(QUEUE).withWorkflowId(Long.toString(sequence)), jobs::run);
			enqueued.add(new long[] { sequence, at });
		}
		return enqueued;
	}

	static double percentile(double[] sorted, double percent) {
		return LatencyRound.percentile(sorted, percent);
	}

	private static void insertFinished(DataSource dataSource, int rows) throws Exception {
		if (rows <= 0) {
			return;
		}
		long start = System.nanoTime();
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			for (int from = 1; from <= rows; from += HISTORY_BATCH) {
				int to = Math.min(rows, from + HISTORY_BATCH - 1);
				statement.execute(String.format(Locale.ROOT, INSERT_FINISHED, OneStepJobs.class.getName(), version(), QUEUE,
						from, to));
				statement.execute(String.format(Locale.ROOT, INSERT_FINISHED_STEPS, from, to));
			}
			// what autovacuum does to an insert-only table sooner or later
			statement.execute("VACUUM ANALYZE dbos.workflow_status");
			statement.execute("VACUUM ANALYZE dbos.step_outputs");
		}
		System.err.printf(Locale.ROOT, "Inserted %d finished jobs in %.1f s%n", rows, (System.nanoTime() - start) / 1e9);
	}

	static String version() {
		String version = Dbos.class.getPackage().getImplementationVersion();
		return (version != null) ? version : "0.1.0-SNAPSHOT (working tree)";
	}

	private static Map<String, Number> metrics(Object... pairs) {
		Map<String, Number> metrics = new LinkedHashMap<>();
		for (int i = 0; i < pairs.length; i += 2) {
			metrics.put((String) pairs[i], (Number) pairs[i + 1]);
		}
		return metrics;
	}

	private String required(String name) {
		String value = this.arguments.get(name);
		if (value == null || value.isBlank()) {
			throw new IllegalArgumentException("Missing --" + name + "=...");
		}
		return value;
	}

	private int integer(String name, int defaultValue) {
		String value = this.arguments.get(name);
		return (value != null) ? Integer.parseInt(value) : defaultValue;
	}

	private double number(String name, double defaultValue) {
		String value = this.arguments.get(name);
		return (value != null) ? Double.parseDouble(value) : defaultValue;
	}

	static Map<String, String> parse(String[] args) {
		Map<String, String> arguments = new LinkedHashMap<>();
		for (String arg : args) {
			if (!arg.startsWith("--") || arg.indexOf('=') < 0) {
				throw new IllegalArgumentException("Arguments are --key=value, not '" + arg + "' (all: "
						+ Arrays.toString(args) + ")");
			}
			arguments.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
		}
		return arguments;
	}

	/**
	 * The measured phase of a workload, prepared before {@code READY}.
	 */
	@FunctionalInterface
	private interface Workload {

		Map<String, Number> run() throws Exception;

	}

	/**
	 * The application of every run: the no-op workflow of n steps and the one-step job.
	 */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class SuiteApplication {

		@Bean
		NoOpSteps noOpSteps() {
			return new NoOpSteps();
		}

		@Bean
		NoOpWorkflows noOpWorkflows(NoOpSteps steps) {
			return new NoOpWorkflows(steps);
		}

		@Bean
		OneStepJobs oneStepJobs(NoOpSteps steps) {
			return new OneStepJobs(steps);
		}

	}

	/**
	 * The one-step job: a workflow calling one no-op step, which notes when it started
	 * and finished (for the latency and steady workloads) and counts its runs.
	 */
	public static class OneStepJobs {

		static final AtomicLong COMPLETED = new AtomicLong();

		static final AtomicLong SEQUENCE = new AtomicLong();

		static final Map<String, Long> STARTED = new ConcurrentHashMap<>();

		static final Map<String, Long> FINISHED = new ConcurrentHashMap<>();

		private final NoOpSteps steps;

		public OneStepJobs(NoOpSteps steps) {
			this.steps = steps;
		}

		/** What {@link #run()} notes: nothing, its start, or its end (before the completion's commit). */
		static volatile Record record = Record.NOTHING;

		@Workflow(name = "one-step-job")
		public void run() {
			String id = Dbos.workflowId();
			if (record == Record.START && id != null) {
				STARTED.put(id, System.nanoTime());
			}
			this.steps.noOp();
			if (record == Record.END && id != null) {
				FINISHED.put(id, System.nanoTime());
			}
			COMPLETED.incrementAndGet();
		}

		enum Record {

			NOTHING, START, END

		}

	}

}
