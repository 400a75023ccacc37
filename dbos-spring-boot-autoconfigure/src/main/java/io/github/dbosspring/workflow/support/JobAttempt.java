package io.github.dbosspring.workflow.support;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.queue.Queue;

/**
 * One attempt of a queued job, as started by a worker.
 *
 * @param queue the job's queue
 * @param attempt the attempt, from 1
 * @param maxAttempts the attempts the job is allowed
 * @param deadline when its timeout expires, or {@code null}
 * @param hasSteps whether steps are recorded for it (a retry, a recovered or forked job)
 * @param traceContext the trace context recorded when it was enqueued, or {@code null}
 * @since 0.2.0
 */
record JobAttempt(Queue queue, int attempt, int maxAttempts, @Nullable Instant deadline, boolean hasSteps,
		@Nullable String traceContext) {
}
