package io.github.dbosspring.workflow.support;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.workflow.StepInfo;

/**
 * The state of one workflow execution on the thread that runs it: its ID, the next step
 * sequence number and, when the workflow is re-executed, the outcomes recorded by the
 * earlier execution (loaded once, in one query).
 *
 * @since 0.1.0
 */
public final class WorkflowExecutionContext {

	private static final ThreadLocal<WorkflowExecutionContext> CURRENT = new ThreadLocal<>();

	private final WorkflowEngine engine;

	private final String workflowId;

	private final WorkflowMethod workflow;

	private final Map<Integer, StepInfo> recorded;

	private final AtomicInteger nextStepId = new AtomicInteger();

	private int stepDepth;

	private int childrenInStep;

	private int currentStepId = -1;

	private volatile boolean abandoned;

	private final @Nullable WorkflowExecutionContext parent;

	private @Nullable JobAttempt job;

	private java.time.@Nullable Instant deadline;

	private @Nullable String deadlineOwner;

	private WorkflowTracing.Execution tracing = WorkflowTracing.Execution.NONE;

	private volatile @Nullable String tracedOutcome;

	private @Nullable PendingCheckpoint pendingCheckpoint;

	WorkflowExecutionContext(WorkflowEngine engine, String workflowId, WorkflowMethod workflow,
			Map<Integer, StepInfo> recorded) {
		this(engine, workflowId, workflow, recorded, null);
	}

	private WorkflowExecutionContext(WorkflowEngine engine, String workflowId, WorkflowMethod workflow,
			Map<Integer, StepInfo> recorded, @Nullable WorkflowExecutionContext parent) {
		this.engine = engine;
		this.workflowId = workflowId;
		this.workflow = workflow;
		this.recorded = recorded;
		this.parent = parent;
	}

	/**
	 * A context for the thread that runs one parallel step of this workflow: it is inside
	 * that step (nested steps run plain), and abandoning it abandons the workflow.
	 */
	WorkflowExecutionContext forParallelStep(int stepId) {
		WorkflowExecutionContext stepContext = new WorkflowExecutionContext(this.engine, this.workflowId,
				this.workflow, this.recorded, this);
		stepContext.enterStep(stepId);
		return stepContext;
	}

	/**
	 * The context of the workflow running on this thread.
	 * @return the context, or {@code null} outside a workflow
	 */
	public static @Nullable WorkflowExecutionContext current() {
		return CURRENT.get();
	}

	static @Nullable WorkflowExecutionContext bind(@Nullable WorkflowExecutionContext context) {
		WorkflowExecutionContext previous = CURRENT.get();
		if (context == null) {
			CURRENT.remove();
		}
		else {
			CURRENT.set(context);
		}
		return previous;
	}

	/**
	 * The engine running this workflow, for steps that are not intercepted methods.
	 * @return the engine
	 */
	public WorkflowEngine engine() {
		return this.engine;
	}

	public String workflowId() {
		return this.workflowId;
	}

	public WorkflowMethod workflow() {
		return this.workflow;
	}

	/**
	 * The queued job attempt this execution is, if it was started by a queue worker.
	 * @return the attempt, or {@code null}
	 */
	@Nullable JobAttempt job() {
		return (this.parent != null) ? this.parent.job() : this.job;
	}

	private boolean parkable;

	boolean isParkable() {
		return (this.parent != null) ? this.parent.isParkable() : this.parkable;
	}

	void setParkable(boolean parkable) {
		this.parkable = parkable;
	}

	void setJob(@Nullable JobAttempt job) {
		this.job = job;
	}

	/**
	 * The trace of this execution (shared with its parallel steps).
	 * @return the trace
	 */
	WorkflowTracing.Execution tracing() {
		return (this.parent != null) ? this.parent.tracing() : this.tracing;
	}

	void setTracing(WorkflowTracing.Execution tracing) {
		this.tracing = tracing;
	}

