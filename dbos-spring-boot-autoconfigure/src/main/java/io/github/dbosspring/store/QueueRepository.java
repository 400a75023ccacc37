package io.github.dbosspring.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.queue.Queue;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The queue side of {@code workflow_status}: enqueue (in the caller's transaction when
 * there is one), the dequeue of a worker (short transactions, {@code FOR UPDATE SKIP
 * LOCKED}), job attempts and dead letters, progress.
 *
 * <p>Queues with a global concurrency limit, a rate limit or partitions need a queue-wide
 * count before they start jobs; those dequeues take a transaction-scoped advisory lock
 * on the queue, so two workers never both see the same free capacity.
 *
 * @since 0.2.0
 */
public class QueueRepository {

	// a job's row; nothing on a conflict (its ID, or a live deduplication ID)
	private static final String INSERT_ROW = """
			INSERT INTO %s.workflow_status (workflow_id, status, workflow_name, class_name, bean_name, inputs,
				application_version, parent_workflow_id, queue_name, deduplication_id, priority, partition_key,
				scheduled_for, max_attempts, timeout_ms, trace_context)
			VALUES (?, 'ENQUEUED', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
				CASE WHEN ?::bigint IS NULL THEN ?::timestamptz
					ELSE clock_timestamp() + ?::bigint * interval '1 millisecond' END, ?, ?, ?)
			ON CONFLICT DO NOTHING""";

	private static final String INSERT = "WITH inserted AS (" + INSERT_ROW + """

			RETURNING workflow_id)
			SELECT count(*) FROM inserted, pg_notify(?, ?)""";

	// announces several queues in one statement (delivered when the transaction commits)
	static final String NOTIFY_QUEUES = "SELECT count(pg_notify(?, q)) FROM unnest(?::text[]) AS q";

	private static final String SELECT_CONFLICT = """
			SELECT workflow_name FROM %s.workflow_status WHERE workflow_id = ?""";

	private static final String LOCK_QUEUE = "SELECT pg_advisory_xact_lock(20240917, hashtext(?))";

	private static final String COUNT_RUNNING = """
			SELECT count(*) FROM %s.workflow_status WHERE queue_name = ? AND status = 'PENDING'""";

	private static final String COUNT_STARTED = """
			SELECT count(*), (extract(epoch FROM min(rate_limited_start) + ? * interval '1 millisecond'
				- clock_timestamp()) * 1000)::bigint
			FROM %s.workflow_status
			WHERE queue_name = ? AND rate_limited_start > clock_timestamp() - ? * interval '1 millisecond'""";

	private static final String DUE = """
			queue_name = ? AND status = 'ENQUEUED' AND (scheduled_for IS NULL OR scheduled_for <= clock_timestamp())
				AND (application_version IS NULL OR application_version = ?) AND workflow_name = ANY (?)""";

	private static final String CLAIM_SET = """
			SET status = 'PENDING', executor_id = ?, application_version = ?, attempt = w.attempt + 1,
				started_at = clock_timestamp(), updated_at = clock_timestamp(),
				rate_limited_start = CASE WHEN ? THEN clock_timestamp() END,
				deadline = CASE WHEN w.timeout_ms IS NULL THEN NULL
					ELSE coalesce(w.deadline, clock_timestamp() + w.timeout_ms * interval '1 millisecond') END
			""";

	private static final String CLAIM_RETURNING = """
			RETURNING w.workflow_id, w.workflow_name, w.inputs, w.attempt, w.max_attempts, w.deadline, w.priority,
				w.created_at, w.partition_key,
				EXISTS (SELECT 1 FROM %s.step_outputs o WHERE o.workflow_id = w.workflow_id) AS has_steps,
				w.trace_context""";

