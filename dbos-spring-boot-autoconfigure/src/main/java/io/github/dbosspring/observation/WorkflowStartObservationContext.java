package io.github.dbosspring.observation;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;
import org.jspecify.annotations.Nullable;

/**
 * The context of a {@link DbosObservationDocumentation#WORKFLOW_START} observation. Its
 * carrier collects the trace context (the propagation fields a tracing handler writes),
 * which is stored with the workflow.
 *
 * @since 0.2.0
 */
public class WorkflowStartObservationContext extends SenderContext<Map<String, String>> {

	private final String workflowName;

	private final String workflowId;

	private final @Nullable String queueName;

	public WorkflowStartObservationContext(String workflowName, String workflowId, @Nullable String queueName) {
		super((carrier, key, value) -> carrier.put(key, value), Kind.PRODUCER);
		setCarrier(new LinkedHashMap<>());
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
	 * The queue the workflow is enqueued on.
	 * @return the queue, or {@code null} for a workflow started directly
	 */
	public @Nullable String getQueueName() {
		return this.queueName;
	}

}
