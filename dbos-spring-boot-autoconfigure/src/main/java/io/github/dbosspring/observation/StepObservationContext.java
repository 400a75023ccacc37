package io.github.dbosspring.observation;

import io.micrometer.observation.Observation;

/**
 * The context of a {@link DbosObservationDocumentation#STEP} observation.
 *
 * @since 0.2.0
 */
public class StepObservationContext extends Observation.Context {

	private final String stepName;

	private final int stepId;

	private final String workflowId;

	private String outcome = "unknown";

	public StepObservationContext(String stepName, int stepId, String workflowId) {
		this.stepName = stepName;
		this.stepId = stepId;
		this.workflowId = workflowId;
	}

	public String getStepName() {
		return this.stepName;
	}

	public int getStepId() {
		return this.stepId;
	}

	public String getWorkflowId() {
		return this.workflowId;
	}

	/**
	 * What became of the step, once it has ended ({@code unknown} before).
	 * @return {@code success}, {@code error} or {@code abandoned}
	 */
	public String getOutcome() {
		return this.outcome;
	}

	public void setOutcome(String outcome) {
		this.outcome = outcome;
	}

}
