package io.github.dbosspring.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowQuery;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Reads and writes the {@code workflow_status} table. Every state change names the state
 * (and owner) it expects in its {@code WHERE} clause, so a stale executor can never
 * overwrite the outcome recorded by the executor that took its work over.
 *
 * @since 0.1.0
 */
public class WorkflowStatusRepository {

	private static final String COLUMNS = """
			workflow_id, status, workflow_name, class_name, bean_name, inputs, output, error_class, error_message,
			executor_id, application_version, recovery_attempts, parent_workflow_id, queue_name,
			created_at, updated_at, completed_at, deduplication_id, priority, partition_key, attempt, max_attempts,
			scheduled_for, started_at, deadline, progress, progress_message""";

	private static final String INSERT_PENDING = """
			INSERT INTO %s.workflow_status (workflow_id, status, workflow_name, class_name, bean_name, inputs,
				executor_id, application_version, parent_workflow_id, timeout_ms, deadline, trace_context)
			VALUES (?, 'PENDING', ?, ?, ?, ?, ?, ?, ?, ?::bigint,
				CASE WHEN ?::bigint IS NULL THEN ?::timestamptz
					ELSE least(coalesce(?::timestamptz, 'infinity'), clock_timestamp() + ?::bigint * interval '1 millisecond') END,
				?)
			ON CONFLICT (workflow_id) DO NOTHING""";

	private static final String SELECT_BY_ID = "SELECT " + COLUMNS + " FROM %s.workflow_status WHERE workflow_id = ?";

	// Only the owner may record the outcome, and only once (the race with an executor that
	// adopted the workflow after presuming this one dead).
	private static final String COMPLETE = """
			UPDATE %s.workflow_status
			SET status = ?, output = ?, error_class = ?, error_message = ?,
				updated_at = clock_timestamp(), completed_at = clock_timestamp()
			WHERE workflow_id = ? AND executor_id = ? AND status = 'PENDING'""";

	// The same, announcing the freed capacity of the workflow's queue to other workers.
	private static final String COMPLETE_AND_NOTIFY = "WITH completed AS (" + COMPLETE + """
			RETURNING queue_name)
			SELECT count(*) FROM completed c, pg_notify(?, c.queue_name)""";

	// The outcome together with the checkpoint of the workflow's last step, in one statement:
	// the checkpoint only while the executor owns the PENDING workflow, the outcome only if
	// the checkpoint was written. When an earlier execution recorded that step, the insert
	// fails on the primary key (no ON CONFLICT: that speculative insertion costs a WAL record
	// and an index probe on every completion for a case that almost never happens), and the
	// completion reports "not recorded". Without a notification it is a plain UPDATE (its
	// update count tells), which a group commit sends in one JDBC batch with the others; a
	// statement returning rows takes a round trip of its own.
	private static final String STEP_CHECKPOINT = """
			WITH step AS (
				INSERT INTO %s.step_outputs (workflow_id, step_id, step_name, output, output_type, error_class,
					error_message, started_at)
				SELECT ?, ?::integer, ?, ?, ?, ?, ?, clock_timestamp() - make_interval(secs => ?::double precision)
				WHERE EXISTS (SELECT 1 FROM %s.workflow_status
					WHERE workflow_id = ? AND executor_id = ? AND status = 'PENDING')
				RETURNING 1)
			""";

	private static final String COMPLETE_IF_STEP_WRITTEN = COMPLETE + " AND EXISTS (SELECT 1 FROM step)";

	private static final String COMPLETE_WITH_STEP = STEP_CHECKPOINT + COMPLETE_IF_STEP_WRITTEN;

	private static final String COMPLETE_WITH_STEP_AND_NOTIFY = STEP_CHECKPOINT + ", completed AS ("
			+ COMPLETE_IF_STEP_WRITTEN + " RETURNING queue_name) "
			+ "SELECT count(*) FROM completed c, pg_notify(?, c.queue_name)";

	// Cancels a workflow that has not completed, wherever it runs: its executor's next
	// checkpoint is refused, so it stops at its next step.
	// recovery_attempts - 1: the adoption that wakes it adds one back
	private static final String PARK = """
			UPDATE %s.workflow_status
			SET executor_id = NULL, scheduled_for = ?, recovery_attempts = recovery_attempts - 1,
				updated_at = clock_timestamp()
			WHERE workflow_id = ? AND executor_id = ? AND status = 'PENDING'""";

