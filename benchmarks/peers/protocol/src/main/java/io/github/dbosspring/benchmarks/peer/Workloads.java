package io.github.dbosspring.benchmarks.peer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The workloads of the protocol, the same code for every peer: setup before {@code READY}, the measured
 * phase after {@code GO}, the result map.
 */
final class Workloads {

	private static final int DEFAULT_CONCURRENCY = 10;

	private static final int WARMUP_MAX_SECONDS = 120;

	private final PeerLibrary peer;

	private final PeerArguments arguments;

	private final PeerProtocol protocol;

	private final List<String> notes = new ArrayList<>();

	Workloads(PeerLibrary peer, PeerArguments arguments, PeerProtocol protocol) {
		this.peer = peer;
		this.arguments = arguments;
		this.protocol = protocol;
	}

	Map<String, Object> run() throws Exception {
		String workload = this.arguments.workload();
		this.arguments.jdbcUrl();
		return switch (workload) {
			case "step-overhead" -> stepOverhead();
			case "enqueue" -> enqueue();
			case "drain" -> drain();
			case "latency" -> latency();
			case "steady" -> steady();
			case "idle" -> idle();
			default -> throw new IllegalArgumentException("Unknown workload '" + workload
					+ "': expected step-overhead, enqueue, drain, latency, steady or idle");
		};
	}

	// --steps=N --seconds=S: inline workflows of N no-op steps, one thread
	private Map<String, Object> stepOverhead() throws Exception {
		int steps = this.arguments.integer("steps", 1);
		double seconds = this.arguments.decimal("seconds", 10);
		double warmupSeconds = this.arguments.decimal("warmup-seconds", 3);
		if (this.peer.stepsUnsupported() != null) {
			return unsupported(this.peer.stepsUnsupported());
		}
		this.peer.createSchema();
		this.peer.openProducer();
		long warmupEnd = System.nanoTime() + nanos(warmupSeconds);
		long warmups = 0;
		while (System.nanoTime() - warmupEnd < 0) {
			this.peer.runInlineWorkflow(steps);
			warmups++;
		}
		this.notes.add(String.format(Locale.ROOT, "warm-up: %d workflows in %.1f s before READY", warmups,
				warmupSeconds));
		this.protocol.readyAndAwaitGo();
		long start = System.nanoTime();
		long end = start + nanos(seconds);
		long ops = 0;
		long now;
		do {
			this.peer.runInlineWorkflow(steps);
			ops++;
			now = System.nanoTime();
		}
		while (now - end < 0);
		double elapsed = (now - start) / 1e9;
		Map<String, Object> metrics = new LinkedHashMap<>();
		metrics.put("ops", ops);
		metrics.put("seconds", elapsed);
		metrics.put("msPerOp", elapsed * 1000 / ops);
		return result(metrics);
	}

	// --batch=B --seconds=S: one producer thread, no worker
	private Map<String, Object> enqueue() throws Exception {
		int batch = this.arguments.integer("batch", 1);
		double seconds = this.arguments.decimal("seconds", 10);
		double warmupSeconds = this.arguments.decimal("warmup-seconds", 2);
		if (batch < 1) {
			throw new IllegalArgumentException("--batch must be at least 1");
		}
		if (batch > 1 && this.peer.batchEnqueueUnsupported() != null) {
			return unsupported(this.peer.batchEnqueueUnsupported());
		}
		this.peer.createSchema();
		this.peer.openProducer();
		int job = 0;
		long warmupEnd = System.nanoTime() + nanos(warmupSeconds);
		while (System.nanoTime() - warmupEnd < 0) {
			job = enqueueNext(job, batch);
		}
		this.notes.add(String.format(Locale.ROOT,
				"warm-up: %d jobs enqueued the same way in %.1f s before READY (they stay queued; no worker runs)",
				job, warmupSeconds));
		int first = job;
		this.protocol.readyAndAwaitGo();
		long start = System.nanoTime();
		long end = start + nanos(seconds);
		long now;
		do {
			job = enqueueNext(job, batch);
			now = System.nanoTime();
		}
		while (now - end < 0);
		double elapsed = (now - start) / 1e9;
		Map<String, Object> metrics = new LinkedHashMap<>();
		metrics.put("jobs", job - first);
		metrics.put("seconds", elapsed);
		metrics.put("jobsPerSecond", (job - first) / elapsed);
		return result(metrics);
	}

