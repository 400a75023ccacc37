package io.github.dbosspring.reliability;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.dbosspring.autoconfigure.DbosAutoConfiguration;
import io.github.dbosspring.autoconfigure.DbosDataSourceAutoConfiguration;
import io.github.dbosspring.client.DbosClient;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.Queue;
import io.github.dbosspring.queue.UnknownQueueException;
import io.github.dbosspring.reliability.BadInputTestApp.BadInputWorkflows;
import io.github.dbosspring.reliability.BadInputTestApp.OrderPlaced;
import io.github.dbosspring.reliability.BadInputTestApp.Unwritable;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.DbosException;
import io.github.dbosspring.workflow.DbosSerializationException;
import io.github.dbosspring.workflow.PayloadTooLargeException;
import io.github.dbosspring.workflow.WorkflowFailedException;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowNotFoundException;
import io.github.dbosspring.workflow.WorkflowOptions;
import io.github.dbosspring.workflow.WorkflowQuery;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Bad input of every kind ends in a typed exception or a dead-lettered (or failed)
 * workflow whose message names the cause: values Jackson cannot write, a stored argument
 * whose class no longer exists, payloads over {@code dbos.max-payload-size}, unknown
 * workflow names, malformed configuration, hostile workflow IDs and queue names, invalid
 * schema names. No raw {@link SQLException} or {@link DataAccessException} reaches the
 * caller, rejected input leaves no row behind, nothing stays PENDING or ENQUEUED, and
 * hostile IDs are stored and read back unchanged.
 */
class BadInputSuiteTests {

	private static final Duration DEADLINE = Duration.ofSeconds(60);

	private static final int PAYLOAD_LIMIT = 1024 * 1024;

	/** Quotes, SQL, LIKE wildcards, escapes, control characters, emoji, 300 characters, NUL. */
	private static final List<String> HOSTILE = List.of("it's", "a\"b", "x'); DROP TABLE dbos.workflow_status; --",
			"100%", "under_score", "back\\slash", "line\nbreak\ttab", "\uD83D\uDE80 emoji \u00e9", "x".repeat(300),
			" padded ", "$1 ? :name", "nul\u0000id");

	private static final String VERSION = "bad-input-v1";

	private static final long seed = System.nanoTime();

	private static final AtomicInteger cases = new AtomicInteger();

	private static final AtomicInteger typed = new AtomicInteger();

	private static final AtomicInteger deadLettered = new AtomicInteger();

	private static final AtomicInteger roundTripped = new AtomicInteger();

	private static final AtomicInteger rawSqlErrors = new AtomicInteger();

	private static String url;

	private static ConfigurableApplicationContext context;

	private static Dbos dbos;

	private static DbosClient client;

	private static BadInputWorkflows workflows;

	private static JdbcClient jdbc;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, JdbcTemplateAutoConfiguration.class,
				JdbcClientAutoConfiguration.class, JacksonAutoConfiguration.class,
				DbosDataSourceAutoConfiguration.class, DbosAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=" + url, "dbos.recovery.interval=1h");

	@BeforeAll
	static void start() {
		url = TestDatabase.newDatabaseUrl();
		jdbc = JdbcClient.create(TestDatabase.dataSource(url));
		jdbc.sql("CREATE TABLE bad_input_ledger (id bigserial PRIMARY KEY, workflow_id text NOT NULL, value text, "
				+ "at timestamptz NOT NULL DEFAULT clock_timestamp())").update();
		context = new SpringApplicationBuilder(BadInputTestApp.class).web(WebApplicationType.NONE)
			.initializers((applicationContext) -> {
				// every hostile name a queue may have is a declared queue, served by the worker
				int index = 0;
				for (String name : HOSTILE) {
					if (validQueueName(name)) {
						((GenericApplicationContext) applicationContext).registerBean("hostileQueue" + index++,
								Queue.class, () -> Queue.named(name));
					}
				}
			})
			.run("--spring.datasource.url=" + url, "--dbos.executor-id=bad-input-1",
					"--dbos.application-version=" + VERSION, "--dbos.recovery.interval=500ms",
					"--dbos.recovery.heartbeat-interval=250ms", "--dbos.worker.unknown-workflow-grace-period=1s",
					"--dbos.worker.poll-interval=200ms", "--dbos.queues." + BadInputTestApp.QUEUE + ".max-attempts=1",
					"--spring.main.banner-mode=off");
		dbos = context.getBean(Dbos.class);
		client = context.getBean(DbosClient.class);
		workflows = context.getBean(BadInputWorkflows.class);
	}

