package io.github.dbosspring.benchmarks.peer.jobrunr;

import io.github.dbosspring.benchmarks.peer.JobEvents;

/**
 * The job: a static method, enqueued as {@code () -> NoOpJob.run(n)}. JobRunr has no checkpointed
 * steps, so the body only reports its start and end.
 */
public final class NoOpJob {

	private NoOpJob() {
	}

	public static void run(int job) {
		JobEvents.started(job);
		JobEvents.completed(job);
	}

}
