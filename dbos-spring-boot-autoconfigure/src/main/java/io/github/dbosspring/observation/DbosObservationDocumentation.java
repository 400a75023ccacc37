package io.github.dbosspring.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The observations of durable workflows. With Micrometer Tracing each one is a span, and a
 * workflow's spans continue the trace of the code that started or enqueued it, whichever
 * process runs it and however often it is recovered:
 *
 * <pre class="code">
 * POST /orders                      (the caller's span)
 * └─ enqueue checkout               dbos.workflow.start
 *    └─ workflow checkout           dbos.workflow (one per execution: attempts, recoveries)
 *       ├─ step charge              dbos.step
 *       └─ step ship                dbos.step
 * </pre>
 *
 * @since 0.2.0
 */
public enum DbosObservationDocumentation implements ObservationDocumentation {

	/**
	 * The start or enqueue of a workflow: the write of its row, which stores the trace
	 * context its executions continue.
	 */
	WORKFLOW_START {

		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultWorkflowStartObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { DbosKeyNames.WORKFLOW_NAME, DbosKeyNames.QUEUE_NAME };
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return new KeyName[] { DbosKeyNames.WORKFLOW_ID };
		}

	},

	/**
	 * One execution of a workflow: its first run, a queued job's attempt, or a run after
	 * recovery.
	 */
	WORKFLOW {

		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultWorkflowObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { DbosKeyNames.WORKFLOW_NAME, DbosKeyNames.QUEUE_NAME, DbosKeyNames.OUTCOME };
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return new KeyName[] { DbosKeyNames.WORKFLOW_ID };
		}

	},

	/**
	 * A step run by a workflow execution: its body (with retries) and its checkpoint. A
	 * step replayed from its checkpoint is not observed.
	 */
	STEP {

		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultStepObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { DbosKeyNames.STEP_NAME, DbosKeyNames.OUTCOME };
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return new KeyName[] { DbosKeyNames.WORKFLOW_ID, DbosKeyNames.STEP_ID };
		}

	};

	/**
	 * The key names of the observations.
	 */
	public enum DbosKeyNames implements KeyName {

		/** The workflow's name. */
		WORKFLOW_NAME("workflow.name"),

		/** The workflow's queue, or {@code none}. */
		QUEUE_NAME("queue.name"),

		/**
		 * What became of a workflow execution ({@code success}, {@code error}, {@code retry},
		 * {@code dead_letter}, {@code cancelled}, {@code abandoned}) or of a step
		 * ({@code success}, {@code error}, {@code abandoned}).
		 */
		OUTCOME("outcome"),

		/** The step's name. */
		STEP_NAME("step.name"),

		/** The workflow's ID (high cardinality). */
		WORKFLOW_ID("workflow.id"),

		/** The step's sequence number in its workflow (high cardinality). */
		STEP_ID("step.id");

		private final String key;

		DbosKeyNames(String key) {
			this.key = key;
		}

		@Override
		public String asString() {
			return this.key;
		}

	}

}
