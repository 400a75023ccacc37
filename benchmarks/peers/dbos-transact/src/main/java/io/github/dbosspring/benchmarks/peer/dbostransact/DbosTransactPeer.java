package io.github.dbosspring.benchmarks.peer.dbostransact;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dbos.transact.DBOS;
import dev.dbos.transact.StartWorkflowOptions;
import dev.dbos.transact.config.DBOSConfig;
import dev.dbos.transact.workflow.Queue;
import io.github.dbosspring.benchmarks.peer.PeerArguments;
import io.github.dbosspring.benchmarks.peer.PeerDriver;
import io.github.dbosspring.benchmarks.peer.PeerLibrary;

/**
 * DBOS Transact for Java, used as its documentation shows: {@code new DBOS(config)}, a workflow and a
 * step on a registered proxy, a registered {@link Queue}, {@code dbos.startWorkflow(..., new
 * StartWorkflowOptions(queue))} to enqueue, {@code dbos.launch()} to start. The producer (for the
 * {@code enqueue} and the pre-enqueue of {@code drain}) is a DBOS instance that listens only to another
 * queue, so it never dequeues a job; the worker is a second instance, launched when the workload starts
 * the worker (the producer is shut down first: one instance and one pool of 10 at a time).
 */
public final class DbosTransactPeer implements PeerLibrary {

	static final String QUEUE = "jobs";

	// the producer instance listens only to this queue, which never gets a job
	private static final String PRODUCER_QUEUE = "producer-only";

	private static final int POOL_SIZE = 10;

	private static final String HISTORY_PREFIX = "history-";

	private final String jdbcUrl;

	private final Duration pollingInterval;

	private final boolean pollDefault;

	private Instance current;

	private Instance worker;

	private int concurrency;

	private Connection monitor;

	DbosTransactPeer(PeerArguments arguments) {
		this.jdbcUrl = arguments.jdbcUrl();
		this.pollDefault = !arguments.has("poll-ms");
		this.pollingInterval = Duration.ofMillis(
				arguments.integer("poll-ms", (int) Queue.DEFAULT_POLLING_INTERVAL.toMillis()));
	}

	public static void main(String[] args) {
		PeerDriver.run(args, DbosTransactPeer::new);
	}

	@Override
	public String name() {
		return "dbos-transact";
	}

	@Override
	public String version() {
		return DBOS.version();
	}

	@Override
	public void createSchema() {
		// dbos.launch() runs DBOS's own migrations (DBOSConfig.migrate() is true by default)
	}

	@Override
	public void openProducer() {
		if (this.current == null) {
			this.current = Instance.launch(this.jdbcUrl, List.of(new Queue(QUEUE).withPollingInterval(this.pollingInterval),
					new Queue(PRODUCER_QUEUE)), PRODUCER_QUEUE);
		}
	}

	@Override
	public void enqueue(int job) {
		Instance instance = this.current;
		instance.dbos.startWorkflow(() -> instance.workflows.job(job), instance.enqueueOptions);
	}

	@Override
	public String batchEnqueueUnsupported() {
		return "DBOS Transact " + DBOS.version() + " has no batch enqueue: DBOS.startWorkflow and "
				+ "DBOSClient.enqueueWorkflow enqueue one workflow per call";
	}