	@AfterAll
	static void summarize() {
		int stuck = -1;
		try {
			await().atMost(DEADLINE).until(() -> stuck() == 0);
		}
		catch (RuntimeException ex) {
			// reported below
		}
		finally {
			stuck = stuck();
			context.close();
		}
		System.out.printf("bad-input: seed=%d cases=%d typed=%d dead-lettered=%d round-tripped=%d raw-sql-errors=%d "
				+ "stuck=%d%n", seed, cases.get(), typed.get(), deadLettered.get(), roundTripped.get(),
				rawSqlErrors.get(), stuck);
		assertThat(rawSqlErrors.get()).as("raw SQL errors that reached a caller").isZero();
		assertThat(stuck).as("workflows left PENDING or ENQUEUED").isZero();
	}

	// ------------------------------------------------------------------ serialization

	@Test
	void unserializableArgumentIsRejectedBeforeAnythingIsStored() {
		for (String how : List.of("start", "run", "enqueue")) {
			String id = "unwritable-argument-" + how;
			expectTyped(DbosSerializationException.class, () -> {
				switch (how) {
					case "start" -> dbos.start(WorkflowOptions.withId(id), () -> workflows.take(new Unwritable()));
					case "run" -> dbos.run(WorkflowOptions.withId(id), () -> workflows.take(new Unwritable()));
					default -> dbos.enqueue(EnqueueOptions.queue(BadInputTestApp.QUEUE).withWorkflowId(id),
							() -> workflows.take(new Unwritable()));
				}
			}, "argument #0", Unwritable.class.getName(), "Nothing was recorded");
			assertNothingStored(id);
		}
	}

	@Test
	void unserializableResultFailsTheWorkflowNamingTheResult() {
		String id = "unwritable-result";
		expectTyped(DbosSerializationException.class,
				() -> dbos.run(WorkflowOptions.withId(id), () -> workflows.give("given")), "the result of workflow",
				Unwritable.class.getName());
		WorkflowInfo info = dbos.getWorkflow(id).orElseThrow();
		assertThat(info.status()).isEqualTo(WorkflowStatus.ERROR);
		assertThat(info.errorClass()).isEqualTo(DbosSerializationException.class.getName());
		assertThat(info.errorMessage()).contains("the result of workflow").contains(Unwritable.class.getName());
		// a caller asking again gets the recorded failure, typed, and the body does not run again
		expectTyped(WorkflowFailedException.class, () -> dbos.retrieveWorkflow(id).getResult(),
				DbosSerializationException.class.getName(), "the result of workflow");
		assertThat(ledger(id)).isEqualTo(1);
	}

