package io.github.dbosspring.benchmarks;

import java.util.ArrayList;
import java.util.List;

import io.github.dbosspring.benchmarks.NoOpWorkflowApplication.NoOpWorkflows;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.EnqueueRequest;
import io.github.dbosspring.workflow.Dbos;

/**
 * Enqueues one-step jobs with no worker running: one {@link Dbos#enqueue} per call (one
 * transaction per job), or one {@link Dbos#enqueueAll} of {@code batchSize} jobs per call
 * (one transaction per batch). Each job gets a generated (random UUID) workflow ID.
 *
 * @since 0.2.0
 */
final class EnqueuePhase implements Phase {

	private final Dbos dbos;

	private final NoOpWorkflows workflows;

	private final String queue;

	private final int batchSize;

	EnqueuePhase(Dbos dbos, NoOpWorkflows workflows, String queue, int batchSize) {
		this.dbos = dbos;
		this.workflows = workflows;
		this.queue = queue;
		this.batchSize = batchSize;
	}

	@Override
	public String key() {
		return (this.batchSize == 1) ? "enqueue-single" : "enqueue-batch-" + this.batchSize;
	}

	@Override
	public String description() {
		return (this.batchSize == 1) ? "enqueue, 1 job per transaction (dbos.enqueue)"
				: "enqueue, " + this.batchSize + " jobs per transaction (dbos.enqueueAll)";
	}

	@Override
	public int steps() {
		return 1;
	}

	@Override
	public int operationsPerCall() {
		return this.batchSize;
	}

	@Override
	public void runOnce() {
		if (this.batchSize == 1) {
			this.dbos.enqueue(this.queue, () -> this.workflows.run(1));
			return;
		}
		List<EnqueueRequest> batch = new ArrayList<>(this.batchSize);
		for (int i = 0; i < this.batchSize; i++) {
			batch.add(EnqueueRequest.of(EnqueueOptions.queue(this.queue), () -> this.workflows.run(1)));
		}
		if (this.dbos.enqueueAll(batch).size() != this.batchSize) {
			throw new IllegalStateException("The batch enqueue returned fewer handles than jobs");
		}
	}

}
