package io.github.dbosspring.observation;

import java.util.Map;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import io.github.dbosspring.workflow.WorkflowAbandonedException;
import io.github.dbosspring.workflow.support.WorkflowTracing;

/**
 * Traces workflows with the Micrometer Observation API (see
 * {@link DbosObservationDocumentation}). The start of a workflow is a
 * {@link WorkflowStartObservationContext sender}: with Micrometer Tracing, its
 * propagating handler writes the trace context into the carrier, which is stored with the
 * workflow as a JSON object. Each execution is a {@link WorkflowObservationContext
 * receiver} over the stored context, so it joins that trace in whichever process runs it,
 * also after a crash; its steps are its child observations. Without a tracing handler
 * (meters only) nothing is stored.
 *
 * <pre class="code">
 * engine.setTracing(new ObservationWorkflowTracing(observationRegistry));
 * </pre>
 *
 * @since 0.2.0
 */
public class ObservationWorkflowTracing implements WorkflowTracing {

	private static final Log logger = LogFactory.getLog(ObservationWorkflowTracing.class);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final TypeReference<Map<String, String>> FIELDS = new TypeReference<>() {
	};

	private static final WorkflowStartObservationConvention DEFAULT_START_CONVENTION =
			new DefaultWorkflowStartObservationConvention();

	private static final WorkflowObservationConvention DEFAULT_WORKFLOW_CONVENTION =
			new DefaultWorkflowObservationConvention();

	private static final StepObservationConvention DEFAULT_STEP_CONVENTION = new DefaultStepObservationConvention();

	private final ObservationRegistry registry;

	private @Nullable WorkflowStartObservationConvention startConvention;

	private @Nullable WorkflowObservationConvention workflowConvention;

	private @Nullable StepObservationConvention stepConvention;

	public ObservationWorkflowTracing(ObservationRegistry registry) {
		this.registry = registry;
	}

	/**
	 * Replaces the {@link DefaultWorkflowStartObservationConvention}.
	 * @param convention the convention, or {@code null} for the default
	 */
	public void setStartConvention(@Nullable WorkflowStartObservationConvention convention) {
		this.startConvention = convention;
	}

	/**
	 * Replaces the {@link DefaultWorkflowObservationConvention}.
	 * @param convention the convention, or {@code null} for the default
	 */
	public void setWorkflowConvention(@Nullable WorkflowObservationConvention convention) {
		this.workflowConvention = convention;
	}

	/**
	 * Replaces the {@link DefaultStepObservationConvention}.
	 * @param convention the convention, or {@code null} for the default
	 */
	public void setStepConvention(@Nullable StepObservationConvention convention) {
		this.stepConvention = convention;
	}

	@Override
	public Start start(String workflowName, String workflowId, @Nullable String queueName) {
		if (this.registry.isNoop()) {
			return Start.NONE;
		}
		WorkflowStartObservationContext context = new WorkflowStartObservationContext(workflowName, workflowId,
				queueName);
		Observation observation = DbosObservationDocumentation.WORKFLOW_START
			.observation(this.startConvention, DEFAULT_START_CONVENTION, () -> context, this.registry)
			.start();
		return new ObservedStart(observation, context);
	}

	@Override
	public Execution execution(String workflowName, String workflowId, @Nullable String queueName,
			@Nullable String traceContext) {
		if (this.registry.isNoop()) {
			return Execution.NONE;
		}
		WorkflowObservationContext context = new WorkflowObservationContext(workflowName, workflowId, queueName,
				decode(workflowId, traceContext));
		Observation observation = DbosObservationDocumentation.WORKFLOW
			.observation(this.workflowConvention, DEFAULT_WORKFLOW_CONVENTION, () -> context, this.registry)
			.start();
		return new ObservedExecution(observation, context);
	}

	private static @Nullable String encode(Map<String, String> fields) {
		if (fields.isEmpty()) {
			return null;
		}
		try {
			return JSON.writeValueAsString(fields);
		}
		catch (JacksonException ex) {
			logger.debug("Could not write a trace context", ex);
			return null;
		}
	}

	private static Map<String, String> decode(String workflowId, @Nullable String text) {
		if (text == null || text.isEmpty()) {
			return Map.of();
		}
		try {
			Map<String, String> fields = JSON.readValue(text, FIELDS);
			return (fields != null) ? fields : Map.of();
		}
		catch (JacksonException ex) {
			// an unreadable context must not stop the workflow: it starts a trace of its own
			logger.debug("Ignoring the unreadable trace context of workflow '" + workflowId + "'", ex);
			return Map.of();
		}
	}

	private static Scope open(Observation observation) {
		Observation.Scope scope = observation.openScope();
		return scope::close;
	}

	private static final class ObservedStart implements Start {

		private final Observation observation;

		private final WorkflowStartObservationContext context;

		ObservedStart(Observation observation, WorkflowStartObservationContext context) {
			this.observation = observation;
			this.context = context;
		}

		@Override
		public @Nullable String traceContext() {
			Map<String, String> carrier = this.context.getCarrier();
			return (carrier != null) ? encode(carrier) : null;
		}

		@Override
		public void end(@Nullable Throwable failure) {
			if (failure != null) {
				this.observation.error(failure);
			}
			this.observation.stop();
		}

	}

	private final class ObservedExecution implements Execution {

		private final Observation observation;

		private final WorkflowObservationContext context;

		ObservedExecution(Observation observation, WorkflowObservationContext context) {
			this.observation = observation;
			this.context = context;
		}

		@Override
		public Scope open() {
			return ObservationWorkflowTracing.open(this.observation);
		}

		@Override
		public Step step(String stepName, int stepId) {
			StepObservationContext stepContext = new StepObservationContext(stepName, stepId,
					this.context.getWorkflowId());
			// explicitly parented: parallel steps run on other threads
			Observation step = DbosObservationDocumentation.STEP
				.observation(ObservationWorkflowTracing.this.stepConvention, DEFAULT_STEP_CONVENTION,
						() -> stepContext, ObservationWorkflowTracing.this.registry)
				.parentObservation(this.observation)
				.start();
			return new ObservedStep(step, stepContext);
		}

		@Override
		public void end(String outcome, @Nullable Throwable failure) {
			this.context.setOutcome(outcome);
			if (failure != null && !"abandoned".equals(outcome) && !"cancelled".equals(outcome)) {
				this.observation.error(failure);
			}
			this.observation.stop();
		}

	}

	private static final class ObservedStep implements Step {

		private final Observation observation;

		private final StepObservationContext context;

		ObservedStep(Observation observation, StepObservationContext context) {
			this.observation = observation;
			this.context = context;
		}

		@Override
		public Scope open() {
			return ObservationWorkflowTracing.open(this.observation);
		}

		@Override
		public void end(@Nullable Throwable failure) {
			if (failure == null) {
				this.context.setOutcome("success");
			}
			else if (failure instanceof WorkflowAbandonedException) {
				this.context.setOutcome("abandoned");
			}
			else {
				this.context.setOutcome("error");
				this.observation.error(failure);
			}
			this.observation.stop();
		}

	}

}
