package io.github.dbosspring.store;

import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.workflow.StepInfo;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Reads and writes step checkpoints ({@code step_outputs}). A checkpoint is one
 * autocommitted statement: one commit per step.
 *
 * @since 0.1.0
 */
public class StepOutputRepository {

	// The EXISTS clause rejects the checkpoint of an executor that lost the workflow (it was
	// presumed dead and another executor adopted the workflow, or the workflow was
	// cancelled); the primary key keeps the first recorded outcome of a step. An autocommitted
	// checkpoint leaves a second outcome to the primary key's violation (no ON CONFLICT
	// clause: a speculative insertion costs a WAL record and an index probe more per step,
	// and a conflict needs another executor still owning the workflow, which the EXISTS
	// clause makes rare); one in the caller's transaction must not abort that transaction.
	private static final String INSERT = """
			INSERT INTO %s.step_outputs (workflow_id, step_id, step_name, output, output_type, error_class,
				error_message, child_workflow_id, started_at)
			SELECT ?, ?::integer, ?, ?, ?, ?, ?, ?, clock_timestamp() - make_interval(secs => ?::double precision)
			WHERE EXISTS (SELECT 1 FROM %s.workflow_status
				WHERE workflow_id = ? AND executor_id = ? AND status = 'PENDING')""";

	private static final String INSERT_IN_TRANSACTION = INSERT + " ON CONFLICT (workflow_id, step_id) DO NOTHING";

	private static final String SELECT_ALL = """
			SELECT workflow_id, step_id, step_name, output, output_type, error_class, error_message,
				child_workflow_id, started_at, completed_at
			FROM %s.step_outputs WHERE workflow_id = ? ORDER BY step_id""";

	private static final String SELECT_ONE = """
			SELECT workflow_id, step_id, step_name, output, output_type, error_class, error_message,
				child_workflow_id, started_at, completed_at
			FROM %s.step_outputs WHERE workflow_id = ? AND step_id = ?""";

	private static final RowMapper<StepInfo> STEP_INFO = (rs, rowNum) -> new StepInfo(rs.getString(1), rs.getInt(2),
			rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
			WorkflowStatusRepository.instant(rs, "started_at"), WorkflowStatusRepository.instant(rs, "completed_at"));

	private final JdbcClient jdbc;

	private final @Nullable JdbcClient callerJdbc;

	private final String insert;

	private final String insertInTransaction;

	private final String selectAll;

	private final String selectOne;

	private GroupCommit groupCommit;

	public StepOutputRepository(DataSource dataSource, DbosSchema schema) {
		this(dataSource, null, schema);
	}

	/**
	 * Creates the repository.
	 * @param dataSource connections for checkpoints that never join a caller's transaction
	 * @param callerDataSource the same database as the application sees it, for checkpoints
	 * of transactional steps written in the step's own transaction
	 * @param schema the DBOS schema
	 */
	public StepOutputRepository(DataSource dataSource, @Nullable DataSource callerDataSource, DbosSchema schema) {
		this.jdbc = JdbcClient.create(dataSource);
		this.callerJdbc = (callerDataSource != null) ? JdbcClient.create(callerDataSource) : null;
		this.insert = schema.qualify(INSERT);
		this.insertInTransaction = schema.qualify(INSERT_IN_TRANSACTION);
		this.selectAll = schema.qualify(SELECT_ALL);
		this.selectOne = schema.qualify(SELECT_ONE);
		this.groupCommit = new GroupCommit(dataSource, false);
	}

	/**
	 * Writes checkpoints through the given group commit (shared with the workflow outcomes),
	 * instead of one autocommitted statement each.
	 * @param groupCommit the group commit, on this repository's DataSource
	 */
	public void setGroupCommit(GroupCommit groupCommit) {
		this.groupCommit = groupCommit;
	}

	/**
	 * Records a step's outcome if {@code executorId} still owns the PENDING workflow and
	 * the step has no outcome yet.
	 * @param durationSeconds how long the step body ran, to derive its start time on the
	 * database clock
	 * @return whether the checkpoint was written
	 */
	public boolean insert(String workflowId, String executorId, int stepId, String stepName, @Nullable String output,
			@Nullable String outputType, @Nullable String errorClass, @Nullable String errorMessage,
			@Nullable String childWorkflowId, double durationSeconds) {
		try {
			return this.groupCommit.update(this.insert, workflowId, stepId, stepName, output, outputType, errorClass,
					errorMessage, childWorkflowId, durationSeconds, workflowId, executorId) == 1;
		}
		catch (DuplicateKeyException ex) {
			// the step has an outcome already
			return false;
		}
	}

	/**
	 * Records a step's outcome like {@link #insert}, in the transaction the calling thread
	 * has open on the application's DataSource: it commits (or rolls back) with the step's
	 * own writes.
	 * @return whether the checkpoint was written
	 */
	public boolean insertInCallerTransaction(String workflowId, String executorId, int stepId, String stepName,
			@Nullable String output, @Nullable String outputType, @Nullable String errorClass,
			@Nullable String errorMessage, double durationSeconds) {
		if (this.callerJdbc == null) {
			throw new IllegalStateException("No caller DataSource configured");
		}
		return this.callerJdbc.sql(this.insertInTransaction)
			.params(workflowId, stepId, stepName, output, outputType, errorClass, errorMessage, null, durationSeconds,
					workflowId, executorId)
			.update() == 1;
	}

	public List<StepInfo> findAll(String workflowId) {
		return this.jdbc.sql(this.selectAll).param(workflowId).query(STEP_INFO).list();
	}

	public Optional<StepInfo> find(String workflowId, int stepId) {
		return this.jdbc.sql(this.selectOne).params(workflowId, stepId).query(STEP_INFO).optional();
	}

}