	// Children (transitively) are cancelled with it when cascade is on.
	private static final String CANCEL = """
			WITH RECURSIVE tree AS (
				SELECT workflow_id FROM %s.workflow_status WHERE workflow_id = ?
				UNION
				SELECT c.workflow_id FROM %s.workflow_status c JOIN tree t ON c.parent_workflow_id = t.workflow_id
				WHERE ?),
			cancelled AS (
				UPDATE %s.workflow_status
				SET status = 'CANCELLED', error_class = ?, error_message = ?, updated_at = clock_timestamp(),
					completed_at = clock_timestamp()
				WHERE workflow_id IN (SELECT workflow_id FROM tree) AND status IN ('ENQUEUED', 'PENDING')
					AND (workflow_id <> ? OR ?::text IS NULL OR executor_id = ?::text)
				RETURNING workflow_id, coalesce(queue_name, '') AS queue_name)
			SELECT count(*) FILTER (WHERE c.workflow_id = ?) FROM cancelled c, pg_notify(?, c.queue_name)""";

	private static final String DELETE = """
			WITH RECURSIVE tree AS (
				SELECT workflow_id FROM %s.workflow_status WHERE workflow_id = ?
				UNION
				SELECT c.workflow_id FROM %s.workflow_status c JOIN tree t ON c.parent_workflow_id = t.workflow_id
				WHERE ?),
			steps AS (DELETE FROM %s.step_outputs WHERE workflow_id IN (SELECT workflow_id FROM tree)),
			events AS (DELETE FROM %s.workflow_events WHERE workflow_id IN (SELECT workflow_id FROM tree)),
			messages AS (DELETE FROM %s.workflow_messages WHERE destination_id IN (SELECT workflow_id FROM tree)),
			attempts AS (DELETE FROM %s.workflow_attempts WHERE workflow_id IN (SELECT workflow_id FROM tree)),
			streams AS (DELETE FROM %s.workflow_streams WHERE workflow_id IN (SELECT workflow_id FROM tree)),
			deleted AS (DELETE FROM %s.workflow_status WHERE workflow_id IN (SELECT workflow_id FROM tree)
				RETURNING workflow_id)
			SELECT count(*) FROM deleted""";

	// Resumes a cancelled or failed workflow from its last completed step: a queued job goes
	// back to its queue with a fresh attempt counter; any other workflow becomes PENDING
	// without an owner, so a live executor of its application version adopts it. Failed
	// step records after the last successful step are dropped so those steps run again.
	private static final String RESUME = """
			WITH resumed AS (
				UPDATE %s.workflow_status
				SET status = CASE WHEN queue_name IS NOT NULL THEN 'ENQUEUED' ELSE 'PENDING' END,
					executor_id = NULL, recovery_attempts = 0, attempt = 0, scheduled_for = NULL, deadline = NULL,
					completed_at = NULL, updated_at = clock_timestamp()
				WHERE workflow_id = ? AND status IN ('CANCELLED', 'ERROR', 'DEAD_LETTER', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED')
				RETURNING workflow_id, coalesce(queue_name, '') AS queue_name),
			dropped AS (
				DELETE FROM %s.step_outputs s
				WHERE s.workflow_id IN (SELECT workflow_id FROM resumed) AND s.error_class IS NOT NULL
					AND s.step_id > coalesce((SELECT max(o.step_id) FROM %s.step_outputs o
						WHERE o.workflow_id = s.workflow_id AND o.error_class IS NULL), -1))
			SELECT count(*) FROM resumed r, pg_notify(?, r.queue_name)""";

	// A new workflow that starts from a copy of another's steps before the given step. Its
	// trace context is left NULL on purpose: a fork (often days later, by an operator) starts
	// a trace of its own rather than adding spans to the original's.
	private static final String FORK = """
			WITH forked AS (
				INSERT INTO %s.workflow_status (workflow_id, status, workflow_name, class_name, bean_name, inputs,
					application_version, queue_name, priority, partition_key, max_attempts, timeout_ms)
				SELECT ?, CASE WHEN queue_name IS NOT NULL THEN 'ENQUEUED' ELSE 'PENDING' END, workflow_name,
					class_name, bean_name, inputs, coalesce(?, application_version), queue_name, priority,
					partition_key, max_attempts, timeout_ms
				FROM %s.workflow_status WHERE workflow_id = ?
				RETURNING workflow_id, coalesce(queue_name, '') AS queue_name),
			copied AS (
				INSERT INTO %s.step_outputs (workflow_id, step_id, step_name, output, output_type, error_class,
					error_message, child_workflow_id, started_at, completed_at)
				SELECT f.workflow_id, s.step_id, s.step_name, s.output, s.output_type, s.error_class, s.error_message,
					s.child_workflow_id, s.started_at, s.completed_at
				FROM %s.step_outputs s, forked f WHERE s.workflow_id = ? AND s.step_id < ?)
			SELECT count(*) FROM forked f, pg_notify(?, f.queue_name)""";

