package io.github.dbosspring.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.core.SqlTypeValue;
import org.springframework.jdbc.core.StatementCreatorUtils;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.jdbc.support.SQLStateSQLExceptionTranslator;

/**
 * Writes the checkpoints of concurrently running workflows in shared transactions: one
 * commit for all the step checkpoints and workflow outcomes that arrive while the previous
 * commit is in progress, the way a database groups the commits of its sessions.
 *
 * <p>The first thread to submit a statement when no write is in progress writes it at
 * once, alone (no added latency when there is no concurrency); statements submitted in the
 * meantime wait, and the next of their threads writes all of them in one transaction (one
 * JDBC batch per statement text, one round trip each). Every caller returns only once its
 * own statement has committed, with its own update count: nothing is acknowledged before it
 * is durable, so no re-run window is widened. The statements are independent and
 * conditional (they update nothing rather than fail when the condition does not hold); if
 * a shared transaction fails anyway, each of its statements is written again alone, so one
 * statement's failure is reported to its own caller only; if it fails because the database
 * is out of reach, all of them fail at once.
 *
 * @since 0.2.0
 */
public class GroupCommit {

	private final DataSource dataSource;

	private final boolean enabled;

	private final SQLExceptionTranslator translator = new SQLStateSQLExceptionTranslator();

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition written = this.lock.newCondition();

	private final List<Request> queued = new ArrayList<>();

	private boolean writing;

	/**
	 * Creates the group commit.
	 * @param dataSource connections that never join a caller's transaction
	 * @param enabled whether to share transactions; when not, every statement is written
	 * alone in its own autocommitted transaction
	 */
	public GroupCommit(DataSource dataSource, boolean enabled) {
		this.dataSource = dataSource;
		this.enabled = enabled;
	}

	/**
	 * Executes an {@code INSERT}/{@code UPDATE}/{@code DELETE} and returns once it committed.
	 * @param sql the statement
	 * @param params its parameters
	 * @return its update count
	 * @throws DataAccessException if it could not be written
	 */
	public int update(String sql, @Nullable Object... params) {
		return submit(new Request(sql, params, false));
	}

	/**
	 * Executes a statement that returns one row with one number (such as a
	 * {@code WITH ... UPDATE ... RETURNING} counted by a {@code SELECT count(*)}) and returns
	 * once it committed.
	 * @param sql the statement
	 * @param params its parameters
	 * @return the number it returned
	 * @throws DataAccessException if it could not be written
	 */
	public int queryCount(String sql, @Nullable Object... params) {
		return submit(new Request(sql, params, true));
	}