	@Override
	public void insertCompletedRows(int rows) throws SQLException {
		// a finished job as DBOS writes it: one inline run of the same workflow, copied with other IDs
		this.current.workflows.job(-1);
		Connection connection = monitor();
		String template;
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(
						"SELECT workflow_uuid FROM dbos.workflow_status WHERE name = 'job' AND status = 'SUCCESS'")) {
			result.next();
			template = result.getString(1);
		}
		for (String table : workflowTables(connection)) {
			List<String> columns = columns(connection, table);
			StringBuilder select = new StringBuilder();
			for (String column : columns) {
				if (select.length() > 0) {
					select.append(", ");
				}
				if (column.equals("workflow_uuid") || column.equals("workflow_id")) {
					select.append("'" + HISTORY_PREFIX + "' || g");
				}
				else if (column.equals("queue_name")) {
					select.append("'" + QUEUE + "'");
				}
				else if (table.equals("workflow_status") && column.equals("started_at_epoch_ms")) {
					// the template ran inline; a dequeued job has a start time
					select.append("created_at");
				}
				else {
					select.append(quote(column));
				}
			}
			String key = columns.contains("workflow_uuid") ? "workflow_uuid" : "workflow_id";
			String sql = "INSERT INTO dbos." + quote(table) + " (" + String.join(", ", columns.stream().map(DbosTransactPeer::quote).toList())
					+ ") SELECT " + select + " FROM dbos." + quote(table) + ", generate_series(1, " + rows + ") AS g WHERE "
					+ key + " = '" + template + "'";
			try (Statement statement = connection.createStatement()) {
				statement.executeUpdate(sql);
			}
		}
		try (Statement statement = connection.createStatement()) {
			statement.execute("ANALYZE");
		}
	}

	@Override
	public void prepareWorker(int concurrency) {
		// 0 (or less): no worker concurrency limit, DBOS's default; -1 marks it for the notes
		this.concurrency = (concurrency > 0) ? concurrency : -1;
		if (this.current != null) {
			this.current.close();
			this.current = null;
		}
		Queue queue = new Queue(QUEUE).withPollingInterval(this.pollingInterval);
		if (concurrency > 0) {
			queue = queue.withWorkerConcurrency(concurrency);
		}
		this.worker = Instance.create(this.jdbcUrl, List.of(queue), null);
	}

	@Override
	public void startWorker() {
		this.worker.dbos.launch();
		this.current = this.worker;
	}

	@Override
	public String drainWarmUpUnsupported() {
		return "DBOS Transact's drain is bound by its queue polling (each poll starts at most the worker "
				+ "concurrency's free slots), not by compiled code: 0.9 - 49 jobs/s in this suite, so a warm-up of "
				+ "a fifth of the jobs (at most 2,000) would take from 40 s to over half an hour per run";
	}

	@Override
	public long completedInStore() throws SQLException {
		try (Statement statement = monitor().createStatement();
				ResultSet result = statement.executeQuery("SELECT count(*) FROM dbos.workflow_status WHERE queue_name = '"
						+ QUEUE + "' AND status = 'SUCCESS' AND workflow_uuid NOT LIKE '" + HISTORY_PREFIX + "%'")) {
			result.next();
			return result.getLong(1);
		}
	}

	@Override
	public String stepsUnsupported() {
		return null;
	}

	@Override
	public void runInlineWorkflow(int steps) {
		this.current.workflows.inline(steps);
	}

	@Override
	public String notes() {
		return "DBOS Transact " + DBOS.version() + ", plain Java: new DBOS(DBOSConfig.defaults(..).withDataSource(HikariCP "
				+ "maximumPoolSize " + POOL_SIZE + ")), DBOSConfig defaults otherwise (migrate true, useListenNotify true, "
				+ "admin server off; on Java 17 workflows run on a fixed pool of 50 threads per core); job = @Workflow calling one no-op @Step through its proxy; enqueue = "
				+ "dbos.startWorkflow(() -> proxy.job(n), new StartWorkflowOptions(queue)); queue '" + QUEUE
				+ "' pollingInterval " + this.pollingInterval.toMillis() + " ms ("
				+ (this.pollDefault ? "Queue.DEFAULT_POLLING_INTERVAL" : "--poll-ms") + ")"
				+ ((this.concurrency > 0) ? ", workerConcurrency " + this.concurrency
						: (this.concurrency < 0) ? ", no workerConcurrency (--concurrency=0: the library default, unlimited)" : "")
				+ "; producer = a DBOS instance listening only to another queue";
	}

	@Override
	public void close() throws SQLException {
		if (this.current != null) {
			this.current.close();
		}
		if (this.monitor != null) {
			this.monitor.close();
		}
	}

	// a connection of its own for the completion count (not one of the library's 10)
	private Connection monitor() throws SQLException {
		if (this.monitor == null) {
			this.monitor = DriverManager.getConnection(this.jdbcUrl);
		}
		return this.monitor;
	}

	private static List<String> workflowTables(Connection connection) throws SQLException {
		List<String> tables = new ArrayList<>();
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT table_name FROM information_schema.columns "
						+ "WHERE table_schema = 'dbos' AND column_name IN ('workflow_uuid', 'workflow_id') "
						+ "GROUP BY table_name ORDER BY (table_name <> 'workflow_status'), table_name")) {
			while (result.next()) {
				tables.add(result.getString(1));
			}
		}
		return tables;
	}

	private static List<String> columns(Connection connection, String table) throws SQLException {
		List<String> columns = new ArrayList<>();
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT column_name FROM information_schema.columns "
						+ "WHERE table_schema = 'dbos' AND table_name = '" + table + "' AND is_generated = 'NEVER' "
						+ "AND is_identity = 'NO' AND coalesce(column_default, '') NOT LIKE 'nextval%' "
						+ "ORDER BY ordinal_position")) {
			while (result.next()) {
				columns.add(result.getString(1));
			}
		}
		return columns;
	}

	private static String quote(String identifier) {
		return "\"" + identifier + "\"";
	}

	/**
	 * One DBOS instance with its pool, its proxy and its enqueue options.
	 */
	private static final class Instance {

		final HikariDataSource dataSource;

		final DBOS dbos;

		final NoOpWorkflows workflows;

		final StartWorkflowOptions enqueueOptions;

		private Instance(String jdbcUrl, List<Queue> queues, String listenQueue) {
			HikariConfig pool = new HikariConfig();
			pool.setJdbcUrl(jdbcUrl);
			pool.setMaximumPoolSize(POOL_SIZE);
			pool.setPoolName("dbos-transact");
			this.dataSource = new HikariDataSource(pool);
			DBOSConfig config = DBOSConfig.defaults("dbos-transact-peer").withDataSource(this.dataSource);
			if (listenQueue != null) {
				config = config.withListenQueue(listenQueue);
			}
			this.dbos = new DBOS(config);
			queues.forEach(this.dbos::registerQueue);
			NoOpWorkflowsImpl impl = new NoOpWorkflowsImpl();
			this.workflows = this.dbos.registerProxy(NoOpWorkflows.class, impl);
			impl.setSelf(this.workflows);
			this.enqueueOptions = new StartWorkflowOptions(queues.get(0));
		}

		static Instance create(String jdbcUrl, List<Queue> queues, String listenQueue) {
			return new Instance(jdbcUrl, queues, listenQueue);
		}

		static Instance launch(String jdbcUrl, List<Queue> queues, String listenQueue) {
			Instance instance = new Instance(jdbcUrl, queues, listenQueue);
			instance.dbos.launch();
			return instance;
		}

		void close() {
			this.dbos.shutdown();
			this.dataSource.close();
		}

	}

}