	// A queued job goes back to its queue (so that the queue's limits apply when it runs
	// again), with its attempt counter unchanged; any other workflow changes owner.
	private static final String ADOPTED_SET = """
			SET executor_id = CASE WHEN w.queue_name IS NOT NULL AND w.recovery_attempts + 1 <= ? THEN NULL ELSE ? END,
				recovery_attempts = w.recovery_attempts + 1,
				status = CASE WHEN w.recovery_attempts + 1 > ? THEN 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'
					WHEN w.queue_name IS NOT NULL THEN 'ENQUEUED' ELSE w.status END,
				attempt = CASE WHEN w.queue_name IS NOT NULL THEN greatest(w.attempt - 1, 0) ELSE w.attempt END,
				updated_at = clock_timestamp()
			""";

	private static final String ADOPTED_RETURNING = """
			RETURNING w.workflow_id, w.workflow_name, w.inputs, w.status, w.recovery_attempts, w.queue_name, w.deadline,
				w.trace_context""";

	// Adopts PENDING workflows of this application version whose executor has no recent
	// heartbeat by the database's clock (or no heartbeat row at all). SKIP LOCKED lets
	// several live executors adopt in parallel without overlap.
	private static final String ADOPT_FROM_DEAD = "UPDATE %s.workflow_status w " + ADOPTED_SET + """
			WHERE w.status = 'PENDING' AND w.workflow_id IN (
				SELECT s.workflow_id FROM %s.workflow_status s
				WHERE s.status = 'PENDING' AND s.application_version = ? AND s.executor_id IS DISTINCT FROM ?
					AND (s.scheduled_for IS NULL OR s.scheduled_for <= clock_timestamp())
					AND NOT EXISTS (SELECT 1 FROM %s.executors e WHERE e.executor_id = s.executor_id
						AND e.last_heartbeat > clock_timestamp() - make_interval(secs => ?::double precision))
				ORDER BY s.created_at
				LIMIT ?
				FOR UPDATE SKIP LOCKED)
			""" + ADOPTED_RETURNING;

	// Re-takes this executor's own PENDING workflows that are not running here (left over by
	// an earlier process with the same executor ID, or by an execution that could not
	// record its outcome).
	private static final String RECLAIM_OWN = "UPDATE %s.workflow_status w " + ADOPTED_SET + """
			WHERE w.workflow_id = ANY (?) AND w.executor_id = ? AND w.status = 'PENDING'
				AND w.application_version = ?
			""" + ADOPTED_RETURNING;

	private static final String SELECT_OWN_PENDING = """
			SELECT workflow_id FROM %s.workflow_status WHERE status = 'PENDING' AND executor_id = ?""";

	private static final RowMapper<WorkflowInfo> WORKFLOW_INFO = WorkflowStatusRepository::mapRow;

	private static final RowMapper<AdoptedWorkflow> ADOPTED = (rs, rowNum) -> new AdoptedWorkflow(rs.getString(1),
			rs.getString(2), rs.getString(3), WorkflowStatus.valueOf(rs.getString(4)), rs.getInt(5), rs.getString(6),
			instant(rs, "deadline"), rs.getString(8));

	private final JdbcClient jdbc;

	private final DbosSchema schema;

	private final String insertPending;

	private final String selectById;

	private final String complete;

	private final String adoptFromDead;

	private final String reclaimOwn;

	private final String selectOwnPending;

	private final String completeAndNotify;

	private final String completeWithStep;

	private final String completeWithStepAndNotify;

	private GroupCommit groupCommit;

	private final String cancel;

	private final String delete;

	private final String park;

	private final String resume;

	private final String fork;

	private final String channel;

