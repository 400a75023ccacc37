package io.github.dbosspring.benchmarks.peer.jobrunr;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.dbosspring.benchmarks.peer.LibraryVersion;
import io.github.dbosspring.benchmarks.peer.PeerArguments;
import io.github.dbosspring.benchmarks.peer.PeerDriver;
import io.github.dbosspring.benchmarks.peer.PeerLibrary;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.configuration.JobRunrConfiguration;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobId;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.SucceededState;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;

/**
 * JobRunr, used as its documentation shows: {@code JobRunr.configure().useStorageProvider(new
 * PostgresStorageProvider(dataSource)).useBackgroundJobServer(...).initialize()}, jobs enqueued with
 * {@code jobScheduler.enqueue(() -> NoOpJob.run(n))}, batches with {@code enqueue(Stream, lambda)}. The
 * background job server gets {@code andWorkerCount(C)} and the smallest poll interval JobRunr accepts (5 s;
 * its default is 15 s). Where jobs are pre-enqueued, JobRunr is first configured without a server, and the
 * server is created (as the fluent API does) when the worker is prepared and started after {@code GO}.
 */
public final class JobRunrPeer implements PeerLibrary {

	private static final int POOL_SIZE = 10;

	// AbstractStorageProvider.validatePollInterval: "The smallest supported pollInterval is 5 seconds"
	private static final int SMALLEST_POLL_MILLIS = 5000;

	private final Duration pollInterval;

	private final boolean pollDefault;

	private final HikariDataSource dataSource;

	private final JacksonJsonMapper jsonMapper = new JacksonJsonMapper();

	private StorageProvider storageProvider;

	private JobScheduler jobScheduler;

	private BackgroundJobServer server;

	private int workers;

	private int historyRows;

	JobRunrPeer(PeerArguments arguments) {
		this.pollDefault = !arguments.has("poll-ms");
		this.pollInterval = Duration.ofMillis(arguments.integer("poll-ms", SMALLEST_POLL_MILLIS));
		HikariConfig pool = new HikariConfig();
		pool.setJdbcUrl(arguments.jdbcUrl());
		pool.setMaximumPoolSize(POOL_SIZE);
		pool.setPoolName("jobrunr");
		this.dataSource = new HikariDataSource(pool);
	}

	public static void main(String[] args) {
		PeerDriver.run(args, JobRunrPeer::new);
	}

	@Override
	public String name() {
		return "jobrunr";
	}

	@Override
	public String version() {
		return LibraryVersion.read();
	}

	@Override
	public void createSchema() {
		if (this.storageProvider == null) {
			// creates and migrates JobRunr's tables (DatabaseOptions.CREATE, the default)
			this.storageProvider = new PostgresStorageProvider(this.dataSource);
		}
	}

	@Override
	public void openProducer() {
		if (this.jobScheduler == null) {
			this.jobScheduler = configure().initialize().getJobScheduler();
		}
	}

	@Override
	public void enqueue(int job) {
		this.jobScheduler.enqueue(() -> NoOpJob.run(job));
	}

	@Override
	public void enqueueBatch(int first, int count) {
		this.jobScheduler.enqueue(IntStream.range(first, first + count).boxed(), (job) -> NoOpJob.run(job));
	}

