package io.github.dbosspring.benchmarks;

import java.util.UUID;

import io.github.dbosspring.benchmarks.NoOpWorkflowApplication.NoOpWorkflows;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.WorkflowOptions;

/**
 * One inline workflow of {@code steps} no-op steps per operation, started with
 * {@link Dbos#run} under a new random workflow ID (the form of a generated ID).
 *
 * @since 0.1.0
 */
final class NoOpWorkflowPhase implements Phase {

	private final Dbos dbos;

	private final NoOpWorkflows workflows;

	private final int steps;

	NoOpWorkflowPhase(Dbos dbos, NoOpWorkflows workflows, int steps) {
		this.dbos = dbos;
		this.workflows = workflows;
		this.steps = steps;
	}

	@Override
	public String key() {
		return "workflow-" + this.steps;
	}

	@Override
	public String description() {
		return "workflow, " + this.steps + " no-op step" + ((this.steps != 1) ? "s" : "");
	}

	@Override
	public int steps() {
		return this.steps;
	}

	@Override
	public void runOnce() {
		int done = this.dbos.run(WorkflowOptions.withId(UUID.randomUUID().toString()),
				() -> this.workflows.run(this.steps));
		if (done != this.steps) {
			throw new IllegalStateException("The workflow ran " + done + " steps instead of " + this.steps);
		}
	}

}