	public WorkflowStatusRepository(DataSource dataSource, DbosSchema schema) {
		this.jdbc = JdbcClient.create(dataSource);
		this.schema = schema;
		this.insertPending = schema.qualify(INSERT_PENDING);
		this.selectById = schema.qualify(SELECT_BY_ID);
		this.complete = schema.qualify(COMPLETE);
		this.adoptFromDead = schema.qualify(ADOPT_FROM_DEAD);
		this.reclaimOwn = schema.qualify(RECLAIM_OWN);
		this.selectOwnPending = schema.qualify(SELECT_OWN_PENDING);
		this.completeAndNotify = schema.qualify(COMPLETE_AND_NOTIFY);
		this.completeWithStep = schema.qualify(COMPLETE_WITH_STEP);
		this.completeWithStepAndNotify = schema.qualify(COMPLETE_WITH_STEP_AND_NOTIFY);
		this.cancel = schema.qualify(CANCEL);
		this.delete = schema.qualify(DELETE);
		this.park = schema.qualify(PARK);
		this.resume = schema.qualify(RESUME);
		this.fork = schema.qualify(FORK);
		this.channel = schema.queueChannel();
		this.groupCommit = new GroupCommit(dataSource, false);
	}

	/**
	 * Records workflow outcomes through the given group commit (shared with the step
	 * checkpoints), instead of one autocommitted statement each.
	 * @param groupCommit the group commit, on this repository's DataSource
	 */
	public void setGroupCommit(GroupCommit groupCommit) {
		this.groupCommit = groupCommit;
	}

	/**
	 * Records a new PENDING workflow owned by the given executor, unless a workflow with
	 * that ID exists already.
	 * @param workflow the workflow to record
	 * @return whether the row was inserted (false: the ID was taken)
	 */
	public boolean insertPending(NewWorkflow workflow) {
		return this.jdbc.sql(this.insertPending)
			.params(workflow.workflowId(), workflow.workflowName(), workflow.className(), workflow.beanName(),
					workflow.inputs(), workflow.executorId(), workflow.applicationVersion(),
					workflow.parentWorkflowId(), workflow.timeoutMillis(), workflow.timeoutMillis(),
					timestamp(workflow.inheritedDeadline()), timestamp(workflow.inheritedDeadline()),
					workflow.timeoutMillis(), workflow.traceContext())
			.update() == 1;
	}

	public Optional<WorkflowInfo> find(String workflowId) {
		return this.jdbc.sql(this.selectById).param(workflowId).query(WORKFLOW_INFO).optional();
	}

	/**
	 * Records the outcome of a workflow owned by {@code executorId}.
	 * @return whether the outcome was recorded (false: not PENDING or not owned any more)
	 */
	public boolean complete(String workflowId, String executorId, WorkflowStatus status, @Nullable String output,
			@Nullable String errorClass, @Nullable String errorMessage) {
		return this.groupCommit.update(this.complete, status.name(), output, errorClass, errorMessage, workflowId,
				executorId) == 1;
	}

	/**
	 * Records the outcome of a queued job owned by {@code executorId} and announces the
	 * capacity it frees to the workers of other processes.
	 * @return whether the outcome was recorded (false: not PENDING or not owned any more)
	 */
	public boolean completeAndNotify(String workflowId, String executorId, WorkflowStatus status,
			@Nullable String output, @Nullable String errorClass, @Nullable String errorMessage) {
		return this.groupCommit.queryCount(this.completeAndNotify, status.name(), output, errorClass, errorMessage,
				workflowId, executorId, this.channel) == 1;
	}

	/**
	 * Records the outcome of a workflow owned by {@code executorId} and, in the same
	 * statement, the checkpoint of its last step (deferred until now).
	 * @param step the last step's checkpoint
	 * @param notify whether to announce the capacity a queued job frees to other workers
	 * @return whether both were recorded (false: not PENDING, not owned any more, or that
	 * step already has a recorded outcome; then neither was)
	 */
	public boolean completeWithStep(String workflowId, String executorId, WorkflowStatus status,
			@Nullable String output, @Nullable String errorClass, @Nullable String errorMessage, StepRecord step,
			boolean notify) {
		Object[] params = { workflowId, step.stepId(), step.stepName(), step.output(), step.outputType(),
				step.errorClass(), step.errorMessage(), step.secondsSinceStart(), workflowId, executorId, status.name(),
				output, errorClass, errorMessage, workflowId, executorId, this.channel };
		try {
			return notify ? this.groupCommit.queryCount(this.completeWithStepAndNotify, params) == 1
					: this.groupCommit.update(this.completeWithStep, Arrays.copyOf(params, params.length - 1)) == 1;
		}
		catch (DuplicateKeyException ex) {
			// the step has an outcome already (recorded by an earlier execution)
			return false;
		}
	}

