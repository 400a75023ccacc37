package io.github.dbosspring.benchmarks;

/**
 * One timed run of a phase: how many operations completed in how long, and what the
 * server counted meanwhile.
 *
 * @param round the measured round, from 1
 * @param phase the phase's key
 * @param steps steps per operation
 * @param operations operations completed
 * @param elapsedNanos time taken by them
 * @param cpuNanos CPU time the benchmark thread used meanwhile (the engine's own work,
 * JDBC and Hikari included; not the server's, nor other JVM threads')
 * @param serverCpuNanos CPU time the server processes of the benchmark database's
 * connections used meanwhile, or -1 when the server is not on this machine
 * @param commits transactions committed in the benchmark database
 * @param walBytes WAL bytes written by the server
 * @param transactionIds transaction IDs assigned by the server meanwhile (its
 * transactions that wrote)
 * @since 0.1.0
 */
record Measurement(int round, String phase, int steps, long operations, long elapsedNanos, long cpuNanos,
		long serverCpuNanos, long commits, long walBytes, long transactionIds) {

	double millisPerOperation() {
		return this.elapsedNanos / 1e6 / this.operations;
	}

	double cpuMillisPerOperation() {
		return this.cpuNanos / 1e6 / this.operations;
	}

	double serverCpuMillisPerOperation() {
		return this.serverCpuNanos / 1e6 / this.operations;
	}

	double operationsPerSecond() {
		return this.operations * 1e9 / this.elapsedNanos;
	}

	double commitsPerOperation() {
		return (double) this.commits / this.operations;
	}

	double transactionIdsPerOperation() {
		return (double) this.transactionIds / this.operations;
	}

	double walBytesPerOperation() {
		return (double) this.walBytes / this.operations;
	}

}
