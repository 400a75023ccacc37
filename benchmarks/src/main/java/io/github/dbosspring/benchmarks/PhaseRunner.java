package io.github.dbosspring.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;

import io.github.dbosspring.benchmarks.BenchmarkDatabase.Counters;

/**
 * Runs one phase on the calling thread for the iteration time and collects what the
 * server counted meanwhile: every connection to the benchmark database that the phase
 * used is closed afterwards, so that the server publishes its commit and WAL counts.
 *
 * @since 0.1.0
 */
final class PhaseRunner {

	private final BenchmarkDatabase database;

	private final HikariDataSource pool;

	private final long iterationNanos;

	private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	PhaseRunner(BenchmarkDatabase database, HikariDataSource pool, Duration iterationTime) {
		this.database = database;
		this.pool = pool;
		this.iterationNanos = iterationTime.toNanos();
	}

	Measurement measure(int round, Phase phase) throws Exception {
		Counters before = this.database.counters();
		phase.open();
		Optional<Map<Integer, Long>> serverCpuBefore = BenchmarkDatabase.serverCpu(this.database.backends());
		long operations = 0;
		int perCall = phase.operationsPerCall();
		long cpuStart = this.threads.getCurrentThreadCpuTime();
		long start = System.nanoTime();
		long deadline = start + this.iterationNanos;
		long now;
		do {
			phase.runOnce();
			operations += perCall;
			now = System.nanoTime();
		}
		while (now < deadline);
		long cpu = this.threads.getCurrentThreadCpuTime() - cpuStart;
		List<Integer> backends = this.database.backends();
		long serverCpu = serverCpuSince(serverCpuBefore, BenchmarkDatabase.serverCpu(backends));
		phase.close();
		closePooledConnections();
		Counters used = this.database.awaitExit(backends).minus(before);
		return new Measurement(round, phase.key(), phase.steps(), operations, now - start, cpu, serverCpu,
				used.commits(), used.walBytes(), used.transactionIds());
	}

	/**
	 * Closes the pool's idle connections and waits until their server processes have
	 * exited, so that everything they did is in the counters.
	 * @return the settled counters
	 */
	Counters settle() throws Exception {
		List<Integer> backends = this.database.backends();
		closePooledConnections();
		return this.database.awaitExit(backends);
	}

	// a connection opened during the measurement counts from its start
	static long serverCpuSince(Optional<Map<Integer, Long>> before, Optional<Map<Integer, Long>> after) {
		if (before.isEmpty() || after.isEmpty()) {
			return -1;
		}
		long used = 0;
		for (Map.Entry<Integer, Long> process : after.get().entrySet()) {
			used += process.getValue() - before.get().getOrDefault(process.getKey(), 0L);
		}
		return used;
	}

	// the pool replaces them at once (minimum-idle): a new connection's only commit is the
	// driver's SET application_name
	private void closePooledConnections() {
		HikariPoolMXBean bean = this.pool.getHikariPoolMXBean();
		if (bean != null) {
			bean.softEvictConnections();
		}
	}

}