	/**
	 * How many statements wait for the write in progress to finish.
	 * @return the number of waiting statements
	 */
	int waiting() {
		this.lock.lock();
		try {
			return this.queued.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	private int submit(Request request) {
		if (!this.enabled) {
			writeAlone(request);
			return request.result();
		}
		this.lock.lock();
		try {
			this.queued.add(request);
			while (!request.done) {
				if (this.writing) {
					this.written.awaitUninterruptibly();
					continue;
				}
				this.writing = true;
				List<Request> batch = new ArrayList<>(this.queued);
				this.queued.clear();
				this.lock.unlock();
				try {
					write(batch);
				}
				finally {
					for (Request unwritten : batch) {
						if (!unwritten.done) {
							// write threw an Error: fail its statements rather than leave their callers waiting
							unwritten.fail(new IllegalStateException("Group commit of '" + unwritten.sql + "' failed"));
						}
					}
					this.lock.lock();
					this.writing = false;
					this.written.signalAll();
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		return request.result();
	}

	private void write(List<Request> batch) {
		if (batch.size() == 1) {
			writeAlone(batch.get(0));
			return;
		}
		try {
			writeTogether(batch);
		}
		catch (SQLException | RuntimeException ex) {
			if (isConnectionFailure(ex)) {
				// the database is out of reach (down, restarting, or the pool timed out): every
				// statement fails now, as it would alone, instead of each waiting for a connection in turn
				RuntimeException failure = (ex instanceof SQLException sql) ? translate(batch.get(0).sql, sql)
						: (RuntimeException) ex;
				for (Request request : batch) {
					request.fail(failure);
				}
				return;
			}
			// rolled back: each on its own, so that only the failing statement's caller sees it
			for (Request request : batch) {
				writeAlone(request);
			}
		}
	}

	/**
	 * Whether a failure is the database being out of reach rather than a statement's own
	 * error: a connection error (SQLSTATE class 08), the server shutting down or starting
	 * up (57P01 - 57P03), or the pool's timeout.
	 */
	static boolean isConnectionFailure(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof java.sql.SQLTransientConnectionException
					|| cause instanceof java.sql.SQLNonTransientConnectionException) {
				return true;
			}
			if (cause instanceof SQLException sql && sql.getSQLState() != null
					&& (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P0"))) {
				return true;
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return false;
	}

	private DataAccessException translate(String sql, SQLException ex) {
		DataAccessException translated = this.translator.translate("group commit", sql, ex);
		return (translated != null) ? translated : new UncategorizedSQLException("group commit", sql, ex);
	}

	private void writeTogether(List<Request> batch) throws SQLException {
		Map<String, List<Request>> bySql = new LinkedHashMap<>();
		for (Request request : batch) {
			bySql.computeIfAbsent(request.sql, (sql) -> new ArrayList<>()).add(request);
		}
		int[] results = new int[batch.size()];
		try (Connection connection = this.dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			connection.setAutoCommit(false);
			try {
				Map<Request, Integer> counts = new IdentityHashMap<>();
				for (Map.Entry<String, List<Request>> statement : bySql.entrySet()) {
					execute(connection, statement.getKey(), statement.getValue(), counts);
				}
				connection.commit();
				for (int i = 0; i < batch.size(); i++) {
					results[i] = counts.get(batch.get(i));
				}
			}
			catch (SQLException | RuntimeException ex) {
				connection.rollback();
				throw ex;
			}
			finally {
				connection.setAutoCommit(autoCommit);
			}
		}
		for (int i = 0; i < batch.size(); i++) {
			batch.get(i).succeed(results[i]);
		}
	}

	private void execute(Connection connection, String sql, List<Request> requests, Map<Request, Integer> counts)
			throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			if (requests.get(0).query) {
				for (Request request : requests) {
					bind(statement, request.params);
					counts.put(request, count(statement));
				}
				return;
			}
			for (Request request : requests) {
				bind(statement, request.params);
				statement.addBatch();
			}
			int[] updated = statement.executeBatch();
			for (int i = 0; i < requests.size(); i++) {
				counts.put(requests.get(i), updated[i]);
			}
		}
	}

	private void writeAlone(Request request) {
		try (Connection connection = this.dataSource.getConnection()) {
			if (!connection.getAutoCommit()) {
				connection.setAutoCommit(true);
			}
			try (PreparedStatement statement = connection.prepareStatement(request.sql)) {
				bind(statement, request.params);
				request.succeed(request.query ? count(statement) : statement.executeUpdate());
			}
		}
		catch (SQLException ex) {
			request.fail(translate(request.sql, ex));
		}
		catch (RuntimeException ex) {
			request.fail(ex);
		}
	}

	private static void bind(PreparedStatement statement, @Nullable Object[] params) throws SQLException {
		for (int i = 0; i < params.length; i++) {
			// as JdbcClient binds them
			StatementCreatorUtils.setParameterValue(statement, i + 1, SqlTypeValue.TYPE_UNKNOWN, params[i]);
		}
	}

	private static int count(PreparedStatement statement) throws SQLException {
		try (ResultSet rows = statement.executeQuery()) {
			return rows.next() ? rows.getInt(1) : 0;
		}
	}

	/**
	 * One submitted statement and, once written, its outcome.
	 */
	private static final class Request {

		private final String sql;

		private final @Nullable Object[] params;

		private final boolean query;

		private volatile boolean done;

		private int count;

		private @Nullable RuntimeException failure;

		Request(String sql, @Nullable Object[] params, boolean query) {
			this.sql = sql;
			this.params = params;
			this.query = query;
		}

		void succeed(int count) {
			this.count = count;
			this.done = true;
		}

		void fail(RuntimeException failure) {
			this.failure = failure;
			this.done = true;
		}

		int result() {
			RuntimeException failure = this.failure;
			if (failure != null) {
				throw failure;
			}
			return this.count;
		}

	}

}
