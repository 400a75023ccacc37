package io.github.dbosspring.sample;

import io.github.dbosspring.workflow.Workflow;

import org.springframework.stereotype.Service;

/**
 * The queue-worker workflow: a number of steps run one after the other. Each completed
 * step is checkpointed, so after a crash the workflow resumes with the first step that
 * had not completed.
 *
 * <pre class="code">
 * WorkflowHandle&lt;Integer&gt; handle = dbos.start(() -&gt; queueWorker.run(10));
 * </pre>
 *
 * @since 0.1.0
 */
@Service
public class QueueWorker {

	/** The workflow's name, as recorded with every run. */
	public static final String WORKFLOW_NAME = "QueueWorker.run";

	private final QueueWorkerSteps steps;

	public QueueWorker(QueueWorkerSteps steps) {
		this.steps = steps;
	}

	/**
	 * Runs {@code numSteps} steps.
	 * @param numSteps how many steps to run
	 * @return the number of the last completed step
	 * @throws InterruptedException if the thread is interrupted while a step works
	 */
	@Workflow
	public int run(int numSteps) throws InterruptedException {
		int completed = 0;
		for (int i = 1; i <= numSteps; i++) {
			completed = this.steps.step(i);
		}
		return completed;
	}

}
