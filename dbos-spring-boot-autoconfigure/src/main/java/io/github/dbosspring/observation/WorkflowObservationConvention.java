package io.github.dbosspring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * The name and key values of {@link WorkflowObservationContext} observations; declare a
 * bean of this type to replace {@link DefaultWorkflowObservationConvention}.
 *
 * @since 0.2.0
 */
public interface WorkflowObservationConvention extends ObservationConvention<WorkflowObservationContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof WorkflowObservationContext;
	}

}
