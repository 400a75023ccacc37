package io.github.dbosspring.workflow;

/**
 * The life-cycle states of a workflow.
 *
 * @since 0.1.0
 */
public enum WorkflowStatus {

	/** Running, or interrupted and waiting for recovery. */
	PENDING,

	/** Waiting on a queue for a worker. */
	ENQUEUED,

	/** Completed with a result. */
	SUCCESS,

	/** Completed with an exception. */
	ERROR,

	/** Cancelled before completion. */
	CANCELLED,

	/**
	 * A queued job that failed on every attempt it was allowed; kept with its attempts'
	 * errors until it is replayed.
	 */
	DEAD_LETTER,

	/** Crashed more often than {@code dbos.recovery.max-attempts} allows; no longer recovered. */
	MAX_RECOVERY_ATTEMPTS_EXCEEDED;

	/**
	 * Whether a workflow in this state will not change state again by itself.
	 * @return whether the state is final
	 */
	public boolean isTerminal() {
		return this == SUCCESS || this == ERROR || this == CANCELLED || this == DEAD_LETTER
				|| this == MAX_RECOVERY_ATTEMPTS_EXCEEDED;
	}

}
