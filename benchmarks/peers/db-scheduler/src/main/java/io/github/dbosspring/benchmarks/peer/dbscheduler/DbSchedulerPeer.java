package io.github.dbosspring.benchmarks.peer.dbscheduler;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerBuilder;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.dbosspring.benchmarks.peer.JobEvents;
import io.github.dbosspring.benchmarks.peer.LibraryVersion;
import io.github.dbosspring.benchmarks.peer.PeerArguments;
import io.github.dbosspring.benchmarks.peer.PeerDriver;
import io.github.dbosspring.benchmarks.peer.PeerLibrary;

/**
 * db-scheduler, used as its README shows: the {@code scheduled_tasks} table from its documented DDL, a
 * one-time task ({@code Tasks.oneTime}), {@code Scheduler.create(dataSource, task)} with
 * {@code threads(C)} and the lock-and-fetch polling strategy ({@code pollUsingLockAndFetch(1.0, 4.0)}, the
 * values its README gives "for high throughput"), jobs scheduled to {@code Instant.now()} with
 * {@code schedule(instance, time)} or {@code scheduleBatch}. The job number is the task instance ID, so a
 * job carries no serialized data. The producer, while no worker runs, is a {@code SchedulerClient}; once the
 * scheduler runs, jobs are scheduled through it.
 */
public final class DbSchedulerPeer implements PeerLibrary {

	static final String TASK = "noop";

	private static final int POOL_SIZE = 10;

	private final Duration pollingInterval;

	private final boolean pollDefault;

	private final boolean immediateExecution;

	private final double lowerLimitFractionOfThreads;

	private final double upperLimitFractionOfThreads;

	private final HikariDataSource dataSource;

	private final OneTimeTask<Void> task = Tasks.oneTime(TASK).execute((instance, context) -> {
		int job = Integer.parseInt(instance.getId());
		JobEvents.started(job);
		JobEvents.completed(job);
	});

	private final AtomicLong enqueued = new AtomicLong();

	private SchedulerClient client;

	private Scheduler scheduler;

	private int threads;

	DbSchedulerPeer(PeerArguments arguments) {
		this.pollDefault = !arguments.has("poll-ms");
		this.pollingInterval = Duration.ofMillis(
				arguments.integer("poll-ms", (int) SchedulerBuilder.DEFAULT_POLLING_INTERVAL.toMillis()));
		this.immediateExecution = arguments.flag("immediate-execution", false);
		this.lowerLimitFractionOfThreads = arguments.decimal("lower-limit-fraction-of-threads", 1.0);
		this.upperLimitFractionOfThreads = arguments.decimal("upper-limit-fraction-of-threads", 4.0);
		HikariConfig pool = new HikariConfig();
		pool.setJdbcUrl(arguments.jdbcUrl());
		pool.setMaximumPoolSize(POOL_SIZE);
		pool.setPoolName("db-scheduler");
		this.dataSource = new HikariDataSource(pool);
	}

	public static void main(String[] args) {
		PeerDriver.run(args, DbSchedulerPeer::new);
	}

	@Override
	public String name() {
		return "db-scheduler";
	}

	@Override
	public String version() {
		return LibraryVersion.read();
	}

	@Override
	public void createSchema() throws IOException, SQLException {
		String ddl;
		try (InputStream in = DbSchedulerPeer.class.getResourceAsStream("/db-scheduler-postgresql.sql")) {
			ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		try (Connection connection = this.dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("SELECT 1 FROM pg_tables WHERE tablename = 'scheduled_tasks'");
			try (ResultSet result = statement.getResultSet()) {
				if (result.next()) {
					return;
				}
			}
			statement.execute(ddl);
		}
	}

	@Override
	public void openProducer() {
		if (this.client == null) {
			this.client = SchedulerClient.Builder.create(this.dataSource, this.task).build();
		}
	}

	@Override
	public void enqueue(int job) {
		producer().schedule(this.task.instance(Integer.toString(job)), Instant.now());
		this.enqueued.incrementAndGet();
	}

	@Override
	public void enqueueBatch(int first, int count) {
		List<TaskInstance<?>> instances = new ArrayList<>(count);
		for (int job = first; job < first + count; job++) {
			instances.add(this.task.instance(Integer.toString(job)));
		}
		producer().scheduleBatch(instances, Instant.now());
		this.enqueued.addAndGet(count);
	}

	@Override
	public String completedRowsUnsupported() {
		return "db-scheduler deletes a one-time task's row when the execution completes: it keeps no rows of "
				+ "finished jobs";
	}

	@Override
	public void prepareWorker(int threads) {
		if (threads < 1) {
			throw new IllegalArgumentException("db-scheduler needs --concurrency of at least 1 (its threads)");
		}
		this.threads = threads;
		SchedulerBuilder builder = Scheduler.create(this.dataSource, this.task)
			.threads(threads)
			.pollUsingLockAndFetch(this.lowerLimitFractionOfThreads, this.upperLimitFractionOfThreads)
			.pollingInterval(this.pollingInterval);
		if (this.immediateExecution) {
			builder.enableImmediateExecution();
		}
		this.scheduler = builder.build();
	}

	@Override
	public void startWorker() {
		this.scheduler.start();
	}

	@Override
	public String drainWarmUpUnsupported() {
		return null;
	}

	// the client schedules again until the next scheduler is built
	@Override
	public void stopWorker() {
		this.scheduler.stop();
		this.scheduler = null;
	}

	// completion deletes the row: completed = enqueued - still in the table
	@Override
	public long completedInStore() throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(
						"SELECT count(*) FROM scheduled_tasks WHERE task_name = '" + TASK + "'")) {
			result.next();
			return this.enqueued.get() - result.getLong(1);
		}
	}

	@Override
	public String notes() {
		return "db-scheduler " + version() + ", plain Java: HikariCP maximumPoolSize " + POOL_SIZE
				+ " shared by SchedulerClient and Scheduler; Tasks.oneTime task with an empty body (no steps in "
				+ "db-scheduler), job number as instance ID (no task data); Scheduler.create(dataSource, task)"
				+ ((this.threads > 0) ? ".threads(" + this.threads + ")" : "") + ".pollUsingLockAndFetch("
				+ this.lowerLimitFractionOfThreads + ", " + this.upperLimitFractionOfThreads
				+ ") (README: 'for high throughput'), pollingInterval " + this.pollingInterval.toMillis() + " ms ("
				+ (this.pollDefault ? "library default" : "--poll-ms") + "), enableImmediateExecution "
				+ this.immediateExecution + (this.immediateExecution ? " (--immediate-execution)" : " (library default)")
				+ ", defaults otherwise; enqueue = schedule(task.instance(id), Instant.now()), batch = "
				+ "scheduleBatch(instances, Instant.now()); completion deletes the row";
	}

	@Override
	public void close() {
		if (this.scheduler != null) {
			this.scheduler.stop();
		}
		this.dataSource.close();
	}

	private SchedulerClient producer() {
		return (this.scheduler != null) ? this.scheduler : this.client;
	}

}