	@Override
	public void insertCompletedRows(int rows) throws SQLException {
		// a succeeded job as JobRunr stores it: one job enqueued, given the states a run gives it, saved
		// through the storage provider, then copied with other IDs
		// a captured variable: JobRunr's lambda analysis does not know the ICONST_M1 instruction of a literal -1
		int templateJob = -1;
		JobId id = this.jobScheduler.enqueue(() -> NoOpJob.run(templateJob));
		Job enqueued = this.storageProvider.getJobById(id);
		List<JobState> states = new ArrayList<>(enqueued.getJobStates());
		states.add(new ProcessingState(UUID.randomUUID(), "history"));
		states.add(new SucceededState(Duration.ofMillis(5), Duration.ofMillis(1)));
		Job succeeded = new Job(enqueued.getId(), enqueued.getVersion(), enqueued.getJobDetails(), states,
				new ConcurrentHashMap<>(enqueued.getMetadata()));
		this.storageProvider.save(succeeded);
		String template = enqueued.getId().toString();
		try (Connection connection = this.dataSource.getConnection(); Statement statement = connection.createStatement()) {
			List<String> columns = new ArrayList<>();
			try (ResultSet result = statement.executeQuery("SELECT column_name FROM information_schema.columns "
					+ "WHERE table_name = 'jobrunr_jobs' ORDER BY ordinal_position")) {
				while (result.next()) {
					columns.add(result.getString(1));
				}
			}
			List<String> select = new ArrayList<>();
			for (String column : columns) {
				if (column.equals("id")) {
					select.add("h.id");
				}
				else if (column.equalsIgnoreCase("jobasjson")) {
					select.add("replace(t." + column + ", '" + template + "', h.id)");
				}
				else {
					select.add("t." + column);
				}
			}
			statement.executeUpdate("INSERT INTO jobrunr_jobs (" + String.join(", ", columns) + ") SELECT "
					+ String.join(", ", select) + " FROM jobrunr_jobs t, (SELECT md5('history-' || g)::uuid::text AS id "
					+ "FROM generate_series(1, " + (rows - 1) + ") AS g) h WHERE t.id = '" + template + "'");
			statement.execute("ANALYZE");
		}
		this.historyRows = rows;
	}

	@Override
	public void prepareWorker(int workers) {
		if (workers < 1) {
			throw new IllegalArgumentException("JobRunr needs --concurrency of at least 1 (its worker count)");
		}
		this.workers = workers;
		BackgroundJobServerConfiguration configuration = BackgroundJobServerConfiguration
			.usingStandardBackgroundJobServerConfiguration()
			.andWorkerCount(workers)
			.andPollInterval(this.pollInterval);
		if (this.jobScheduler == null) {
			// created, not started (the fluent API's startBackgroundJobServer = false)
			this.jobScheduler = configure().useBackgroundJobServer(configuration, false).initialize().getJobScheduler();
			this.server = JobRunr.getBackgroundJobServer();
		}
		else {
			// JobRunr is already configured as a producer: create the server as the fluent API would
			this.server = new BackgroundJobServer(this.storageProvider, this.jsonMapper, null, configuration);
		}
	}

	@Override
	public void startWorker() {
		this.server.start();
	}

	@Override
	public String drainWarmUpUnsupported() {
		return null;
	}

	@Override
	public void stopWorker() {
		this.server.stop();
		this.server = null;
	}

	@Override
	public long completedInStore() throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT count(*) FROM jobrunr_jobs WHERE state = 'SUCCEEDED'")) {
			result.next();
			return result.getLong(1) - this.historyRows;
		}
	}

	@Override
	public String notes() {
		return "JobRunr " + version() + ", plain Java: PostgresStorageProvider on HikariCP maximumPoolSize " + POOL_SIZE
				+ " (tables created by the provider), JacksonJsonMapper (Jackson 2), BackgroundJobServer "
				+ ((this.workers > 0) ? "andWorkerCount(" + this.workers + ") " : "") + "andPollInterval("
				+ this.pollInterval.toMillis() + " ms) (" + (this.pollDefault
						? "the smallest JobRunr accepts; its default is 15 s" : "--poll-ms")
				+ "), defaults otherwise (no dashboard); job = static no-op method (no steps in JobRunr); enqueue = "
				+ "jobScheduler.enqueue(() -> NoOpJob.run(n)), batch = jobScheduler.enqueue(Stream, lambda); "
				+ "succeeded jobs stay in jobrunr_jobs (deleted after 36 h by default)";
	}

	@Override
	public void close() {
		if (this.server != null) {
			this.server.stop();
		}
		this.dataSource.close();
	}

	private JobRunrConfiguration configure() {
		createSchema();
		return JobRunr.configure().useJsonMapper(this.jsonMapper).useStorageProvider(this.storageProvider);
	}

}
