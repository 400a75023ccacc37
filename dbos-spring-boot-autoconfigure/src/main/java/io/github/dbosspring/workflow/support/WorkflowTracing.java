package io.github.dbosspring.workflow.support;

import org.jspecify.annotations.Nullable;

/**
 * Traces of workflows for the engine and the client, without a dependency on a tracing
 * library: the start (or enqueue) of a workflow, its executions and their steps. The trace
 * context captured when a workflow is started is stored with it (opaque text), and every
 * execution of it, in this process or another, now or after a crash, continues that
 * trace. {@link #NONE} traces nothing and costs nothing.
 *
 * <p>Implementations must be fast and must not throw. The Micrometer Observation one is
 * {@code io.github.dbosspring.observation.ObservationWorkflowTracing}.
 *
 * @since 0.2.0
 */
public interface WorkflowTracing {

	/** Traces nothing. */
	WorkflowTracing NONE = new WorkflowTracing() {
	};

	/**
	 * Begins tracing the start or the enqueue of a workflow (the write of its row), on the
	 * caller's thread.
	 * @param workflowName the workflow
	 * @param workflowId its ID
	 * @param queueName its queue when it is enqueued, {@code null} when it is started
	 * @return the trace of the start, to end once the row is written
	 */
	default Start start(String workflowName, String workflowId, @Nullable String queueName) {
		return Start.NONE;
	}

	/**
	 * Begins tracing one execution of a workflow, on the thread that runs it.
	 * @param workflowName the workflow
	 * @param workflowId its ID
	 * @param queueName its queue when a worker runs it, else {@code null}
	 * @param traceContext the trace context stored when it was started, or {@code null}
	 * @return the trace of the execution, to end when it stops
	 */
	default Execution execution(String workflowName, String workflowId, @Nullable String queueName,
			@Nullable String traceContext) {
		return Execution.NONE;
	}

	/**
	 * The trace of a workflow's start.
	 */
	interface Start {

		/** Traces nothing. */
		Start NONE = new Start() {
		};

		/**
		 * The trace context to store with the workflow.
		 * @return the context as text, or {@code null} when there is none
		 */
		default @Nullable String traceContext() {
			return null;
		}

		/**
		 * Ends the trace.
		 * @param failure why the workflow could not be recorded, or {@code null}
		 */
		default void end(@Nullable Throwable failure) {
		}

	}

	/**
	 * The trace of one execution of a workflow.
	 */
	interface Execution {

		/** Traces nothing. */
		Execution NONE = new Execution() {
		};

		/**
		 * Makes this trace the current one on the calling thread, until the scope is closed.
		 * @return the scope
		 */
		default Scope open() {
			return Scope.NONE;
		}

		/**
		 * Begins tracing a step of this execution (on any thread).
		 * @param stepName the step
		 * @param stepId its sequence number
		 * @return the trace of the step, to end when its body has run and its outcome is
		 * recorded
		 */
		default Step step(String stepName, int stepId) {
			return Step.NONE;
		}

		/**
		 * Ends the trace.
		 * @param outcome what became of the execution: {@code success}, {@code error},
		 * {@code retry}, {@code dead_letter}, {@code cancelled} or {@code abandoned}
		 * @param failure the workflow's exception, or {@code null}
		 */
		default void end(String outcome, @Nullable Throwable failure) {
		}

	}

	/**
	 * The trace of a step.
	 */
	interface Step {

		/** Traces nothing. */
		Step NONE = new Step() {
		};

		/**
		 * Makes this trace the current one on the calling thread, until the scope is closed.
		 * @return the scope
		 */
		default Scope open() {
			return Scope.NONE;
		}

		/**
		 * Ends the trace.
		 * @param failure the step's exception, or {@code null}
		 */
		default void end(@Nullable Throwable failure) {
		}

	}

	/**
	 * A trace made current on a thread.
	 */
	interface Scope extends AutoCloseable {

		/** Changes nothing. */
		Scope NONE = () -> {
		};

		@Override
		void close();

	}

}
