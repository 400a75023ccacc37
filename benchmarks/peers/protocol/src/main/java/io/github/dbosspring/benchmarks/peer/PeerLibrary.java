package io.github.dbosspring.benchmarks.peer;

/**
 * One measured library, as the workloads see it. The jobs it enqueues are no-op one-step jobs whose
 * body calls {@link JobEvents#started(int)} first and {@link JobEvents#completed(int)} last with the
 * job number given to {@link #enqueue(int)}.
 * <p>
 * Call order, per workload: {@link #createSchema()} first; then {@link #openProducer()} where jobs are
 * enqueued while no worker runs; {@link #prepareWorker(int)} and {@link #startWorker()} where they run.
 * {@link #enqueue(int)} works after either {@link #openProducer()} or {@link #startWorker()}.
 */
public interface PeerLibrary extends AutoCloseable {

	/**
	 * The peer's name in results: {@code dbos-transact}, {@code db-scheduler}, {@code jobrunr}.
	 * @return the name
	 */
	String name();

	/**
	 * The library's version, as its jar reports it.
	 * @return the version
	 */
	String version();

	/**
	 * Creates the library's tables on the run's (empty) database, the way the library documents.
	 * @throws Exception on failure
	 */
	void createSchema() throws Exception;

	/**
	 * Makes {@link #enqueue(int)} usable while no job may run.
	 * @throws Exception on failure
	 */
	void openProducer() throws Exception;

	/**
	 * Enqueues one no-op one-step job to run as soon as possible, with one call of the library's API.
	 * @param job the job number its body reports
	 * @throws Exception on failure
	 */
	void enqueue(int job) throws Exception;

	/**
	 * Why the library has no batch enqueue, or {@code null} if {@link #enqueueBatch} works.
	 * @return the reason, or {@code null}
	 */
	default String batchEnqueueUnsupported() {
		return null;
	}

	/**
	 * Enqueues jobs {@code first .. first + count - 1} with one call of the library's batch API.
	 * @param first the first job number
	 * @param count how many
	 * @throws Exception on failure
	 */
	default void enqueueBatch(int first, int count) throws Exception {
		throw new UnsupportedOperationException(batchEnqueueUnsupported());
	}

	/**
	 * Why the library keeps no rows of finished jobs, or {@code null} if
	 * {@link #insertCompletedRows(int)} works.
	 * @return the reason, or {@code null}
	 */
	default String completedRowsUnsupported() {
		return null;
	}

	/**
	 * Inserts {@code rows} rows shaped like the library's own rows of finished one-step jobs, with fast
	 * SQL; they must not count in {@link #completedInStore()}.
	 * @param rows how many
	 * @throws Exception on failure
	 */
	default void insertCompletedRows(int rows) throws Exception {
		throw new UnsupportedOperationException(completedRowsUnsupported());
	}

	/**
	 * Builds the worker, with {@code concurrency} concurrent executions configured the way the library
	 * documents, as far as possible without letting it run a job.
	 * @param concurrency concurrent job executions
	 * @throws Exception on failure
	 */
	void prepareWorker(int concurrency) throws Exception;

	/**
	 * Starts the worker prepared by {@link #prepareWorker(int)}: jobs run from now on.
	 * @throws Exception on failure
	 */
	void startWorker() throws Exception;

	/**
	 * Why the drain cannot warm up with a worker that is then stopped, or {@code null} if
	 * {@link #stopWorker()} works.
	 * @return the reason, or {@code null}
	 */
	default String drainWarmUpUnsupported() {
		return "the peer cannot stop its worker and start another one";
	}

	/**
	 * Stops the worker started by {@link #startWorker()}, whose jobs are all done, so that
	 * {@link #prepareWorker(int)} can build another one; {@link #enqueue(int)} works again while no worker
	 * runs.
	 * @throws Exception on failure
	 */
	default void stopWorker() throws Exception {
		throw new UnsupportedOperationException(drainWarmUpUnsupported());
	}

	/**
	 * How many of the jobs enqueued by this run the library has recorded as finished (a completed
	 * status, or a deleted row where that is how the library records completion).
	 * @return the count
	 * @throws Exception on failure
	 */
	long completedInStore() throws Exception;

	/**
	 * Why the library has no checkpointed steps, or {@code null} if {@link #runInlineWorkflow(int)}
	 * works.
	 * @return the reason, or {@code null}
	 */
	default String stepsUnsupported() {
		return "the library has no checkpointed steps";
	}

	/**
	 * Runs one workflow inline (not through a queue) that does {@code steps} no-op checkpointed steps;
	 * used after {@link #openProducer()}.
	 * @param steps how many steps
	 * @throws Exception on failure
	 */
	default void runInlineWorkflow(int steps) throws Exception {
		throw new UnsupportedOperationException(stepsUnsupported());
	}

	/**
	 * What was configured, for the result's notes: pool, workers, poll interval, strategy...
	 * @return the notes
	 */
	String notes();

}
