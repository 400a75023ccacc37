package io.github.dbosspring.benchmarks.peer.dbostransact;

/**
 * The workflows and the step, called through the proxy that {@code DBOS.registerProxy} returns.
 */
public interface NoOpWorkflows {

	/**
	 * The queued job: one no-op step between the two events the workloads time.
	 * @param job the job number
	 */
	void job(int job);

	/**
	 * The step-overhead workflow, run inline.
	 * @param steps how many no-op steps
	 */
	void inline(int steps);

	/**
	 * The no-op step.
	 */
	void noop();

}
