package io.github.dbosspring.benchmarks.peer.dbostransact;

import dev.dbos.transact.workflow.Step;
import dev.dbos.transact.workflow.Workflow;
import io.github.dbosspring.benchmarks.peer.JobEvents;

/**
 * Steps are called through the proxy ({@link #setSelf}), as DBOS documents: a direct {@code this.noop()}
 * would not be checkpointed.
 */
public class NoOpWorkflowsImpl implements NoOpWorkflows {

	private NoOpWorkflows self;

	void setSelf(NoOpWorkflows self) {
		this.self = self;
	}

	@Override
	@Workflow(name = "job")
	public void job(int job) {
		JobEvents.started(job);
		this.self.noop();
		JobEvents.completed(job);
	}

	@Override
	@Workflow(name = "inline")
	public void inline(int steps) {
		for (int i = 0; i < steps; i++) {
			this.self.noop();
		}
	}

	@Override
	@Step(name = "noop")
	public void noop() {
	}

}