	/**
	 * A step checkpoint to write with the workflow's outcome.
	 * @param stepId the step's sequence number
	 * @param stepName its name
	 * @param output its serialized output, or {@code null}
	 * @param outputType the output's class, or {@code null}
	 * @param errorClass the class of the error it threw, or {@code null}
	 * @param errorMessage that error's message, or {@code null}
	 * @param secondsSinceStart seconds since the step body started, to derive its start on
	 * the database clock
	 */
	public record StepRecord(int stepId, String stepName, @Nullable String output, @Nullable String outputType,
			@Nullable String errorClass, @Nullable String errorMessage, double secondsSinceStart) {
	}

	/**
	 * Cancels a workflow that is ENQUEUED or PENDING.
	 * @param workflowId the workflow
	 * @param onlyExecutorId only if this executor owns it (a timeout), or {@code null}
	 * @param errorClass the reason's exception class
	 * @param errorMessage the reason
	 * @return whether it was cancelled now (false: unknown or already completed)
	 */
	public boolean cancel(String workflowId, @Nullable String onlyExecutorId, String errorClass,
			String errorMessage) {
		return cancel(workflowId, onlyExecutorId, errorClass, errorMessage, false);
	}

	/**
	 * Cancels a workflow that is ENQUEUED or PENDING, and with {@code cascade} its children
	 * (transitively) that have not completed.
	 * @return whether the workflow itself was cancelled now
	 */
	public boolean cancel(String workflowId, @Nullable String onlyExecutorId, String errorClass, String errorMessage,
			boolean cascade) {
		Long cancelled = this.jdbc.sql(this.cancel)
			.params(workflowId, cascade, errorClass, errorMessage, workflowId, onlyExecutorId, onlyExecutorId,
					workflowId, this.channel)
			.query(Long.class)
			.single();
		return cancelled != null && cancelled == 1;
	}

	/**
	 * Deletes a workflow with its steps, events, messages and attempts (and with
	 * {@code cascade} its children).
	 * @return how many workflows were deleted
	 */
	public int delete(String workflowId, boolean cascade) {
		Long deleted = this.jdbc.sql(this.delete).params(workflowId, cascade).query(Long.class).single();
		return (deleted != null) ? deleted.intValue() : 0;
	}

	private static java.sql.@Nullable Timestamp timestamp(@Nullable Instant instant) {
		return (instant != null) ? java.sql.Timestamp.from(instant) : null;
	}

	/**
	 * Parks a sleeping workflow: PENDING without an owner, not adopted before its wake-up
	 * time. The adoption that resumes it does not count as a recovery attempt.
	 * @return whether it was parked (false: not owned by this executor any more)
	 */
	public boolean park(String workflowId, String executorId, Instant wakeAt) {
		return this.jdbc.sql(this.park).params(java.sql.Timestamp.from(wakeAt), workflowId, executorId).update() == 1;
	}

	/**
	 * Resumes a cancelled or failed workflow from its last completed step.
	 * @return whether it was resumed (false: unknown, or not cancelled or failed)
	 */
	public boolean resume(String workflowId) {
		return this.jdbc.sql(this.resume).params(workflowId, this.channel).query(Long.class).single() == 1;
	}

	/**
	 * Starts a new workflow from a copy of another's steps numbered below {@code fromStep}.
	 * @param applicationVersion the new workflow's version, or {@code null} for the original's
	 * @return whether it was created (false: no such original)
	 * @throws org.springframework.dao.DuplicateKeyException if the new ID is taken
	 */
	public boolean fork(String workflowId, String newWorkflowId, int fromStep, @Nullable String applicationVersion) {
		return this.jdbc.sql(this.fork)
			.params(newWorkflowId, applicationVersion, workflowId, workflowId, fromStep, this.channel)
			.query(Long.class)
			.single() == 1;
	}

