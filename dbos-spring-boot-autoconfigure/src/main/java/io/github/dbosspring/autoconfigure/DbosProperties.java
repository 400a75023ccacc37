package io.github.dbosspring.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.store.DbosSchema;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties for durable workflows, under {@code dbos}.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("dbos")
public class DbosProperties implements InitializingBean {

	/**
	 * Whether durable workflows are enabled.
	 */
	private boolean enabled = true;

	/**
	 * Schema of the DBOS system tables, created and migrated at startup.
	 */
	private String schema = "dbos";

	/**
	 * ID of this executor (process). Workflows left PENDING by an executor with the same ID
	 * are recovered at startup. Defaults to the DBOS__VMID environment variable, else the
	 * host name and a random suffix.
	 */
	private @Nullable String executorId;

	/**
	 * Application version recorded with every workflow; only workflows of the running
	 * version are recovered automatically. Defaults to a hash of the workflow code.
	 */
	private @Nullable String applicationVersion;

	/**
	 * Largest serialized argument list, result or step output that may be stored.
	 */
	private DataSize maxPayloadSize = DataSize.ofMegabytes(1);

	/**
	 * Whether the step checkpoints and outcomes of workflows running at the same time in
	 * this process share commits (each still returns only once its own is committed).
	 */
	private boolean groupCommit = true;

	/**
	 * Whether a step's checkpoint is written with the workflow's next durable operation
	 * (or, for its last step, with its outcome in one statement) instead of right after the
	 * step returns. A crash between the step's return and that next operation runs the
	 * step again.
	 */
	private boolean deferStepCheckpoints = true;

	/**
	 * Threads that run background-started and recovered workflows.
	 */
	private int workflowPoolSize = 64;

	private final Datasource datasource = new Datasource();

	private final Embedded embedded = new Embedded();

	private final Recovery recovery = new Recovery();

	private final Shutdown shutdown = new Shutdown();

	private final Aop aop = new Aop();

	private final SelfInvocation selfInvocation = new SelfInvocation();

	private final Worker worker = new Worker();

	private final Sleep sleep = new Sleep();

	private final Scheduler scheduler = new Scheduler();

	private final Observation observation = new Observation();

	/**
	 * Scheduled workflows declared in properties, by workflow name (use brackets for names
	 * with dots: {@code dbos.schedules.[Reports.nightly].cron}).
	 */
	private final java.util.Map<String, Schedule> schedules = new java.util.LinkedHashMap<>();

	@Override
	public void afterPropertiesSet() {
		try {
			new DbosSchema(this.schema);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidConfigurationPropertyValueException("dbos.schema", this.schema, ex.getMessage());
		}
		if (this.executorId != null && this.executorId.isBlank()) {
			throw new InvalidConfigurationPropertyValueException("dbos.executor-id", this.executorId,
					"must not be blank; remove it to use a generated ID");
		}
		if (this.applicationVersion != null && this.applicationVersion.isBlank()) {
			throw new InvalidConfigurationPropertyValueException("dbos.application-version", this.applicationVersion,
					"must not be blank; remove it to use a hash of the workflow code");
		}
		positive("dbos.max-payload-size", this.maxPayloadSize.toBytes());
		positive("dbos.workflow-pool-size", this.workflowPoolSize);
		positive("dbos.recovery.max-attempts", this.recovery.maxAttempts);
		positive("dbos.recovery.interval", this.recovery.interval.toMillis());
		positive("dbos.recovery.heartbeat-interval", this.recovery.heartbeatInterval.toMillis());
		positive("dbos.datasource.maximum-pool-size", this.datasource.maximumPoolSize);
		if (this.recovery.executorTimeout.compareTo(this.recovery.heartbeatInterval.multipliedBy(2)) < 0) {
			throw new InvalidConfigurationPropertyValueException("dbos.recovery.executor-timeout",
					this.recovery.executorTimeout, "must be at least twice dbos.recovery.heartbeat-interval ("
							+ this.recovery.heartbeatInterval + "), or live executors would be presumed dead");
		}
		if (this.shutdown.timeout.isNegative()) {
			throw new InvalidConfigurationPropertyValueException("dbos.shutdown.timeout", this.shutdown.timeout,
					"must not be negative");
		}
		if (this.sleep.parkThreshold.isNegative()) {
			throw new InvalidConfigurationPropertyValueException("dbos.sleep.park-threshold", this.sleep.parkThreshold,
					"must not be negative");
		}
		this.schedules.forEach((name, schedule) -> {
			String property = "dbos.schedules.[" + name + "].cron";
			if (schedule.cron == null || schedule.cron.isBlank()) {
				throw new InvalidConfigurationPropertyValueException(property, schedule.cron,
						"a schedule needs a cron expression");
			}
			try {
				org.springframework.scheduling.support.CronExpression.parse(schedule.cron);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidConfigurationPropertyValueException(property, schedule.cron, ex.getMessage());
			}
			if (!schedule.zone.isEmpty()) {
				try {
					java.time.ZoneId.of(schedule.zone);
				}
				catch (java.time.DateTimeException ex) {
					throw new InvalidConfigurationPropertyValueException("dbos.schedules.[" + name + "].zone",
							schedule.zone, ex.getMessage());
				}
			}
		});
		positive("dbos.worker.concurrency", this.worker.concurrency);
		positive("dbos.worker.claim-batch-size", this.worker.claimBatchSize);
		positive("dbos.worker.poll-interval", this.worker.pollInterval.toMillis());
		if (this.worker.unknownWorkflowGracePeriod != null && this.worker.unknownWorkflowGracePeriod.isNegative()) {
			throw new InvalidConfigurationPropertyValueException("dbos.worker.unknown-workflow-grace-period",
					this.worker.unknownWorkflowGracePeriod, "must not be negative; remove it to never dead-letter");
		}
		for (String queue : this.worker.queues) {
			if (queue == null || queue.isBlank()) {
				throw new InvalidConfigurationPropertyValueException("dbos.worker.queues", this.worker.queues,
						"must not contain blank names");
			}
		}
		if (this.embedded.port < 0 || this.embedded.port > 65535) {
			throw new InvalidConfigurationPropertyValueException("dbos.embedded.port", this.embedded.port,
					"must be between 0 (a free port) and 65535");
		}
	}

