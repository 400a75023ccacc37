package io.github.dbosspring.benchmarks;

/**
 * One kind of operation the benchmark times, run in a loop on the calling thread for a
 * fixed time per measurement.
 *
 * @since 0.1.0
 */
interface Phase {

	/**
	 * A short key for files and logs, such as {@code workflow-10}.
	 * @return the key
	 */
	String key();

	/**
	 * What one operation is, for the report.
	 * @return the description
	 */
	String description();

	/**
	 * Steps per operation; 0 for an operation that is not a workflow.
	 * @return the steps
	 */
	int steps();

	/**
	 * Operations one call of {@link #runOnce()} performs: 1, or more for a batch (a batch
	 * enqueue of 100 jobs is 100 operations).
	 * @return the operations per call
	 */
	default int operationsPerCall() {
		return 1;
	}

	/**
	 * Prepares a measurement; not timed.
	 * @throws Exception if it cannot
	 */
	default void open() throws Exception {
	}

	/**
	 * Runs one operation.
	 * @throws Exception if it fails, which ends the benchmark
	 */
	void runOnce() throws Exception;

	/**
	 * Ends a measurement and closes the connections that only this phase uses; not timed.
	 * @throws Exception if it cannot
	 */
	default void close() throws Exception {
	}

}