	/**
	 * Takes over PENDING workflows of presumed-dead executors for recovery.
	 * @param executorId the adopting executor
	 * @param applicationVersion only workflows of this version
	 * @param executorTimeoutSeconds heartbeat age after which an executor is presumed dead
	 * @param maxRecoveryAttempts attempts after which a workflow is given up
	 * @param limit the most workflows to adopt
	 * @return the adopted workflows, some possibly moved to MAX_RECOVERY_ATTEMPTS_EXCEEDED
	 */
	public List<AdoptedWorkflow> adoptFromDeadExecutors(String executorId, String applicationVersion,
			double executorTimeoutSeconds, int maxRecoveryAttempts, int limit) {
		return this.jdbc.sql(this.adoptFromDead)
			.params(maxRecoveryAttempts, executorId, maxRecoveryAttempts, applicationVersion, executorId,
					executorTimeoutSeconds, limit)
			.query(ADOPTED)
			.list();
	}

	/**
	 * Re-takes some of this executor's own PENDING workflows for recovery.
	 * @param workflowIds the workflows, none of them running in this process
	 * @return the re-taken workflows, some possibly moved to MAX_RECOVERY_ATTEMPTS_EXCEEDED
	 */
	public List<AdoptedWorkflow> reclaimOwn(Collection<String> workflowIds, String executorId,
			String applicationVersion, int maxRecoveryAttempts) {
		if (workflowIds.isEmpty()) {
			return List.of();
		}
		return this.jdbc.sql(this.reclaimOwn)
			.params(maxRecoveryAttempts, executorId, maxRecoveryAttempts, workflowIds.toArray(String[]::new),
					executorId, applicationVersion)
			.query(ADOPTED)
			.list();
	}

	/**
	 * Tells the workers of every process that jobs were put back on these queues (by
	 * recovery), so that they do not wait for their next poll.
	 * @param queueNames the queues
	 */
	public void announceRequeued(Collection<String> queueNames) {
		if (queueNames.isEmpty()) {
			return;
		}
		this.jdbc.sql(QueueRepository.NOTIFY_QUEUES)
			.params(this.channel, queueNames.toArray(String[]::new))
			.query(Long.class)
			.single();
	}

	public List<String> findPendingOwnedBy(String executorId) {
		return this.jdbc.sql(this.selectOwnPending).param(executorId).query(String.class).list();
	}

	/**
	 * How many workflows there are per queue (empty for none) and status.
	 * @return rows of queue name, status and count
	 */
	public List<StatusCount> countByQueueAndStatus() {
		return this.jdbc.sql("SELECT coalesce(queue_name, ''), status, count(*) FROM " + this.schema.name()
				+ ".workflow_status GROUP BY 1, 2 ORDER BY 1, 2")
			.query((rs, rowNum) -> new StatusCount(rs.getString(1), WorkflowStatus.valueOf(rs.getString(2)),
					rs.getLong(3)))
			.list();
	}

	/**
	 * How many jobs wait on each queue (from the index of waiting jobs).
	 * @return the counts by queue name
	 */
	public java.util.Map<String, Long> countEnqueuedByQueue() {
		java.util.Map<String, Long> counts = new java.util.HashMap<>();
		this.jdbc.sql("SELECT queue_name, count(*) FROM " + this.schema.name() + ".workflow_status "
				+ "WHERE status = 'ENQUEUED' GROUP BY queue_name")
			.query((rs) -> {
				counts.put(rs.getString(1), rs.getLong(2));
			});
		return counts;
	}

	/**
	 * The age, by the database clock, of the oldest workflow still waiting or running.
	 * @return the age in seconds, or empty if nothing waits or runs
	 */
	public Optional<Double> oldestPendingAgeSeconds() {
		List<Double> age = this.jdbc.sql("SELECT extract(epoch FROM clock_timestamp() - min(created_at))::float8 FROM "
				+ this.schema.name() + ".workflow_status WHERE status IN ('PENDING', 'ENQUEUED')")
			.query(Double.class)
			.list();
		return (age.isEmpty()) ? Optional.empty() : Optional.ofNullable(age.get(0));
	}

