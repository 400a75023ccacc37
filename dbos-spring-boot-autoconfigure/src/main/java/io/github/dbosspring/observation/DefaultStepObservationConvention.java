package io.github.dbosspring.observation;

import io.micrometer.common.KeyValues;

import io.github.dbosspring.observation.DbosObservationDocumentation.DbosKeyNames;

/**
 * The default {@link StepObservationConvention}: {@code dbos.step}, named
 * {@code step <step>} in traces.
 *
 * @since 0.2.0
 */
public class DefaultStepObservationConvention implements StepObservationConvention {

	@Override
	public String getName() {
		return "dbos.step";
	}

	@Override
	public String getContextualName(StepObservationContext context) {
		return "step " + context.getStepName();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(StepObservationContext context) {
		return KeyValues.of(DbosKeyNames.STEP_NAME.withValue(context.getStepName()),
				DbosKeyNames.OUTCOME.withValue(context.getOutcome()));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(StepObservationContext context) {
		return KeyValues.of(DbosKeyNames.WORKFLOW_ID.withValue(context.getWorkflowId()),
				DbosKeyNames.STEP_ID.withValue(Integer.toString(context.getStepId())));
	}

}