	private static void positive(String name, long value) {
		if (value <= 0) {
			throw new InvalidConfigurationPropertyValueException(name, value, "must be greater than zero");
		}
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public Scheduler getScheduler() {
		return this.scheduler;
	}

	public Observation getObservation() {
		return this.observation;
	}

	public java.util.Map<String, Schedule> getSchedules() {
		return this.schedules;
	}

	public Sleep getSleep() {
		return this.sleep;
	}

	public Worker getWorker() {
		return this.worker;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getSchema() {
		return this.schema;
	}

	public void setSchema(String schema) {
		this.schema = schema;
	}

	public @Nullable String getExecutorId() {
		return this.executorId;
	}

	public void setExecutorId(@Nullable String executorId) {
		this.executorId = executorId;
	}

	public @Nullable String getApplicationVersion() {
		return this.applicationVersion;
	}

	public void setApplicationVersion(@Nullable String applicationVersion) {
		this.applicationVersion = applicationVersion;
	}

	public DataSize getMaxPayloadSize() {
		return this.maxPayloadSize;
	}

	public void setMaxPayloadSize(DataSize maxPayloadSize) {
		this.maxPayloadSize = maxPayloadSize;
	}

	public boolean isGroupCommit() {
		return this.groupCommit;
	}

	public void setGroupCommit(boolean groupCommit) {
		this.groupCommit = groupCommit;
	}

	public boolean isDeferStepCheckpoints() {
		return this.deferStepCheckpoints;
	}

	public void setDeferStepCheckpoints(boolean deferStepCheckpoints) {
		this.deferStepCheckpoints = deferStepCheckpoints;
	}

	public int getWorkflowPoolSize() {
		return this.workflowPoolSize;
	}

	public void setWorkflowPoolSize(int workflowPoolSize) {
		this.workflowPoolSize = workflowPoolSize;
	}

	public Datasource getDatasource() {
		return this.datasource;
	}

	public Embedded getEmbedded() {
		return this.embedded;
	}

	public Recovery getRecovery() {
		return this.recovery;
	}

	public Shutdown getShutdown() {
		return this.shutdown;
	}

	public Aop getAop() {
		return this.aop;
	}

	public SelfInvocation getSelfInvocation() {
		return this.selfInvocation;
	}

	/**
	 * Micrometer observations (tracing spans) of workflows and steps.
	 */
	public static class Observation {

		/**
		 * Whether to observe workflow starts, executions and steps when an
		 * ObservationRegistry exists, storing each workflow's trace context so that its
		 * executions continue the trace of the code that started it.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * Checkpointing of {@code @Step} methods that a workflow calls through {@code this}.
	 */
	public static class SelfInvocation {

		/**
		 * Whether beans whose workflows call their own @Step methods are instantiated as
		 * enhanced subclasses, so that those calls are checkpointed.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * A separate system database for the DBOS tables. When no URL is set, the
	 * application's DataSource is used.
	 */
	public static class Datasource {

		/**
		 * JDBC URL of the system database.
		 */
		private @Nullable String url;

		/**
		 * Login user of the system database.
		 */
		private @Nullable String username;

		/**
		 * Login password of the system database.
		 */
		private @Nullable String password;

		/**
		 * Maximum number of connections to the system database.
		 */
		private int maximumPoolSize = 10;

		public @Nullable String getUrl() {
			return this.url;
		}

		public void setUrl(@Nullable String url) {
			this.url = url;
		}

		public @Nullable String getUsername() {
			return this.username;
		}

		public void setUsername(@Nullable String username) {
			this.username = username;
		}

		public @Nullable String getPassword() {
			return this.password;
		}

		public void setPassword(@Nullable String password) {
			this.password = password;
		}

		public int getMaximumPoolSize() {
			return this.maximumPoolSize;
		}

		public void setMaximumPoolSize(int maximumPoolSize) {
			this.maximumPoolSize = maximumPoolSize;
		}

	}

	/**
	 * The embedded PostgreSQL started when no database is configured.
	 */
	public static class Embedded {

		/**
		 * Whether to start an embedded PostgreSQL when neither spring.datasource.url nor
		 * dbos.datasource.url is set and no DataSource bean exists.
		 */
		private boolean enabled = true;

		/**
		 * Data directory of the embedded PostgreSQL; kept across restarts.
		 */
		private String dataDir = ".dbos/postgres";

		/**
		 * Port of the embedded PostgreSQL; 0 picks a free port.
		 */
		private int port;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getDataDir() {
			return this.dataDir;
		}

		public void setDataDir(String dataDir) {
			this.dataDir = dataDir;
		}

		public int getPort() {
			return this.port;
		}

		public void setPort(int port) {
			this.port = port;
		}

	}

	/**
	 * Recovery of interrupted workflows.
	 */
	public static class Recovery {

		/**
		 * Whether interrupted workflows are recovered (at startup and from executors that
		 * stopped sending heartbeats).
		 */
		private boolean enabled = true;

		/**
		 * Recoveries after which a workflow is moved to MAX_RECOVERY_ATTEMPTS_EXCEEDED
		 * instead of crash-looping.
		 */
		private int maxAttempts = 100;

		/**
		 * How often to look for workflows of executors presumed dead.
		 */
		private Duration interval = Duration.ofSeconds(5);

		/**
		 * How often this executor refreshes its heartbeat.
		 */
		private Duration heartbeatInterval = Duration.ofSeconds(3);

		/**
		 * Heartbeat age (by the database's clock) after which an executor is presumed dead
		 * and its PENDING workflows are adopted.
		 */
		private Duration executorTimeout = Duration.ofSeconds(15);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

		public Duration getHeartbeatInterval() {
			return this.heartbeatInterval;
		}

		public void setHeartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
		}

		public Duration getExecutorTimeout() {
			return this.executorTimeout;
		}

		public void setExecutorTimeout(Duration executorTimeout) {
			this.executorTimeout = executorTimeout;
		}

	}

	/**
	 * Graceful shutdown.
	 */
	public static class Shutdown {

		/**
		 * How long running workflows may take to reach their next step boundary at
		 * shutdown; what is still running then is left PENDING for recovery.
		 */
		private Duration timeout = Duration.ofSeconds(10);

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

	}

	/**
	 * Order of the workflow and step advice relative to other advice such as
	 * {@code @Transactional} (whose default order is the lowest precedence).
	 */
	public static class Aop {

		/**
		 * Order of the @Workflow advisor; the default runs it outside any transaction
		 * advice on the same method.
		 */
		private int workflowOrder = Ordered.HIGHEST_PRECEDENCE + 1000;

		/**
		 * Order of the @Step advisor.
		 */
		private int stepOrder = Ordered.HIGHEST_PRECEDENCE + 1000;

		public int getWorkflowOrder() {
			return this.workflowOrder;
		}

		public void setWorkflowOrder(int workflowOrder) {
			this.workflowOrder = workflowOrder;
		}

		public int getStepOrder() {
			return this.stepOrder;
		}

		public void setStepOrder(int stepOrder) {
			this.stepOrder = stepOrder;
		}

	}

	/**
	 * The scheduler of cron-scheduled workflows.
	 */
	public static class Scheduler {

		/**
		 * Whether this process starts scheduled workflows at their ticks (each tick runs
		 * once across all processes either way).
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * A workflow schedule declared in properties (like {@code @WorkflowSchedule}).
	 */
	public static class Schedule {

		/**
		 * A Spring cron expression with seconds.
		 */
		private @Nullable String cron;

		/**
		 * The zone the cron expression is read in; unset for UTC.
		 */
		private String zone = "";

		/**
		 * The queue to enqueue each tick on; unset to start it directly.
		 */
		private String queue = "";

		/**
		 * Whether ticks missed while no process ran are run at the next start.
		 */
		private boolean backfill;

		public @Nullable String getCron() {
			return this.cron;
		}

		public void setCron(@Nullable String cron) {
			this.cron = cron;
		}

		public String getZone() {
			return this.zone;
		}

		public void setZone(String zone) {
			this.zone = zone;
		}

		public String getQueue() {
			return this.queue;
		}

		public void setQueue(String queue) {
			this.queue = queue;
		}

		public boolean isBackfill() {
			return this.backfill;
		}

		public void setBackfill(boolean backfill) {
			this.backfill = backfill;
		}

	}

	/**
	 * Durable sleep.
	 */
	public static class Sleep {

		/**
		 * Sleeps longer than this, of workflows run in the background, by a queue or by
		 * recovery, release their thread: the workflow is parked and resumed within
		 * dbos.recovery.interval of its wake-up time.
		 */
		private Duration parkThreshold = Duration.ofMinutes(1);

		public Duration getParkThreshold() {
			return this.parkThreshold;
		}

		public void setParkThreshold(Duration parkThreshold) {
			this.parkThreshold = parkThreshold;
		}

	}

	/**
	 * The queue worker of this process.
	 */
	public static class Worker {

		/**
		 * Whether this process runs queued jobs; false for a process that only enqueues
		 * (a web tier).
		 */
		private boolean enabled = true;

		/**
		 * The queues this worker serves; empty for all declared queues.
		 */
		private java.util.List<String> queues = new java.util.ArrayList<>();

		/**
		 * The most jobs running at once in this process, across its queues (the size of its
		 * bounded pool; with virtual threads, the limit on them).
		 */
		private int concurrency = 16;

		/**
		 * The most jobs claimed in one dequeue round trip.
		 */
		private int claimBatchSize = 16;

		/**
		 * How often an idle worker looks for due jobs when no notification arrives
		 * (jittered by up to half either way).
		 */
		private Duration pollInterval = Duration.ofSeconds(1);

		/**
		 * Whether to wake on PostgreSQL notifications (LISTEN/NOTIFY) as well as by
		 * polling.
		 */
		private boolean notifications = true;

		/**
		 * How long a job whose workflow this worker does not define waits before it is
		 * dead-lettered; unset to leave such jobs waiting.
		 */
		private @Nullable Duration unknownWorkflowGracePeriod = Duration.ofMinutes(5);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public java.util.List<String> getQueues() {
			return this.queues;
		}

		public void setQueues(java.util.List<String> queues) {
			this.queues = queues;
		}

		public int getConcurrency() {
			return this.concurrency;
		}

		public void setConcurrency(int concurrency) {
			this.concurrency = concurrency;
		}

		public int getClaimBatchSize() {
			return this.claimBatchSize;
		}

		public void setClaimBatchSize(int claimBatchSize) {
			this.claimBatchSize = claimBatchSize;
		}

		public Duration getPollInterval() {
			return this.pollInterval;
		}

		public void setPollInterval(Duration pollInterval) {
			this.pollInterval = pollInterval;
		}

		public boolean isNotifications() {
			return this.notifications;
		}

		public void setNotifications(boolean notifications) {
			this.notifications = notifications;
		}

		public @Nullable Duration getUnknownWorkflowGracePeriod() {
			return this.unknownWorkflowGracePeriod;
		}

		public void setUnknownWorkflowGracePeriod(@Nullable Duration unknownWorkflowGracePeriod) {
			this.unknownWorkflowGracePeriod = unknownWorkflowGracePeriod;
		}

	}

}
