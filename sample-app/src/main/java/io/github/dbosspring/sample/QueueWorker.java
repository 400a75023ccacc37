package io.github.dbosspring.sample;

import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Workflow;

import org.springframework.stereotype.Service;

/**
 * The queue workflow: {@code numSteps} steps run one after the other, with the progress
 * published as the {@value WorkflowProgress#EVENT} event after each. Every completed step
 * is checkpointed, so after a crash the workflow resumes with the first step that had not
 * completed. Only in the {@code worker} and {@code all} roles; the web server enqueues it
 * by name on {@value #QUEUE_NAME}, declared in {@code application.yml}.
 *
 * @since 0.1.0
 */
@Service
@ConditionalOnSampleRole(SampleRole.WORKER)
public class QueueWorker {

	/** The workflow's name, as clients enqueue it. */
	public static final String WORKFLOW_NAME = "queueWorkflow";

	/** The queue the web server enqueues the workflow on. */
	public static final String QUEUE_NAME = "workflow-queue";

	private final QueueWorkerSteps steps;

	public QueueWorker(QueueWorkerSteps steps) {
		this.steps = steps;
	}

	/**
	 * Runs {@code numSteps} steps, publishing the progress after each.
	 * @param numSteps how many steps to run
	 * @return the number of completed steps
	 * @throws InterruptedException if the thread is interrupted while a step works
	 */
	@Workflow(name = WORKFLOW_NAME)
	public int run(int numSteps) throws InterruptedException {
		Dbos.setEvent(WorkflowProgress.EVENT, new WorkflowProgress(0, numSteps));
		for (int i = 1; i <= numSteps; i++) {
			this.steps.step(i);
			Dbos.setEvent(WorkflowProgress.EVENT, new WorkflowProgress(i, numSteps));
		}
		return numSteps;
	}

}
