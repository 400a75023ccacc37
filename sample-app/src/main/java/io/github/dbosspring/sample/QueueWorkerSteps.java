package io.github.dbosspring.sample;

import io.github.dbosspring.workflow.Step;

import org.springframework.stereotype.Component;

/**
 * The step of the {@link QueueWorker} workflow. It lives on its own bean so that the
 * workflow calls it through the Spring proxy, which checkpoints each call. Only in the
 * {@code worker} and {@code all} roles.
 *
 * @since 0.1.0
 */
@Component
@ConditionalOnSampleRole(SampleRole.WORKER)
public class QueueWorkerSteps {

	private final SampleProperties properties;

	public QueueWorkerSteps(SampleProperties properties) {
		this.properties = properties;
	}

	/**
	 * Works for {@code sample.step-duration}, then prints {@code Step i completed}.
	 * @param i the step's number, from 1
	 * @return the step's number
	 * @throws InterruptedException if the thread is interrupted while working
	 */
	@Step
	public int step(int i) throws InterruptedException {
		Thread.sleep(this.properties.stepDuration().toMillis());
		System.out.println("Step " + i + " completed");
		return i;
	}

}