	/**
	 * The last recorded tick of a scheduled workflow, from the IDs of its ticks
	 * ({@code sched:<name>:<tick>}).
	 * @param workflowName the workflow
	 * @return the tick, or {@code null} if none is recorded
	 */
	public @Nullable Instant lastScheduledTick(String workflowName) {
		String prefix = "sched:" + workflowName + ":";
		List<String> ids = this.jdbc.sql("SELECT workflow_id FROM " + this.schema.name() + ".workflow_status "
				+ "WHERE workflow_name = ? AND left(workflow_id, ?) = ? ORDER BY created_at DESC LIMIT 1")
			.params(workflowName, prefix.length(), prefix)
			.query(String.class)
			.list();
		if (ids.isEmpty()) {
			return null;
		}
		try {
			return Instant.parse(ids.get(0).substring(prefix.length()));
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	public List<WorkflowInfo> list(WorkflowQuery query) {
		StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS)
			.append(" FROM ")
			.append(this.schema.name())
			.append(".workflow_status WHERE true");
		List<Object> params = new ArrayList<>();
		if (query.workflowName() != null) {
			sql.append(" AND workflow_name = ?");
			params.add(query.workflowName());
		}
		if (!query.statuses().isEmpty()) {
			// as literals (enum names), so that the planner can use the partial index whose
			// predicate they imply (failed outcomes, waiting jobs, running workflows)
			sql.append(query.statuses()
				.stream()
				.map((status) -> "'" + status.name() + "'")
				.distinct()
				.collect(Collectors.joining(", ", " AND status IN (", ")")));
		}
		if (query.queueName() != null) {
			sql.append(" AND queue_name = ?");
			params.add(query.queueName());
		}
		if (query.createdAfter() != null) {
			sql.append(" AND created_at >= ?");
			params.add(OffsetDateTime.ofInstant(query.createdAfter(), java.time.ZoneOffset.UTC));
		}
		if (query.createdBefore() != null) {
			sql.append(" AND created_at < ?");
			params.add(OffsetDateTime.ofInstant(query.createdBefore(), java.time.ZoneOffset.UTC));
		}
		String direction = query.newestFirst() ? "DESC" : "ASC";
		sql.append(" ORDER BY created_at ").append(direction).append(", workflow_id ").append(direction);
		sql.append(" LIMIT ? OFFSET ?");
		params.add(query.limit());
		params.add(query.offset());
		return this.jdbc.sql(sql.toString()).params(params).query(WORKFLOW_INFO).list();
	}

	private static WorkflowInfo mapRow(ResultSet rs, int rowNum) throws SQLException {
		return new WorkflowInfo(rs.getString("workflow_id"), WorkflowStatus.valueOf(rs.getString("status")),
				rs.getString("workflow_name"), rs.getString("class_name"), rs.getString("bean_name"),
				rs.getString("inputs"), rs.getString("output"), rs.getString("error_class"),
				rs.getString("error_message"), rs.getString("executor_id"), rs.getString("application_version"),
				rs.getInt("recovery_attempts"), rs.getString("parent_workflow_id"), rs.getString("queue_name"),
				instant(rs, "created_at"), instant(rs, "updated_at"), instant(rs, "completed_at"),
				rs.getString("deduplication_id"), rs.getInt("priority"), rs.getString("partition_key"),
				rs.getInt("attempt"), rs.getObject("max_attempts", Integer.class), instant(rs, "scheduled_for"),
				instant(rs, "started_at"), instant(rs, "deadline"), rs.getObject("progress", Integer.class),
				rs.getString("progress_message"));
	}

	static @Nullable Instant instant(ResultSet rs, String column) throws SQLException {
		OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
		return (value != null) ? value.toInstant() : null;
	}

	/**
	 * A count of workflows of one queue and status.
	 * @param queueName the queue, empty for workflows not run by a queue
	 */
	public record StatusCount(String queueName, WorkflowStatus status, long count) {
	}

	/**
	 * A workflow about to be recorded.
	 *
	 * @param traceContext the trace context of the caller that starts it (opaque text), or
	 * {@code null}
	 */
	public record NewWorkflow(String workflowId, String workflowName, @Nullable String className,
			@Nullable String beanName, String inputs, String executorId, String applicationVersion,
			@Nullable String parentWorkflowId, @Nullable Long timeoutMillis, @Nullable Instant inheritedDeadline,
			@Nullable String traceContext) {
	}

	/**
	 * A workflow taken over for recovery.
	 *
	 * @param traceContext the trace context recorded when it was started, or {@code null}
	 */
	public record AdoptedWorkflow(String workflowId, String workflowName, @Nullable String inputs,
			WorkflowStatus status, int recoveryAttempts, @Nullable String queueName, @Nullable Instant deadline,
			@Nullable String traceContext) {
	}

}