	// The candidates are locked, and the update still names the state it expects. The update
	// finds them by their row address (a TID scan: the locked row versions cannot move before
	// the update, and no index is probed), never through an index: the state is compared with
	// IS NOT DISTINCT FROM, which no index serves and which does not imply the predicate of the
	// index of waiting jobs. With "status = 'ENQUEUED'" and the candidates' IDs, the planner
	// used that index when the statistics still saw an empty queue (57 ms instead of 1 ms per
	// claim with 10,000 waiting), and a generic plan of the prepared statement intersected the
	// primary key with the status index (11 ms with 100,000 waiting). When it starts fewer jobs
	// than asked for, one more row (its workflow_id NULL) tells in how many milliseconds the
	// next delayed job is due.
	private static final String CLAIM_WITH_NEXT_DUE = "WITH candidates AS (SELECT ctid FROM %s.workflow_status "
			+ "WHERE " + DUE + """
				ORDER BY priority, created_at LIMIT ? FOR UPDATE SKIP LOCKED),
			claimed AS (UPDATE %s.workflow_status w
			""" + CLAIM_SET + "WHERE w.ctid = ANY (ARRAY(SELECT ctid FROM candidates)) "
			+ "AND w.status IS NOT DISTINCT FROM 'ENQUEUED' "
			+ CLAIM_RETURNING + """
			)
			SELECT workflow_id, workflow_name, inputs, attempt, max_attempts, deadline, priority, created_at,
				partition_key, has_steps, trace_context, NULL::bigint AS next_due_ms
			FROM claimed
			UNION ALL
			SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
				(SELECT (extract(epoch FROM min(scheduled_for) - clock_timestamp()) * 1000)::bigint
					FROM %s.workflow_status
					WHERE queue_name = ? AND status = 'ENQUEUED' AND scheduled_for > clock_timestamp())
			WHERE (SELECT count(*) FROM claimed) < ?""";

	// partitions take turns: the first job of every partition (the partition served least
	// recently first), then the second, ...; a partition at its concurrency limit is skipped
	private static final String PARTITION_CANDIDATES = """
			WITH running AS (
				SELECT partition_key, count(*) AS n FROM %s.workflow_status
				WHERE queue_name = ? AND status = 'PENDING' GROUP BY partition_key),
			ranked AS (
				SELECT workflow_id, partition_key, priority, created_at,
					row_number() OVER (PARTITION BY partition_key ORDER BY priority, created_at) AS rn
				FROM %s.workflow_status
				WHERE\s""" + DUE + """
				)
			SELECT r.workflow_id FROM ranked r
				LEFT JOIN running u ON u.partition_key IS NOT DISTINCT FROM r.partition_key
				LEFT JOIN %s.queue_partitions p ON p.queue_name = ? AND p.partition_key = r.partition_key
			WHERE ?::int IS NULL OR r.rn <= ?::int - coalesce(u.n, 0)
			ORDER BY r.rn, p.last_started_at NULLS FIRST, r.priority, r.created_at
			LIMIT ?""";

	private static final String CLAIM_IDS = "UPDATE %s.workflow_status w " + CLAIM_SET
			+ "WHERE w.workflow_id = ANY (?) AND w.status IS NOT DISTINCT FROM 'ENQUEUED' " + CLAIM_RETURNING;

	private static final String TOUCH_PARTITIONS = """
			INSERT INTO %s.queue_partitions (queue_name, partition_key, last_started_at)
			SELECT ?, key, clock_timestamp() FROM unnest(?::text[]) AS key
			ON CONFLICT (queue_name, partition_key) DO UPDATE SET last_started_at = EXCLUDED.last_started_at""";

	private static final String NEXT_DUE = """
			SELECT (extract(epoch FROM min(scheduled_for) - clock_timestamp()) * 1000)::bigint
			FROM %s.workflow_status
			WHERE queue_name = ? AND status = 'ENQUEUED' AND scheduled_for > clock_timestamp()""";

	// A failed attempt: back to the queue after a delay, or dead-lettered; either way its
	// error is kept in workflow_attempts. Failed step records after the last successful
	// step are dropped so the next attempt runs those steps again; completed ones stay.
	// One clock reading for the failure: the next attempt is due exactly the backoff after the
	// recorded failure time.
	private static final String FAIL_ATTEMPT = """
			WITH t AS MATERIALIZED (SELECT clock_timestamp() AS at),
			failed AS (
				UPDATE %s.workflow_status
				SET status = CASE WHEN ? THEN 'ENQUEUED' ELSE 'DEAD_LETTER' END,
					executor_id = CASE WHEN ? THEN NULL ELSE executor_id END,
					scheduled_for = CASE WHEN ? THEN (SELECT at FROM t) + ? * interval '1 millisecond'
						ELSE scheduled_for END,
					error_class = ?, error_message = ?, updated_at = (SELECT at FROM t),
					completed_at = CASE WHEN ? THEN NULL ELSE (SELECT at FROM t) END
				WHERE workflow_id = ? AND executor_id = ? AND status = 'PENDING' AND attempt = ?
				RETURNING workflow_id, attempt, started_at, status, queue_name),
			attempt AS (
				INSERT INTO %s.workflow_attempts (workflow_id, attempt, executor_id, error_class, error_message,
					started_at, failed_at)
				SELECT workflow_id, attempt, ?, ?, ?, started_at, (SELECT at FROM t) FROM failed
				ON CONFLICT (workflow_id, attempt) DO NOTHING),
			dropped AS (
				DELETE FROM %s.step_outputs s
				WHERE s.workflow_id IN (SELECT workflow_id FROM failed WHERE status = 'ENQUEUED')
					AND s.error_class IS NOT NULL
					AND s.step_id > coalesce((SELECT max(o.step_id) FROM %s.step_outputs o
						WHERE o.workflow_id = s.workflow_id AND o.error_class IS NULL), -1))
			SELECT f.status FROM failed f, pg_notify(?, f.queue_name)""";

