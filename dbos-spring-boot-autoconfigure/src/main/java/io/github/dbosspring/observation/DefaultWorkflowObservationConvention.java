package io.github.dbosspring.observation;

import io.micrometer.common.KeyValues;

import io.github.dbosspring.observation.DbosObservationDocumentation.DbosKeyNames;

/**
 * The default {@link WorkflowObservationConvention}: {@code dbos.workflow}, named
 * {@code workflow <workflow>} in traces.
 *
 * @since 0.2.0
 */
public class DefaultWorkflowObservationConvention implements WorkflowObservationConvention {

	@Override
	public String getName() {
		return "dbos.workflow";
	}

	@Override
	public String getContextualName(WorkflowObservationContext context) {
		return "workflow " + context.getWorkflowName();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(WorkflowObservationContext context) {
		return KeyValues.of(DbosKeyNames.WORKFLOW_NAME.withValue(context.getWorkflowName()),
				DbosKeyNames.QUEUE_NAME.withValue((context.getQueueName() != null) ? context.getQueueName() : "none"),
				DbosKeyNames.OUTCOME.withValue(context.getOutcome()));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(WorkflowObservationContext context) {
		return KeyValues.of(DbosKeyNames.WORKFLOW_ID.withValue(context.getWorkflowId()));
	}

}
