package io.github.dbosspring.workflow;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A recorded step of a workflow.
 *
 * @param workflowId the workflow the step belongs to
 * @param stepId the step's sequence number in the workflow, from 0
 * @param stepName the step's name
 * @param output the recorded output as JSON, when the step returned
 * @param outputType the class of the recorded output (read back by lambda steps, whose
 * declared type is erased)
 * @param errorClass the recorded exception class, when the step threw
 * @param errorMessage the recorded exception message, when the step threw
 * @param childWorkflowId the child workflow this step started, if any
 * @param startedAt when the step body started
 * @param completedAt when the checkpoint was written
 * @since 0.1.0
 */
public record StepInfo(String workflowId, int stepId, String stepName, @Nullable String output,
		@Nullable String outputType, @Nullable String errorClass, @Nullable String errorMessage, @Nullable String childWorkflowId,
		@Nullable Instant startedAt, Instant completedAt) {

	/**
	 * Whether the step's recorded outcome is an exception.
	 * @return whether the step failed
	 */
	public boolean failed() {
		return this.errorClass != null;
	}

}