	private static final String REPLAY = """
			WITH replayed AS (
				UPDATE %s.workflow_status
				SET status = 'ENQUEUED', attempt = 0, executor_id = NULL, scheduled_for = NULL, deadline = NULL,
					completed_at = NULL, recovery_attempts = 0, updated_at = clock_timestamp()
				WHERE workflow_id = ? AND status = 'DEAD_LETTER'
				RETURNING workflow_id, queue_name),
			dropped AS (
				DELETE FROM %s.step_outputs s
				WHERE s.workflow_id IN (SELECT workflow_id FROM replayed) AND s.error_class IS NOT NULL
					AND s.step_id > coalesce((SELECT max(o.step_id) FROM %s.step_outputs o
						WHERE o.workflow_id = s.workflow_id AND o.error_class IS NULL), -1))
			SELECT r.workflow_id FROM replayed r, pg_notify(?, r.queue_name)""";

	// only the executor running the workflow records its progress (not one that lost it)
	private static final String SET_PROGRESS = """
			WITH progressed AS (
				UPDATE %s.workflow_status SET progress = ?, progress_message = ?
				WHERE workflow_id = ? AND executor_id = ? AND status = 'PENDING'
				RETURNING workflow_id)
			INSERT INTO %s.workflow_events (workflow_id, key, value)
			SELECT workflow_id, ?, ? FROM progressed
			ON CONFLICT (workflow_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = clock_timestamp()""";

	private static final String SELECT_ATTEMPTS = """
			SELECT attempt, executor_id, error_class, error_message, started_at, failed_at
			FROM %s.workflow_attempts WHERE workflow_id = ? ORDER BY attempt""";

	private static final String DEAD_LETTER_UNKNOWN = """
			UPDATE %s.workflow_status
			SET status = 'DEAD_LETTER', error_class = ?, error_message = replace(?, '{workflow}', workflow_name),
				updated_at = clock_timestamp(),
				completed_at = clock_timestamp()
			WHERE queue_name = ANY (?) AND status = 'ENQUEUED' AND NOT (workflow_name = ANY (?))
				AND created_at < clock_timestamp() - ? * interval '1 millisecond'
				AND (application_version IS NULL OR application_version = ?)
			RETURNING workflow_id, workflow_name""";

	private static final RowMapper<ClaimedJob> CLAIMED = (rs, rowNum) -> new ClaimedJob(rs.getString(1),
			rs.getString(2), rs.getString(3), rs.getInt(4), rs.getObject(5, Integer.class),
			WorkflowStatusRepository.instant(rs, "deadline"), rs.getInt(7), WorkflowStatusRepository.instant(rs,
					"created_at"), rs.getString(9), rs.getBoolean(10), rs.getString(11));

	private final DataSource dataSource;

	private final JdbcClient jdbc;

	private final JdbcClient callerJdbc;

	private final JdbcTemplate callerJdbcTemplate;

	private final TransactionTemplate transaction;

	private final TransactionTemplate callerTransaction;

	private final String channel;

	private final String schemaName;

	private final String insert;

	private final String insertRow;

	private final String selectConflict;

	private final String countRunning;

	private final String countStarted;

	private final String claimWithNextDue;

	private final String partitionCandidates;

	private final String claimIds;

	private final String nextDue;

	private final String touchPartitions;

	private final String failAttempt;

	private final String replay;

	private final String setProgress;

	private final String selectAttempts;

	private final String deadLetterUnknown;