	/**
	 * What this execution recorded, when its exception alone does not tell (a failed job
	 * attempt sent back to its queue, or dead-lettered).
	 * @return the outcome for its trace, or {@code null}
	 */
	@Nullable String tracedOutcome() {
		return (this.parent != null) ? this.parent.tracedOutcome() : this.tracedOutcome;
	}

	void setTracedOutcome(String outcome) {
		if (this.parent != null) {
			this.parent.setTracedOutcome(outcome);
		}
		else {
			this.tracedOutcome = outcome;
		}
	}

	/**
	 * When this execution's timeout (or an ancestor's) expires.
	 * @return the deadline, or {@code null} for none
	 */
	java.time.@Nullable Instant deadline() {
		return (this.parent != null) ? this.parent.deadline() : this.deadline;
	}

	/**
	 * The workflow whose timeout sets the deadline.
	 * @return its ID
	 */
	String deadlineOwner() {
		return (this.parent != null) ? this.parent.deadlineOwner()
				: (this.deadlineOwner != null) ? this.deadlineOwner : this.workflowId;
	}

	void setDeadline(java.time.@Nullable Instant deadline, String owner) {
		this.deadline = deadline;
		this.deadlineOwner = owner;
	}

	/**
	 * Whether the workflow's code is replaying recorded steps (the next step is recorded).
	 * @return whether the execution is still behind the recorded history
	 */
	boolean isReplaying() {
		return this.recorded.containsKey(this.nextStepId.get());
	}

	/**
	 * Whether this is the context of one parallel step's thread.
	 * @return whether it belongs to a parallel step
	 */
	boolean isParallelStep() {
		return this.parent != null;
	}

	/**
	 * Holds a step's checkpoint until the workflow's next durable operation or its outcome
	 * writes it (only the workflow's own thread touches it).
	 */
	void setPendingCheckpoint(PendingCheckpoint checkpoint) {
		this.pendingCheckpoint = checkpoint;
	}

	/**
	 * Takes the checkpoint not written yet, if any.
	 * @return the checkpoint, or {@code null}
	 */
	@Nullable PendingCheckpoint takePendingCheckpoint() {
		PendingCheckpoint checkpoint = this.pendingCheckpoint;
		this.pendingCheckpoint = null;
		return checkpoint;
	}

	/**
	 * A step's outcome, serialized, whose checkpoint is not written yet.
	 */
	record PendingCheckpoint(int stepId, String stepName, @Nullable String output, @Nullable String outputType,
			@Nullable String errorClass, @Nullable String errorMessage, long startedAtNanos) {

		io.github.dbosspring.store.WorkflowStatusRepository.StepRecord toRecord() {
			return new io.github.dbosspring.store.WorkflowStatusRepository.StepRecord(this.stepId, this.stepName,
					this.output, this.outputType, this.errorClass, this.errorMessage,
					(System.nanoTime() - this.startedAtNanos) / 1e9);
		}

	}

	int nextStepId() {
		return this.nextStepId.getAndIncrement();
	}

	@Nullable StepInfo recorded(int stepId) {
		return this.recorded.get(stepId);
	}

	boolean inStep() {
		return this.stepDepth > 0;
	}

	void enterStep(int stepId) {
		this.stepDepth++;
		this.currentStepId = stepId;
		this.childrenInStep = 0;
	}

	void exitStep() {
		this.stepDepth--;
	}

	int currentStepId() {
		return this.currentStepId;
	}

	/**
	 * The ID of a child workflow started inside a step body: stable across re-executions
	 * of that step.
	 */
	String childIdInStep() {
		return this.workflowId + "-" + this.currentStepId + "." + (this.childrenInStep++);
	}

	boolean isAbandoned() {
		return this.abandoned || (this.parent != null && this.parent.isAbandoned());
	}

	void abandon() {
		this.abandoned = true;
		if (this.parent != null) {
			this.parent.abandon();
		}
	}

}
