package io.github.dbosspring.observation;

import io.micrometer.common.KeyValues;

import io.github.dbosspring.observation.DbosObservationDocumentation.DbosKeyNames;

/**
 * The default {@link WorkflowStartObservationConvention}: {@code dbos.workflow.start},
 * named {@code start <workflow>} or {@code enqueue <workflow>} in traces.
 *
 * @since 0.2.0
 */
public class DefaultWorkflowStartObservationConvention implements WorkflowStartObservationConvention {

	@Override
	public String getName() {
		return "dbos.workflow.start";
	}

	@Override
	public String getContextualName(WorkflowStartObservationContext context) {
		return ((context.getQueueName() != null) ? "enqueue " : "start ") + context.getWorkflowName();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(WorkflowStartObservationContext context) {
		return KeyValues.of(DbosKeyNames.WORKFLOW_NAME.withValue(context.getWorkflowName()),
				DbosKeyNames.QUEUE_NAME.withValue((context.getQueueName() != null) ? context.getQueueName() : "none"));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(WorkflowStartObservationContext context) {
		return KeyValues.of(DbosKeyNames.WORKFLOW_ID.withValue(context.getWorkflowId()));
	}

}