	/**
	 * Creates the repository.
	 * @param dataSource connections for DBOS's own statements (never the caller's
	 * transaction)
	 * @param callerDataSource the same database as seen by the application: an enqueue
	 * joins the caller's Spring transaction on it, if there is one
	 * @param schema the DBOS schema
	 */
	public QueueRepository(DataSource dataSource, DataSource callerDataSource, DbosSchema schema) {
		this.dataSource = dataSource;
		this.jdbc = JdbcClient.create(dataSource);
		this.callerJdbcTemplate = new JdbcTemplate(callerDataSource);
		this.callerJdbc = JdbcClient.create(this.callerJdbcTemplate);
		this.transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.callerTransaction = new TransactionTemplate(new DataSourceTransactionManager(callerDataSource));
		this.callerTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRED);
		this.channel = schema.queueChannel();
		this.schemaName = schema.name();
		this.insert = schema.qualify(INSERT);
		this.insertRow = schema.qualify(INSERT_ROW);
		this.selectConflict = schema.qualify(SELECT_CONFLICT);
		this.countRunning = schema.qualify(COUNT_RUNNING);
		this.countStarted = schema.qualify(COUNT_STARTED);
		this.claimWithNextDue = schema.qualify(CLAIM_WITH_NEXT_DUE);
		this.partitionCandidates = schema.qualify(PARTITION_CANDIDATES);
		this.claimIds = schema.qualify(CLAIM_IDS);
		this.nextDue = schema.qualify(NEXT_DUE);
		this.touchPartitions = schema.qualify(TOUCH_PARTITIONS);
		this.failAttempt = schema.qualify(FAIL_ATTEMPT);
		this.replay = schema.qualify(REPLAY);
		this.setProgress = schema.qualify(SET_PROGRESS);
		this.selectAttempts = schema.qualify(SELECT_ATTEMPTS);
		this.deadLetterUnknown = schema.qualify(DEAD_LETTER_UNKNOWN);
	}

	/**
	 * The channel on which enqueues and freed capacity are announced (payload: the queue).
	 * @return the channel
	 */
	public String getChannel() {
		return this.channel;
	}

	/**
	 * Where a notification listener gets its dedicated connection.
	 * @return the DBOS DataSource
	 */
	public DataSource getNotificationDataSource() {
		return this.dataSource;
	}

	// ------------------------------------------------------------------ enqueue

	/**
	 * Enqueues one job, in the caller's transaction if there is one (it then exists only if
	 * that transaction commits), and announces it to the workers.
	 * @param job the job
	 * @return what happened
	 */
	public EnqueueResult enqueue(NewJob job) {
		return insert(this.callerJdbc, job);
	}

	/**
	 * Enqueues jobs in one transaction (the caller's, if there is one): all or none.
	 * @param jobs the jobs
	 * @return what happened to each, in order
	 * @throws DuplicateJobException if one of them holds a live deduplication ID (nothing
	 * is enqueued)
	 */
	public List<EnqueueResult> enqueueAll(List<NewJob> jobs) {
		return this.callerTransaction.execute((status) -> {
			// the rows in one JDBC batch (one round trip), then the jobs that conflicted one by one
			List<@Nullable Object[]> rows = new ArrayList<>(jobs.size());
			for (NewJob job : jobs) {
				rows.add(rowParams(job));
			}
			int[] inserted = this.callerJdbcTemplate.batchUpdate(this.insertRow, rows);
			List<EnqueueResult> results = new ArrayList<>(jobs.size());
			Set<String> announced = new LinkedHashSet<>();
			for (int i = 0; i < jobs.size(); i++) {
				NewJob job = jobs.get(i);
				EnqueueResult result;
				if (inserted[i] == 1) {
					result = new EnqueueResult(EnqueueOutcome.ENQUEUED, job.workflowName());
					announced.add(job.queueName());
				}
				else {
					result = afterConflict(this.callerJdbc, job);
					if (inserted[i] == Statement.SUCCESS_NO_INFO && result.outcome() == EnqueueOutcome.EXISTS) {
						// the driver did not count the rows (reWriteBatchedInserts=true rewrites the batch
						// into multi-row inserts): the row found may be this batch's own
						announced.add(job.queueName());
					}
				}
				if (result.outcome() == EnqueueOutcome.DUPLICATE) {
					throw new DuplicateJobException(job);
				}
				results.add(result);
			}
			// delivered at commit, once per queue (as the single enqueue's, which the server merges)
			if (!announced.isEmpty()) {
				this.callerJdbc.sql(NOTIFY_QUEUES)
					.params(this.channel, announced.toArray(String[]::new))
					.query(Long.class)
					.single();
			}
			return results;
		});
	}

	private EnqueueResult insert(JdbcClient jdbc, NewJob job) {
		if (insertAndAnnounce(jdbc, job)) {
			return new EnqueueResult(EnqueueOutcome.ENQUEUED, job.workflowName());
		}
		return afterConflict(jdbc, job);
	}

	private boolean insertAndAnnounce(JdbcClient jdbc, NewJob job) {
		List<@Nullable Object> params = new ArrayList<>(Arrays.asList(rowParams(job)));
		params.add(this.channel);
		params.add(job.queueName());
		return jdbc.sql(this.insert).params(params).query(Long.class).single() == 1;
	}

	/**
	 * What a job whose row was not inserted is: the workflow that holds its ID, or a
	 * duplicate of a live deduplication ID; if the row with its ID went away in between,
	 * it is inserted again (with its notification).
	 */
	private EnqueueResult afterConflict(JdbcClient jdbc, NewJob job) {
		for (int round = 0;; round++) {
			Optional<String> existing = jdbc.sql(this.selectConflict).param(job.workflowId()).query(String.class)
				.optional();
			if (existing.isPresent()) {
				return new EnqueueResult(EnqueueOutcome.EXISTS, existing.get());
			}
			if (job.deduplicationId() != null || round >= 2) {
				// no row with this ID: the conflict was the deduplication ID
				return new EnqueueResult(EnqueueOutcome.DUPLICATE, job.workflowName());
			}
			// the row with this ID was deleted in between: try again
			if (insertAndAnnounce(jdbc, job)) {
				return new EnqueueResult(EnqueueOutcome.ENQUEUED, job.workflowName());
			}
		}
	}

	private static @Nullable Object[] rowParams(NewJob job) {
		Long delayMillis = (job.delay() != null) ? job.delay().toMillis() : null;
		Timestamp scheduledFor = (job.scheduledFor() != null) ? Timestamp.from(job.scheduledFor()) : null;
		return new @Nullable Object[] { job.workflowId(), job.workflowName(), job.className(), job.beanName(),
				job.inputs(), job.applicationVersion(), job.parentWorkflowId(), job.queueName(), job.deduplicationId(),
				job.priority(), job.partitionKey(), delayMillis, scheduledFor, delayMillis, job.maxAttempts(),
				(job.timeout() != null) ? job.timeout().toMillis() : null, job.traceContext() };
	}

	// ------------------------------------------------------------------ dequeue

	/**
	 * Starts up to {@code max} due jobs of a queue for this executor, within the queue's
	 * limits, in one short transaction.
	 * @param queue the queue and its limits
	 * @param executorId the claiming executor
	 * @param applicationVersion the claiming executor's version (jobs pinned to another
	 * version are left alone)
	 * @param workflowNames the workflows this executor can run
	 * @param max the most jobs to start (this executor's free capacity)
	 * @return the started jobs, in priority order, and when to look again
	 */
	public Claim claim(Queue queue, String executorId, String applicationVersion, String[] workflowNames, int max) {
		if (!queue.needsQueueLock()) {
			// one autocommitted statement: the claim, and when fewer jobs were due than asked
			// for, when the next delayed one is
			return sorted(claimWithNextDue(queue, executorId, applicationVersion, workflowNames, max, -1));
		}
		Claim claim = this.transaction.execute((status) -> {
			int wanted = max;
			long retryInMillis = -1;
			this.jdbc.sql(LOCK_QUEUE).param(this.schemaName + ":" + queue.name()).query((rs) -> {
			});
			if (queue.concurrency() != null && !queue.partitioned()) {
				long running = this.jdbc.sql(this.countRunning).param(queue.name()).query(Long.class).single();
				wanted = (int) Math.min(wanted, queue.concurrency() - running);
			}
			if (queue.limit() != null) {
				long period = queue.period().toMillis();
				long[] started = this.jdbc.sql(this.countStarted)
					.params(period, queue.name(), period)
					.query((rs, rowNum) -> new long[] { rs.getLong(1), rs.getLong(2) })
					.single();
				long free = queue.limit() - started[0];
				if (free <= 0) {
					retryInMillis = Math.max(1, started[1]);
				}
				wanted = (int) Math.min(wanted, free);
			}
			if (wanted <= 0) {
				return new Claim(List.of(), retryInMillis, true);
			}
			if (!queue.partitioned()) {
				return claimWithNextDue(queue, executorId, applicationVersion, workflowNames, wanted, retryInMillis);
			}
			List<String> ids = this.jdbc.sql(this.partitionCandidates)
				.params(queue.name(), queue.name(), applicationVersion, workflowNames, queue.name(),
						queue.concurrency(), queue.concurrency(), wanted)
				.query(String.class)
				.list();
			List<ClaimedJob> jobs = ids.isEmpty() ? List.of()
					: this.jdbc.sql(this.claimIds)
						.params(executorId, applicationVersion, queue.limit() != null, ids.toArray(String[]::new))
						.query(CLAIMED)
						.list();
			if (!jobs.isEmpty()) {
				this.jdbc.sql(this.touchPartitions)
					.params(queue.name(), jobs.stream().map(ClaimedJob::partitionKey).distinct()
						.toArray(String[]::new))
					.update();
			}
			boolean exhausted = jobs.size() < wanted;
			if (exhausted && retryInMillis < 0) {
				Long due = this.jdbc.sql(this.nextDue).param(queue.name()).query(Long.class).optional().orElse(null);
				if (due != null) {
					retryInMillis = Math.max(1, due);
				}
			}
			return new Claim(jobs, retryInMillis, exhausted);
		});
		return sorted(claim);
	}

	/**
	 * Claims up to {@code wanted} jobs of a queue without partitions in one statement that
	 * also tells, when it claims fewer, when the next delayed job is due.
	 */
	private Claim claimWithNextDue(Queue queue, String executorId, String applicationVersion, String[] workflowNames,
			int wanted, long retryInMillis) {
		List<ClaimedJob> jobs = new ArrayList<>();
		long[] nextDue = { -1 };
		this.jdbc.sql(this.claimWithNextDue)
			.params(queue.name(), applicationVersion, workflowNames, wanted, executorId, applicationVersion,
					queue.limit() != null, queue.name(), wanted)
			.query((RowCallbackHandler) (rs) -> {
				if (rs.getString(1) != null) {
					jobs.add(CLAIMED.mapRow(rs, jobs.size()));
				}
				else {
					long due = rs.getLong(12);
					if (!rs.wasNull()) {
						nextDue[0] = Math.max(1, due);
					}
				}
			});
		boolean exhausted = jobs.size() < wanted;
		long retryIn = retryInMillis;
		if (exhausted && retryIn < 0) {
			retryIn = nextDue[0];
		}
		return new Claim(jobs, retryIn, exhausted);
	}

	/**
	 * The claim statement of a queue without queue-wide limits (for plan checks).
	 * @return the SQL
	 */
	String claimStatement() {
		return this.claimWithNextDue;
	}

	private static Claim sorted(@Nullable Claim claim) {
		if (claim == null) {
			return new Claim(List.of(), -1, true);
		}
		List<ClaimedJob> sorted = new ArrayList<>(claim.jobs());
		sorted.sort(Comparator.comparingInt(ClaimedJob::priority).thenComparing(ClaimedJob::createdAt));
		return new Claim(sorted, claim.retryInMillis(), claim.exhausted());
	}

	// ------------------------------------------------------------------ attempts

	/**
	 * Records a failed attempt of a job this executor runs: back to the queue after the
	 * delay, or dead-lettered when {@code retry} is false.
	 * @return the job's new status, or empty if this executor no longer owns that attempt
	 */
	public Optional<String> failAttempt(String workflowId, String executorId, int attempt, boolean retry,
			Duration delay, @Nullable String errorClass, @Nullable String errorMessage) {
		return this.jdbc.sql(this.failAttempt)
			.params(retry, retry, retry, delay.toMillis(), errorClass, errorMessage, retry, workflowId, executorId,
					attempt, executorId, errorClass, errorMessage, this.channel)
			.query(String.class)
			.optional();
	}

	/**
	 * Puts a dead-lettered job back on its queue with a fresh attempt counter.
	 * @return whether it was dead-lettered (and is now enqueued)
	 */
	public boolean replay(String workflowId) {
		return this.jdbc.sql(this.replay).params(workflowId, this.channel).query(String.class).optional().isPresent();
	}

	/**
	 * The failed attempts of a job, oldest first.
	 * @param workflowId the job
	 * @return its failed attempts
	 */
	public List<FailedAttempt> attempts(String workflowId) {
		return this.jdbc.sql(this.selectAttempts)
			.param(workflowId)
			.query((rs, rowNum) -> new FailedAttempt(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
					WorkflowStatusRepository.instant(rs, "started_at"),
					WorkflowStatusRepository.instant(rs, "failed_at")))
			.list();
	}

	/**
	 * Records a running workflow's progress, in its row and as its progress event.
	 * @param executorId the executor running it
	 * @return whether it was recorded (false: not running, or not owned by that executor)
	 */
	public boolean setProgress(String workflowId, String executorId, int percent, @Nullable String message,
			String eventKey, String eventValue) {
		return this.jdbc.sql(this.setProgress)
			.params(percent, message, workflowId, executorId, eventKey, eventValue)
			.update() == 1;
	}

	/**
	 * Dead-letters jobs of the given queues whose workflow no worker of this version
	 * defines, once they have waited longer than the grace period. In the error message,
	 * {@code {workflow}} stands for the job's workflow name.
	 * @return the dead-lettered jobs (ID and workflow name)
	 */
	public List<String[]> deadLetterUnknown(String[] queueNames, String[] knownNames, Duration grace,
			String applicationVersion, String errorClass, String errorMessage) {
		return this.jdbc.sql(this.deadLetterUnknown)
			.params(errorClass, errorMessage, queueNames, knownNames, grace.toMillis(), applicationVersion)
			.query((rs, rowNum) -> new String[] { rs.getString(1), rs.getString(2) })
			.list();
	}

	static @Nullable Instant instant(ResultSet rs, String column) throws SQLException {
		return WorkflowStatusRepository.instant(rs, column);
	}

	/**
	 * A job to enqueue.
	 *
	 * @param traceContext the trace context of the caller that enqueues it (opaque text), or
	 * {@code null}
	 */
	public record NewJob(String workflowId, String workflowName, @Nullable String className,
			@Nullable String beanName, String inputs, @Nullable String applicationVersion,
			@Nullable String parentWorkflowId, String queueName, @Nullable String deduplicationId, int priority,
			@Nullable String partitionKey, @Nullable Duration delay, @Nullable Instant scheduledFor, @Nullable Integer maxAttempts,
			@Nullable Duration timeout, @Nullable String traceContext) {
	}

	/**
	 * What an enqueue did.
	 */
	public enum EnqueueOutcome {

		/** The job was enqueued. */
		ENQUEUED,

		/** A workflow with that ID existed already (nothing changed). */
		EXISTS,

		/** A waiting or running job holds the deduplication ID (nothing changed). */
		DUPLICATE

	}

	/**
	 * @param outcome what happened
	 * @param workflowName the workflow name stored under the ID (for {@code EXISTS})
	 */
	public record EnqueueResult(EnqueueOutcome outcome, String workflowName) {
	}

	/**
	 * Thrown by a batch enqueue that met a live deduplication ID.
	 */
	public static class DuplicateJobException extends RuntimeException {

		private final transient NewJob job;

		DuplicateJobException(NewJob job) {
			super("Deduplication ID '" + job.deduplicationId() + "' is taken on queue '" + job.queueName() + "'");
			this.job = job;
		}

		public NewJob getJob() {
			return this.job;
		}

	}

	/**
	 * A job started by this executor.
	 *
	 * @param traceContext the trace context recorded when it was enqueued, or {@code null}
	 */
	public record ClaimedJob(String workflowId, String workflowName, @Nullable String inputs, int attempt,
			@Nullable Integer maxAttempts, @Nullable Instant deadline, int priority, Instant createdAt,
			@Nullable String partitionKey, boolean hasSteps, @Nullable String traceContext) {
	}

	/**
	 * The outcome of one dequeue.
	 * @param jobs the started jobs
	 * @param retryInMillis when a delayed job becomes due or the rate-limit window frees,
	 * in milliseconds, or -1 if nothing is known
	 * @param exhausted whether fewer jobs were started than asked for
	 */
	public record Claim(List<ClaimedJob> jobs, long retryInMillis, boolean exhausted) {
	}

	/**
	 * One failed attempt of a job.
	 */
	public record FailedAttempt(int attempt, @Nullable String executorId, @Nullable String errorClass,
			@Nullable String errorMessage, @Nullable Instant startedAt, Instant failedAt) {
	}

}
