package io.github.dbosspring.observation;

import java.util.Map;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import org.jspecify.annotations.Nullable;

/**
 * The context of a {@link DbosObservationDocumentation#WORKFLOW} observation. Its carrier
 * holds the trace context stored when the workflow was started, so a tracing handler
 * makes the execution a child of that trace.
 *
 * @since 0.2.0
 */
public class WorkflowObservationContext extends ReceiverContext<Map<String, String>> {

	private final String workflowName;

	private final String workflowId;

	private final @Nullable String queueName;

	private String outcome = "unknown";

	public WorkflowObservationContext(String workflowName, String workflowId, @Nullable String queueName,
			Map<String, String> traceContext) {
		super((carrier, key) -> carrier.get(key), Kind.CONSUMER);
		setCarrier(traceContext);
		this.workflowName = workflowName;
		this.workflowId = workflowId;
		this.queueName = queueName;
	}

	public String getWorkflowName() {
		return this.workflowName;
	}

	public String getWorkflowId() {
		return this.workflowId;
	}

	/**
	 * The queue of the job this execution is an attempt of.
	 * @return the queue, or {@code null}
	 */
	public @Nullable String getQueueName() {
		return this.queueName;
	}

	/**
	 * What became of the execution, once it has ended ({@code unknown} before).
	 * @return the outcome
	 * @see DbosObservationDocumentation.DbosKeyNames#OUTCOME
	 */
	public String getOutcome() {
		return this.outcome;
	}

	public void setOutcome(String outcome) {
		this.outcome = outcome;
	}

}