	@Test
	void storedArgumentWhoseClassNoLongerExistsEndsTheJobAndTheRecoveredWorkflowNamingTheClass() {
		String gone = "com.example.events.v1.OrderPlacedV1";
		String inputs = "[{\"@class\":\"" + gone + "\",\"orderId\":7}]";
		// the same argument type still works when its class exists
		assertThat(dbos.run(WorkflowOptions.withId("event-ok"), () -> workflows.handle(new OrderPlaced(7))))
			.isEqualTo("order 7");
		// a job enqueued by the previous release, whose event class was deleted since
		jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, queue_name, "
				+ "application_version, max_attempts) VALUES ('event-queued', 'ENQUEUED', 'handle-event', ?, ?, ?, 3)")
			.params(inputs, BadInputTestApp.QUEUE, VERSION)
			.update();
		// a workflow interrupted in an executor that is gone, recovered by this one
		jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, executor_id, "
				+ "application_version) VALUES ('event-pending', 'PENDING', 'handle-event', ?, 'gone-executor', ?)")
			.params(inputs, VERSION)
			.update();
		cases.addAndGet(2);
		await().atMost(DEADLINE).until(() -> status("event-queued").isTerminal() && status("event-pending").isTerminal());

		WorkflowInfo queued = dbos.getWorkflow("event-queued").orElseThrow();
		assertThat(queued.status()).isEqualTo(WorkflowStatus.DEAD_LETTER);
		assertThat(queued.errorMessage()).contains(gone).contains("Cannot read the stored arguments");
		assertThat(dbos.listAttempts("event-queued")).hasSize(1);
		deadLettered.incrementAndGet();
		WorkflowInfo recovered = dbos.getWorkflow("event-pending").orElseThrow();
		assertThat(recovered.status()).isEqualTo(WorkflowStatus.ERROR);
		assertThat(recovered.errorMessage()).contains(gone).contains("Cannot read the stored arguments");
		deadLettered.incrementAndGet();
		expectTyped(WorkflowFailedException.class, () -> dbos.retrieveWorkflow("event-pending").getResult(), gone);
		assertThat(ledger("event-queued") + ledger("event-pending")).isZero();
	}

	// ------------------------------------------------------------------ payload size

	@Test
	void payloadOverTheConfiguredLimitIsRejectedNamingTheProperty() {
		String big = "x".repeat(PAYLOAD_LIMIT + 1 + new Random(seed).nextInt(1024));
		expectTyped(PayloadTooLargeException.class,
				() -> dbos.start(WorkflowOptions.withId("big-argument"), () -> workflows.echo(big)),
				"dbos.max-payload-size", "the arguments of workflow");
		assertNothingStored("big-argument");
		expectTyped(PayloadTooLargeException.class,
				() -> dbos.enqueue(EnqueueOptions.queue(BadInputTestApp.QUEUE).withWorkflowId("big-job"),
						() -> workflows.echo(big)),
				"dbos.max-payload-size");
		assertNothingStored("big-job");
		// a step output over the limit fails its workflow, recorded with the cause
		expectTyped(PayloadTooLargeException.class,
				() -> dbos.run(WorkflowOptions.withId("big-output"), () -> workflows.grow(PAYLOAD_LIMIT + 1)),
				"dbos.max-payload-size", "the output of step");
		WorkflowInfo info = dbos.getWorkflow("big-output").orElseThrow();
		assertThat(info.status()).isEqualTo(WorkflowStatus.ERROR);
		assertThat(info.errorMessage()).contains("dbos.max-payload-size");
	}

	// ------------------------------------------------------------------ unknown workflows

	@Test
	void unknownWorkflowNameIsRejectedByTheApplicationAndDeadLetteredWhenEnqueuedByAClient() {
		expectTyped(WorkflowNotFoundException.class,
				() -> dbos.enqueue(EnqueueOptions.queue(BadInputTestApp.QUEUE).withWorkflowId("unknown-direct"),
						"noSuchWorkflow", "argument"),
				"noSuchWorkflow", "Nothing was enqueued");
		assertNothingStored("unknown-direct");
		expectTyped(WorkflowNotFoundException.class, () -> dbos.retrieveWorkflow("no-such-id"), "no-such-id");
		// a client cannot know which workflows the workers define: the worker dead-letters the job
		cases.incrementAndGet();
		client.enqueue(EnqueueOptions.queue(BadInputTestApp.QUEUE).withWorkflowId("unknown-client"),
				"noSuchWorkflow", "argument");
		await().atMost(DEADLINE).until(() -> status("unknown-client").isTerminal());
		WorkflowInfo info = dbos.getWorkflow("unknown-client").orElseThrow();
		assertThat(info.status()).isEqualTo(WorkflowStatus.DEAD_LETTER);
		assertThat(info.errorMessage()).contains("No worker defines workflow 'noSuchWorkflow'");
		deadLettered.incrementAndGet();
		expectTyped(WorkflowNotFoundException.class, () -> client.retrieveWorkflow("unknown-client", Object.class).getResult(),
				"noSuchWorkflow");
	}

	// ------------------------------------------------------------------ configuration

	static Stream<Arguments> malformedConfiguration() {
		return Stream.of(Arguments.of("dbos.worker.concurrency", List.of("dbos.worker.concurrency=-1")),
				Arguments.of("dbos.queues.emails.concurrency", List.of("dbos.queues.emails.concurrency=-2")),
				Arguments.of("dbos.recovery.interval", List.of("dbos.recovery.interval=soon")),
				Arguments.of("dbos.worker.notifications", List.of("dbos.worker.notifications=sometimes")),
				Arguments.of("dbos.queues.emails.period",
						List.of("dbos.queues.emails.limit=10", "dbos.queues.emails.period=0s")),
				Arguments.of("dbos.max-payload-size", List.of("dbos.max-payload-size=0")),
				Arguments.of("dbos.schedules.[tick].cron", List.of("dbos.schedules.[tick].cron=every night")),
				Arguments.of("dbos.schedules.[tick].queue",
						List.of("dbos.schedules.[tick].cron=0 0 1 * * *", "dbos.schedules.[tick].queue=no-such-queue")));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("malformedConfiguration")
	void malformedConfigurationFailsStartupNamingTheProperty(String property, List<String> values) {
		cases.incrementAndGet();
		this.runner.withUserConfiguration(BadInputTestApp.BadInputWorkflows.class, BadInputTestApp.BadInputSteps.class)
			.withPropertyValues(values.toArray(String[]::new))
			.run((context) -> {
				assertThat(context).hasFailed();
				Throwable failure = context.getStartupFailure();
				assertThat(messages(failure)).as("startup failure").contains(property);
				assertNoRawSqlError(failure);
			});
		typed.incrementAndGet();
	}

	@Test
	void scheduleAnnotationNamingAnUndeclaredQueueFailsStartup() {
		cases.incrementAndGet();
		this.runner.withUserConfiguration(BadInputTestApp.MisdirectedSchedule.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(messages(context.getStartupFailure())).contains("misdirected").contains("no-such-queue");
			assertNoRawSqlError(context.getStartupFailure());
		});
		typed.incrementAndGet();
	}

	@Test
	void invalidSchemaNameFailsStartupNamingThePropertyAndCreatesNothing() {
		for (String schema : List.of("dbos\"; DROP SCHEMA public CASCADE; --", "my schema", "Upper", "1st",
				"s".repeat(64), "dbos'")) {
			cases.incrementAndGet();
			this.runner.withPropertyValues("dbos.schema=" + schema).run((context) -> {
				assertThat(context).hasFailed();
				assertThat(messages(context.getStartupFailure())).contains("dbos.schema")
					.contains("lower-case PostgreSQL identifier");
				assertNoRawSqlError(context.getStartupFailure());
			});
			typed.incrementAndGet();
		}
		assertThat(jdbc.sql("SELECT count(*) FROM pg_namespace WHERE nspname NOT IN ('dbos', 'public') "
				+ "AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'").query(Integer.class).single())
			.isZero();
	}

	// ------------------------------------------------------------------ hostile IDs and names

	static Stream<Arguments> hostile() {
		return HOSTILE.stream().map((value) -> Arguments.of(printable(value), value));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("hostile")
	void hostileWorkflowIdOrQueueNameIsStoredAndReadBackUnchangedOrRejectedClearly(String label, String value)
			throws Exception {
		if (value.indexOf('\0') >= 0) {
			expectTyped(IllegalArgumentException.class, () -> WorkflowOptions.withId(value), "NUL");
			expectTyped(IllegalArgumentException.class,
					() -> EnqueueOptions.queue(BadInputTestApp.QUEUE).withWorkflowId(value), "NUL");
			expectTyped(IllegalArgumentException.class, () -> EnqueueOptions.queue(value), "NUL");
			expectTyped(IllegalArgumentException.class, () -> Queue.named(value), "NUL");
			String prefix = value.substring(0, value.indexOf('\0'));
			assertThat(jdbc.sql("SELECT count(*) FROM dbos.workflow_status WHERE left(workflow_id, ?) = ? "
					+ "OR left(queue_name, ?) = ?")
				.params(prefix.length(), prefix, prefix.length(), prefix)
				.query(Integer.class)
				.single()).isZero();
			return;
		}
		// as a workflow ID: start -> status -> result -> list, and idempotent
		cases.incrementAndGet();
		assertThat(dbos.start(WorkflowOptions.withId(value), () -> workflows.echo(value)).getResult(DEADLINE))
			.isEqualTo(value);
		assertThat(dbos.getWorkflow(value)).hasValueSatisfying((info) -> {
			assertThat(info.workflowId()).isEqualTo(value);
			assertThat(info.status()).isEqualTo(WorkflowStatus.SUCCESS);
		});
		assertThat(dbos.<String>retrieveWorkflow(value).getResult(DEADLINE)).isEqualTo(value);
		assertThat(client.retrieveWorkflow(value, String.class).getResult(DEADLINE)).isEqualTo(value);
		assertThat(dbos.run(WorkflowOptions.withId(value), () -> workflows.echo(value))).isEqualTo(value);
		assertThat(dbos.listWorkflows(WorkflowQuery.all().withName("echo").limit(1000)))
			.extracting(WorkflowInfo::workflowId)
			.contains(value);
		assertThat(dbos.listSteps(value)).singleElement()
			.satisfies((step) -> assertThat(step.workflowId()).isEqualTo(value));
		assertThat(ledger(value)).as("runs of the workflow").isEqualTo(1);
		roundTripped.incrementAndGet();
		// as a queue name: declared, served by the worker, listed
		cases.incrementAndGet();
		String jobId = "job:" + value;
		if (validQueueName(value)) {
			assertThat(dbos.enqueue(EnqueueOptions.queue(value).withWorkflowId(jobId), () -> workflows.echo(value))
				.getResult(DEADLINE)).isEqualTo(value);
			assertThat(dbos.getWorkflow(jobId)).hasValueSatisfying((info) -> {
				assertThat(info.queueName()).isEqualTo(value);
				assertThat(info.status()).isEqualTo(WorkflowStatus.SUCCESS);
			});
			assertThat(dbos.listWorkflows(WorkflowQuery.all().withQueue(value)))
				.extracting(WorkflowInfo::workflowId)
				.containsExactly(jobId);
			assertThat(ledger(jobId)).isEqualTo(1);
			roundTripped.incrementAndGet();
		}
		else {
			expectTyped(IllegalArgumentException.class, () -> Queue.named(value), "Invalid queue name",
					"at most 255 characters");
			cases.incrementAndGet();
			expectTyped(UnknownQueueException.class,
					() -> dbos.enqueue(EnqueueOptions.queue(value).withWorkflowId(jobId), () -> workflows.echo(value)),
					value);
			assertNothingStored(jobId);
		}
	}

	// ------------------------------------------------------------------ support

	private static boolean validQueueName(String name) {
		return name.length() <= 255 && name.indexOf('\0') < 0;
	}

	/**
	 * Runs a call that must fail with the given type, a message naming the cause, and no
	 * raw SQL error; counts the case.
	 */
	private static void expectTyped(Class<? extends Throwable> type, ThrowingCallable call, String... causeNamed) {
		cases.incrementAndGet();
		Throwable failure = catchThrowable(call);
		assertThat(failure).as("failure").isNotNull();
		assertNoRawSqlError(failure);
		assertThat(failure).isInstanceOf(type);
		for (String part : causeNamed) {
			assertThat(failure.getMessage()).contains(part);
		}
		if (!(failure instanceof IllegalArgumentException)) {
			assertThat(failure).isInstanceOf(DbosException.class);
		}
		typed.incrementAndGet();
	}

	private static void assertNoRawSqlError(Throwable failure) {
		if (failure instanceof SQLException || failure instanceof DataAccessException) {
			rawSqlErrors.incrementAndGet();
			throw new AssertionError("A raw SQL error reached the caller", failure);
		}
	}

	private static void assertNothingStored(String workflowId) {
		assertThat(jdbc.sql("SELECT count(*) FROM dbos.workflow_status WHERE workflow_id = ?")
			.param(workflowId)
			.query(Integer.class)
			.single()).as("rows of rejected workflow '%s'", workflowId).isZero();
		assertThat(ledger(workflowId)).isZero();
	}

	private static String messages(Throwable failure) {
		List<String> messages = new ArrayList<>();
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			messages.add(String.valueOf(cause.getMessage()));
		}
		return String.join(" / ", messages);
	}

	private static int ledger(String workflowId) {
		return jdbc.sql("SELECT count(*) FROM bad_input_ledger WHERE workflow_id = ?")
			.param(workflowId)
			.query(Integer.class)
			.single();
	}

	private static WorkflowStatus status(String workflowId) {
		return dbos.getWorkflow(workflowId).map(WorkflowInfo::status).orElse(WorkflowStatus.PENDING);
	}

	private static int stuck() {
		return jdbc.sql("SELECT count(*) FROM dbos.workflow_status WHERE status IN ('PENDING', 'ENQUEUED')")
			.query(Integer.class)
			.single();
	}

	private static String printable(String value) {
		String shown = value.replace("\0", "\\0").replace("\n", "\\n").replace("\t", "\\t");
		return (shown.length() > 40) ? shown.substring(0, 20) + "...(" + value.length() + " chars)" : shown;
	}

}