	private int enqueueNext(int job, int batch) throws Exception {
		if (batch == 1) {
			this.peer.enqueue(job);
		}
		else {
			this.peer.enqueueBatch(job, batch);
		}
		return job + batch;
	}

	// --jobs=N --concurrency=C --max-seconds=M [--completed-rows=K] [--warmup-jobs=W]
	private Map<String, Object> drain() throws Exception {
		int jobs = this.arguments.integer("jobs", 10_000);
		int concurrency = this.arguments.integer("concurrency", DEFAULT_CONCURRENCY);
		double maxSeconds = this.arguments.decimal("max-seconds", 120);
		int completedRows = this.arguments.integer("completed-rows", 0);
		int enqueueThreads = this.arguments.integer("enqueue-threads", 4);
		// as many as dbos-spring's drain warms up with
		int warmup = this.arguments.integer("warmup-jobs", Math.min(jobs / 5, 2_000));
		this.peer.createSchema();
		this.peer.openProducer();
		if (warmup > 0) {
			warmUpDrain(jobs, warmup, concurrency, enqueueThreads);
		}
		if (completedRows > 0) {
			if (this.peer.completedRowsUnsupported() != null) {
				this.notes.add("completed-rows not inserted: " + this.peer.completedRowsUnsupported());
			}
			else {
				long start = System.nanoTime();
				this.peer.insertCompletedRows(completedRows);
				this.notes.add(String.format(Locale.ROOT, "%d finished-job rows inserted before READY in %.1f s",
						completedRows, (System.nanoTime() - start) / 1e9));
			}
		}
		// what the warm-up left counted as completed
		long base = this.peer.completedInStore();
		JobEvents.reset(0);
		long enqueueStart = System.nanoTime();
		preEnqueue(0, jobs, enqueueThreads);
		double enqueueSeconds = (System.nanoTime() - enqueueStart) / 1e9;
		this.notes.add(String.format(Locale.ROOT, "%d jobs pre-enqueued before READY by %d threads (%s) in %.1f s",
				jobs, enqueueThreads, (this.peer.batchEnqueueUnsupported() == null) ? "batch API, 500 per call"
						: "one call per job", enqueueSeconds));
		this.peer.prepareWorker(concurrency);
		long before = this.peer.completedInStore() - base;
		if (before != 0) {
			throw new IllegalStateException(before + " jobs completed before the worker started");
		}
		this.protocol.readyAndAwaitGo();
		long start = System.nanoTime();
		long deadline = start + nanos(maxSeconds);
		this.peer.startWorker();
		long workerStarted = System.nanoTime();
		JobEvents.awaitCompleted(jobs, deadline);
		// the bodies are done; now wait until the library has recorded every completion
		long completed = this.peer.completedInStore() - base;
		while (completed < jobs && System.nanoTime() - deadline < 0) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
			completed = this.peer.completedInStore() - base;
		}
		double elapsed = (System.nanoTime() - start) / 1e9;
		Map<String, Object> metrics = new LinkedHashMap<>();
		metrics.put("completed", completed);
		metrics.put("seconds", elapsed);
		metrics.put("jobsPerSecond", completed / elapsed);
		metrics.put("workerStartMs", (workerStarted - start) / 1e6);
		metrics.put("enqueueSeconds", enqueueSeconds);
		this.notes.add("seconds: from GO (worker start included, see workerStartMs) until the library's table "
				+ "shows all jobs finished, or max-seconds");
		return result(metrics);
	}

	/**
	 * Drains {@code warmup} jobs (numbered after the measured ones) with a worker configured as the measured
	 * one, then stops it: the measured drain then runs code the JIT has compiled, as dbos-spring's drain
	 * does after its own warm-up.
	 */
	private void warmUpDrain(int jobs, int warmup, int concurrency, int enqueueThreads) throws Exception {
		String unsupported = this.peer.drainWarmUpUnsupported();
		if (unsupported != null) {
			this.notes.add("no warm-up drain: " + unsupported);
			return;
		}
		long start = System.nanoTime();
		long deadline = start + nanos(WARMUP_MAX_SECONDS);
		JobEvents.reset(0);
		preEnqueue(jobs, warmup, enqueueThreads);
		this.peer.prepareWorker(concurrency);
		this.peer.startWorker();
		boolean drained = JobEvents.awaitCompleted(warmup, deadline);
		while (drained && this.peer.completedInStore() < warmup) {
			drained = System.nanoTime() - deadline < 0;
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
		}
		if (!drained) {
			throw new IllegalStateException("The warm-up drain of " + warmup + " jobs did not finish within "
					+ WARMUP_MAX_SECONDS + " s");
		}
		this.peer.stopWorker();
		this.notes.add(String.format(Locale.ROOT, "warm-up: %d jobs enqueued and drained the same way by a worker "
				+ "of the same configuration, stopped before the measured jobs were enqueued (%.1f s)", warmup,
				(System.nanoTime() - start) / 1e9));
	}

	private void preEnqueue(int first, int jobs, int threads) throws Exception {
		boolean batch = this.peer.batchEnqueueUnsupported() == null;
		int chunk = batch ? 500 : 1;
		ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
		try {
			List<Future<?>> futures = new ArrayList<>();
			int perThread = (jobs + threads - 1) / threads;
			for (int t = 0; t < threads; t++) {
				int from = first + t * perThread;
				int to = Math.min(first + jobs, from + perThread);
				futures.add(pool.submit(() -> {
					for (int job = from; job < to; job += chunk) {
						int count = Math.min(chunk, to - job);
						if (batch) {
							this.peer.enqueueBatch(job, count);
						}
						else {
							this.peer.enqueue(job);
						}
					}
					return null;
				}));
			}
			for (Future<?> future : futures) {
				future.get();
			}
		}
		finally {
			pool.shutdown();
		}
	}

	// --samples=N --pause-ms=P: idle worker, one job at a time
	private Map<String, Object> latency() throws Exception {
		int samples = this.arguments.integer("samples", 100);
		double pauseMs = this.arguments.decimal("pause-ms", 50);
		int warmups = this.arguments.integer("warmup-samples", 5);
		int concurrency = this.arguments.integer("concurrency", DEFAULT_CONCURRENCY);
		double timeoutSeconds = this.arguments.decimal("max-seconds", 120);
		startWorker(concurrency, samples + warmups);
		long[] enqueued = new long[samples + warmups];
		// warm-up samples, enqueued the same way, take the job numbers after the measured ones
		for (int i = samples; i < samples + warmups; i++) {
			this.peer.enqueue(i);
			pause(pauseMs);
		}
		if (!JobEvents.awaitCompleted(warmups, System.nanoTime() + nanos(timeoutSeconds))) {
			throw new IllegalStateException("The warm-up jobs did not complete within " + timeoutSeconds + " s");
		}
		this.notes.add(warmups + " unmeasured warm-up samples before READY; pauses uniform in [P/2, 3P/2] "
				+ "(mean P) so that enqueues fall at every phase of a poll cycle; latency = job body start - "
				+ "enqueue call start (System.nanoTime, one JVM)");
		this.protocol.readyAndAwaitGo();
		for (int i = 0; i < samples; i++) {
			enqueued[i] = System.nanoTime();
			this.peer.enqueue(i);
			pause(pauseMs);
		}
		long deadline = System.nanoTime() + nanos(timeoutSeconds);
		double[] millis = new double[samples];
		int started = 0;
		for (int i = 0; i < samples; i++) {
			if (JobEvents.awaitStarted(i, deadline)) {
				millis[started++] = (JobEvents.startNanos(i) - enqueued[i]) / 1e6;
			}
		}
		double[] measured = Arrays.copyOf(millis, started);
		Arrays.sort(measured);
		Map<String, Object> metrics = new LinkedHashMap<>();
		metrics.put("samples", started);
		metrics.put("p50Ms", percentile(measured, 50));
		metrics.put("p90Ms", percentile(measured, 90));
		metrics.put("p99Ms", percentile(measured, 99));
		metrics.put("maxMs", (started > 0) ? measured[started - 1] : Double.NaN);
		metrics.put("meanMs", Arrays.stream(measured).average().orElse(Double.NaN));
		if (started < samples) {
			this.notes.add((samples - started) + " samples did not start within max-seconds");
		}
		return result(metrics);
	}

	// --rate=R --seconds=S: fixed-rate producer against a running worker
	private Map<String, Object> steady() throws Exception {
		double rate = this.arguments.decimal("rate", 100);
		double seconds = this.arguments.decimal("seconds", 10);
		int concurrency = this.arguments.integer("concurrency", DEFAULT_CONCURRENCY);
		int warmups = this.arguments.integer("warmup-jobs", 20);
		int total = (int) Math.round(rate * seconds);
		startWorker(concurrency, total + warmups);
		for (int i = total; i < total + warmups; i++) {
			this.peer.enqueue(i);
		}
		if (!JobEvents.awaitCompleted(warmups, System.nanoTime() + nanos(120))) {
			throw new IllegalStateException("Warm-up jobs did not complete within 120 s");
		}
		this.notes.add(warmups + " unmeasured warm-up jobs before READY; lag = job body end - enqueue call "
				+ "start (the library records the completion just after the body)");
		long[] enqueued = new long[total];
		this.protocol.readyAndAwaitGo();
		long start = System.nanoTime();
		double intervalNanos = 1e9 / rate;
		long maxBehind = 0;
		for (int i = 0; i < total; i++) {
			long due = start + (long) (i * intervalNanos);
			long now = System.nanoTime();
			if (due - now > 0) {
				LockSupport.parkNanos(due - now);
			}
			else {
				maxBehind = Math.max(maxBehind, now - due);
			}
			enqueued[i] = System.nanoTime();
			this.peer.enqueue(i);
		}
		long producerEnd = System.nanoTime();
		JobEvents.awaitCompleted(warmups + total, producerEnd + nanos(seconds));
		double[] lags = new double[total];
		int completed = 0;
		for (int i = 0; i < total; i++) {
			long end = JobEvents.endNanos(i);
			if (end != 0) {
				lags[completed++] = (end - enqueued[i]) / 1e6;
			}
		}
		double[] measured = Arrays.copyOf(lags, completed);
		Arrays.sort(measured);
		Map<String, Object> metrics = new LinkedHashMap<>();
		metrics.put("enqueued", total);
		metrics.put("completed", completed);
		metrics.put("lagP50Ms", percentile(measured, 50));
		metrics.put("lagP99Ms", percentile(measured, 99));
		metrics.put("lagMaxMs", (completed > 0) ? measured[completed - 1] : Double.NaN);
		metrics.put("backlogAtEnd", total - completed);
		metrics.put("producerSeconds", (producerEnd - start) / 1e9);
		metrics.put("producerMaxBehindMs", maxBehind / 1e6);
		return result(metrics);
	}

	// --seconds=S: a started, idle worker
	private Map<String, Object> idle() throws Exception {
		double seconds = this.arguments.decimal("seconds", 10);
		int concurrency = this.arguments.integer("concurrency", DEFAULT_CONCURRENCY);
		startWorker(concurrency, 0);
		this.protocol.readyAndAwaitGo();
		long start = System.nanoTime();
		Thread.sleep(TimeUnit.NANOSECONDS.toMillis(nanos(seconds)));
		Map<String, Object> metrics = new LinkedHashMap<>();
		metrics.put("seconds", (System.nanoTime() - start) / 1e9);
		return result(metrics);
	}

	private void startWorker(int concurrency, int jobs) throws Exception {
		this.peer.createSchema();
		JobEvents.reset(jobs);
		this.peer.prepareWorker(concurrency);
		this.peer.startWorker();
	}

	private Map<String, Object> unsupported(String reason) {
		this.protocol.ready();
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("unsupported", reason);
		result.put("peer", this.peer.name());
		result.put("workload", this.arguments.workload());
		return result;
	}

	private Map<String, Object> result(Map<String, Object> metrics) {
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("peer", this.peer.name());
		result.put("version", this.peer.version());
		result.put("workload", this.arguments.workload());
		result.put("params", this.arguments.params());
		result.put("metrics", metrics);
		List<String> all = new ArrayList<>();
		all.add(this.peer.notes());
		all.addAll(this.notes);
		result.put("notes", String.join("; ", all));
		return result;
	}

	private static void pause(double meanMillis) {
		if (meanMillis > 0) {
			long mean = (long) (meanMillis * 1e6);
			LockSupport.parkNanos(mean / 2 + ThreadLocalRandom.current().nextLong(mean + 1));
		}
	}

	// nearest rank
	static double percentile(double[] sorted, double percent) {
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int rank = (int) Math.ceil(percent / 100 * sorted.length);
		return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
	}

	private static long nanos(double seconds) {
		return (long) (seconds * 1e9);
	}

}
