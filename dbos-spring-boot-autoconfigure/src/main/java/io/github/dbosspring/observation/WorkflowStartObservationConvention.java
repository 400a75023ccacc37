package io.github.dbosspring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * The name and key values of {@link WorkflowStartObservationContext} observations; declare a
 * bean of this type to replace {@link DefaultWorkflowStartObservationConvention}.
 *
 * @since 0.2.0
 */
public interface WorkflowStartObservationConvention extends ObservationConvention<WorkflowStartObservationContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof WorkflowStartObservationContext;
	}

}
