package io.github.dbosspring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * The name and key values of {@link StepObservationContext} observations; declare a
 * bean of this type to replace {@link DefaultStepObservationConvention}.
 *
 * @since 0.2.0
 */
public interface StepObservationConvention extends ObservationConvention<StepObservationContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof StepObservationContext;
	}

}
