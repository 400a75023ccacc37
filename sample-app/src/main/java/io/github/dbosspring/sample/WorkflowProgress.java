package io.github.dbosspring.sample;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The progress the queue workflow publishes as its {@value #EVENT} event after every
 * step, stored as JSON {@code {"steps_completed": 3, "num_steps": 10}}. The worker writes
 * it and the web server reads it, so both agree on this shape.
 *
 * @param stepsCompleted how many steps have completed
 * @param numSteps how many steps the workflow runs in all
 * @since 0.1.0
 */
public record WorkflowProgress(@JsonProperty("steps_completed") int stepsCompleted,
		@JsonProperty("num_steps") int numSteps) {

	/** The key of the workflow event that holds the progress. */
	public static final String EVENT = "workflow_progress";

}
