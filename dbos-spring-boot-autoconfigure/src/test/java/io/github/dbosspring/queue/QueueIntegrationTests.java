package io.github.dbosspring.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.store.QueueRepository.FailedAttempt;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.TestWorkflowApplication;
import io.github.dbosspring.workflow.WorkflowCancelledException;
import io.github.dbosspring.workflow.WorkflowHandle;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowNotFoundException;
import io.github.dbosspring.workflow.WorkflowQuery;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Queues and the worker in one process against real PostgreSQL: enqueue forms and
 * options, each limit, retries, dead letters, progress, cancel, timeouts and the
 * transactional outbox. Limits are checked from a ledger written with the database clock.
 */
@SpringBootTest(classes = TestWorkflowApplication.class, properties = { "dbos.recovery.interval=1h",
		"dbos.queues.plain.worker-concurrency=4", "dbos.queues.serial.worker-concurrency=1",
		"dbos.queues.serial.priority-enabled=true", "dbos.queues.pair.worker-concurrency=2",
		"dbos.queues.global.concurrency=3", "dbos.queues.rated.limit=3", "dbos.queues.rated.period=1s",
		"dbos.queues.parts.partitioned=true", "dbos.queues.parts.concurrency=1",
		"dbos.queues.parts.worker-concurrency=1", "dbos.queues.retrying.max-attempts=3",
		"dbos.queues.retrying.retry.initial-delay=300ms", "dbos.queues.retrying.retry.multiplier=2",
		"dbos.queues.retrying.retry.jitter=0", "dbos.queues.dlq.max-attempts=2",
		"dbos.queues.dlq.retry.initial-delay=50ms", "dbos.queues.dlq.retry.jitter=0",
		"dbos.worker.unknown-workflow-grace-period=0s" })
@Import({ QueueWorkflows.class, QueueIntegrationTests.QueueBeans.class })
class QueueIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private Dbos dbos;

	@Autowired
	private QueueWorkflows workflows;

	@Autowired
	private JdbcClient jdbc;

	private TransactionTemplate transaction;

	@Autowired
	void transactions(javax.sql.DataSource dataSource) {
		this.transaction = new TransactionTemplate(
				new org.springframework.jdbc.datasource.DataSourceTransactionManager(dataSource));
	}

	@BeforeAll
	static void ledger(@Autowired JdbcClient jdbc) {
		jdbc.sql("CREATE TABLE IF NOT EXISTS job_ledger (job text, started_at timestamptz, ended_at timestamptz)")
			.update();
	}

	@Test
	void enqueuedWorkflowRunsOnTheWorkerAndReturnsItsResult() throws Exception {
		WorkflowHandle<String> handle = this.dbos.enqueue("plain", () -> this.workflows.greet("ada"));

		assertThat(handle.getResult(WAIT)).isEqualTo("hello ada");
		WorkflowInfo info = handle.getStatus();
		assertThat(info.status()).isEqualTo(WorkflowStatus.SUCCESS);
		assertThat(info.queueName()).isEqualTo("plain");
		assertThat(info.attempt()).isEqualTo(1);
		assertThat(info.maxAttempts()).isEqualTo(Queue.DEFAULT_MAX_ATTEMPTS);
		assertThat(info.startedAt()).isNotNull();
		assertThat(this.workflows.count("hello:ada")).isEqualTo(1);
	}

	@Test
	void enqueueByNameRunsTheNamedWorkflow() throws Exception {
		WorkflowHandle<String> handle = this.dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("by-name-1"),
				"greet", "bob");

		assertThat(handle.getResult(WAIT)).isEqualTo("hello bob");
		assertThat(handle.getWorkflowId()).isEqualTo("by-name-1");
	}

	@Test
	void enqueueByUnknownNameOrWithWrongArgumentsIsAClearErrorAndRecordsNothing() {
		assertThatExceptionOfType(WorkflowNotFoundException.class)
			.isThrownBy(() -> this.dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("unknown-name-1"),
					"noSuchWorkflow", "x"))
			.withMessageContaining("noSuchWorkflow")
			.withMessageContaining("greet");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("wrong-args-1"), "greet",
					42))
			.withMessageContaining("argument #0");
		assertThat(this.dbos.getWorkflow("unknown-name-1")).isEmpty();
		assertThat(this.dbos.getWorkflow("wrong-args-1")).isEmpty();
	}

	@Test
	void enqueueOnAnUndeclaredQueueIsAClearErrorAndRecordsNothing() {
		assertThatExceptionOfType(UnknownQueueException.class)
			.isThrownBy(() -> this.dbos.enqueue(EnqueueOptions.queue("nope").withWorkflowId("undeclared-1"),
					() -> this.workflows.greet("x")))
			.withMessageContaining("No queue named 'nope'")
			.withMessageContaining("dbos.queues.nope")
			.withMessageContaining("plain");
		assertThat(this.dbos.getWorkflow("undeclared-1")).isEmpty();
	}

	@Test
	void queueDeclaredAsABeanIsServed() throws Exception {
		assertThat(this.dbos.enqueue("from-bean", () -> this.workflows.greet("bean")).getResult(WAIT))
			.isEqualTo("hello bean");
	}

	@Test
	void workflowIdIsAnIdempotencyKey() throws Exception {
		EnqueueOptions options = EnqueueOptions.queue("plain").withWorkflowId("idem-1");
		WorkflowHandle<String> first = this.dbos.enqueue(options, () -> this.workflows.greet("idem"));
		WorkflowHandle<String> second = this.dbos.enqueue(options, () -> this.workflows.greet("idem"));

		assertThat(first.getResult(WAIT)).isEqualTo("hello idem");
		assertThat(second.getResult(WAIT)).isEqualTo("hello idem");
		assertThat(this.workflows.count("hello:idem")).isEqualTo(1);
		assertThat(this.dbos.listWorkflows(WorkflowQuery.all().withName("greet")))
			.filteredOn((info) -> info.workflowId().equals("idem-1"))
			.hasSize(1);
	}

	@Test
	void liveDeduplicationIdIsRejectedUntilTheJobCompletes() throws Exception {
		this.workflows.gate("dedup:0");
		EnqueueOptions options = EnqueueOptions.queue("plain").withDeduplicationId("user-7");
		WorkflowHandle<String> first = this.dbos.enqueue(options.withWorkflowId("dedup-a"),
				() -> this.workflows.gated("dedup", 1));

		assertThatExceptionOfType(DeduplicationException.class)
			.isThrownBy(() -> this.dbos.enqueue(options.withWorkflowId("dedup-b"),
					() -> this.workflows.gated("dedup", 1)))
			.withMessageContaining("user-7")
			.satisfies((ex) -> assertThat(ex.getQueueName()).isEqualTo("plain"));
		assertThat(this.dbos.getWorkflow("dedup-b")).isEmpty();

		this.workflows.gate("dedup:0").countDown();
		assertThat(first.getResult(WAIT)).isEqualTo("passed dedup");
		WorkflowHandle<String> third = this.dbos.enqueue(options.withWorkflowId("dedup-c"),
				() -> this.workflows.gated("dedup", 1));
		assertThat(third.getResult(WAIT)).isEqualTo("passed dedup");
	}

	@Test
	void higherPriorityJobsStartFirst() throws Exception {
		List<EnqueueRequest> requests = new java.util.ArrayList<>();
		int[] priorities = { 5, 1, 4, 2, 3 };
		for (int priority : priorities) {
			String name = "prio-" + priority;
			requests.add(EnqueueRequest.of(EnqueueOptions.queue("serial").withPriority(priority),
					() -> this.workflows.greet(name)));
		}
		List<WorkflowHandle<?>> handles = this.dbos.enqueueAll(requests);
		for (WorkflowHandle<?> handle : handles) {
			handle.getResult(WAIT);
		}

		assertThat(this.workflows.started()).filteredOn((name) -> name.startsWith("prio-"))
			.containsExactly("prio-1", "prio-2", "prio-3", "prio-4", "prio-5");
	}

	@Test
	void priorityOnAQueueWithoutPrioritiesIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.dbos.enqueue(EnqueueOptions.queue("plain").withPriority(3),
					() -> this.workflows.greet("x")))
			.withMessageContaining("dbos.queues.plain.priority-enabled");
	}

	@Test
	void delayedJobDoesNotStartEarly() throws Exception {
		WorkflowHandle<String> delayed = this.dbos.enqueue(
				EnqueueOptions.queue("plain").withDelay(Duration.ofMillis(1500)), () -> this.workflows.greet("late"));
		Instant at = Instant.now().plusMillis(1200);
		WorkflowHandle<String> scheduled = this.dbos.enqueue(EnqueueOptions.queue("plain").withScheduledFor(at),
				() -> this.workflows.greet("scheduled"));

		assertThat(delayed.getResult(WAIT)).isEqualTo("hello late");
		assertThat(scheduled.getResult(WAIT)).isEqualTo("hello scheduled");
		// measured with the database clock: created_at and started_at
		assertThat(startDelayMillis(delayed.getWorkflowId())).isGreaterThanOrEqualTo(1500);
		WorkflowInfo info = scheduled.getStatus();
		assertThat(info.startedAt()).isAfterOrEqualTo(info.scheduledFor());
		assertThat(info.scheduledFor()).isCloseTo(at, org.assertj.core.api.Assertions.within(
				1, java.time.temporal.ChronoUnit.MILLIS));
	}

	private long startDelayMillis(String workflowId) {
		return this.jdbc.sql("SELECT (extract(epoch FROM started_at - created_at) * 1000)::bigint "
				+ "FROM dbos.workflow_status WHERE workflow_id = ?").param(workflowId).query(Long.class).single();
	}

	@Test
	void workerConcurrencyLimitsJobsRunningAtOnceInThisProcess() throws Exception {
		List<EnqueueRequest> requests = new java.util.ArrayList<>();
		for (int i = 0; i < 8; i++) {
			String job = "pair-" + i;
			requests.add(EnqueueRequest.of(EnqueueOptions.queue("pair"), () -> this.workflows.timed(job, 150)));
		}
		for (WorkflowHandle<?> handle : this.dbos.enqueueAll(requests)) {
			handle.getResult(WAIT);
		}

		assertThat(maxOverlap("pair-%")).isEqualTo(2);
	}

	@Test
	void globalConcurrencyLimitsJobsRunningAtOnce() throws Exception {
		List<EnqueueRequest> requests = new java.util.ArrayList<>();
		for (int i = 0; i < 9; i++) {
			String job = "global-" + i;
			requests.add(EnqueueRequest.of(EnqueueOptions.queue("global"), () -> this.workflows.timed(job, 150)));
		}
		for (WorkflowHandle<?> handle : this.dbos.enqueueAll(requests)) {
			handle.getResult(WAIT);
		}

		assertThat(maxOverlap("global-%")).isEqualTo(3);
	}

	/** The most ledger entries running at one instant, by the database clock. */
	private long maxOverlap(String pattern) {
		return this.jdbc.sql("""
				SELECT max((SELECT count(*) FROM job_ledger o WHERE o.job LIKE ? AND o.started_at <= l.started_at
					AND o.ended_at > l.started_at))
				FROM job_ledger l WHERE l.job LIKE ?""").params(pattern, pattern).query(Long.class).single();
	}

	@Test
	void rateLimitStartsAtMostLimitJobsPerPeriod() throws Exception {
		List<EnqueueRequest> requests = new java.util.ArrayList<>();
		for (int i = 0; i < 9; i++) {
			String job = "rated-" + i;
			requests.add(EnqueueRequest.of(EnqueueOptions.queue("rated"), () -> this.workflows.timed(job, 10)));
		}
		for (WorkflowHandle<?> handle : this.dbos.enqueueAll(requests)) {
			handle.getResult(WAIT);
		}

		long maxInWindow = this.jdbc.sql("""
				SELECT max((SELECT count(*) FROM dbos.workflow_status o WHERE o.queue_name = 'rated'
					AND o.started_at >= w.started_at AND o.started_at < w.started_at + interval '1 second'))
				FROM dbos.workflow_status w WHERE w.queue_name = 'rated'""").query(Long.class).single();
		assertThat(maxInWindow).isEqualTo(3);
		long spanMillis = this.jdbc.sql("SELECT (extract(epoch FROM max(started_at) - min(started_at)) * 1000)::bigint "
				+ "FROM dbos.workflow_status WHERE queue_name = 'rated'").query(Long.class).single();
		assertThat(spanMillis).isGreaterThanOrEqualTo(2000);
	}

	@Test
	void partitionsTakeTurnsAndConcurrencyAppliesPerPartition() throws Exception {
		List<EnqueueRequest> requests = new java.util.ArrayList<>();
		for (int i = 0; i < 4; i++) {
			String job = "part-a" + i;
			requests.add(EnqueueRequest.of(EnqueueOptions.queue("parts").withPartitionKey("a"),
					() -> this.workflows.greet(job)));
		}
		for (int i = 0; i < 2; i++) {
			String job = "part-b" + i;
			requests.add(EnqueueRequest.of(EnqueueOptions.queue("parts").withPartitionKey("b"),
					() -> this.workflows.greet(job)));
		}
		for (WorkflowHandle<?> handle : this.dbos.enqueueAll(requests)) {
			handle.getResult(WAIT);
		}

		assertThat(this.workflows.started()).filteredOn((name) -> name.startsWith("part-"))
			.containsExactly("part-a0", "part-b0", "part-a1", "part-b1", "part-a2", "part-a3");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.dbos.enqueue("parts", () -> this.workflows.greet("no-key")))
			.withMessageContaining("partition key");
	}

	@Test
	void failedJobIsRetriedWithBackoffAndCompletedStepsAreNotRunAgain() throws Exception {
		this.workflows.failTimes("retry-1", 2);
		WorkflowHandle<String> handle = this.dbos.enqueue(EnqueueOptions.queue("retrying").withWorkflowId("retry-1"),
				() -> this.workflows.flaky("retry-1"));

		// between attempts: ENQUEUED, with the attempt count and the last error
		long deadline = System.nanoTime() + WAIT.toNanos();
		WorkflowInfo waiting = handle.getStatus();
		while (!waiting.isRetrying() && System.nanoTime() < deadline) {
			Thread.sleep(5);
			waiting = handle.getStatus();
		}
		assertThat(waiting.status()).isEqualTo(WorkflowStatus.ENQUEUED);
		assertThat(waiting.attempt()).isBetween(1, 2);
		assertThat(waiting.errorMessage()).isEqualTo("planned failure of retry-1");
		assertThat(waiting.scheduledFor()).isNotNull();
		assertThat(handle.getResult(WAIT)).isEqualTo("ok retry-1");
		assertThat(this.workflows.count("before:retry-1")).isEqualTo(1);
		assertThat(this.workflows.count("mayFail:retry-1")).isEqualTo(3);
		assertThat(handle.getStatus().attempt()).isEqualTo(3);
		List<FailedAttempt> attempts = this.dbos.listAttempts("retry-1");
		assertThat(attempts).extracting(FailedAttempt::attempt).containsExactly(1, 2);
		assertThat(attempts).allSatisfy((attempt) -> assertThat(attempt.errorMessage())
			.isEqualTo("planned failure of retry-1"));
		// backoff by the database clock: 300 ms after the first failure, 600 ms after the second
		List<Long> gapList = this.jdbc.sql("""
				SELECT (extract(epoch FROM coalesce(n.started_at, w.started_at) - a.failed_at) * 1000)::bigint
				FROM dbos.workflow_attempts a
				JOIN dbos.workflow_status w ON w.workflow_id = a.workflow_id
				LEFT JOIN dbos.workflow_attempts n ON n.workflow_id = a.workflow_id AND n.attempt = a.attempt + 1
				WHERE a.workflow_id = 'retry-1' ORDER BY a.attempt""").query(Long.class).list();
		assertThat(gapList).hasSize(2);
		assertThat(gapList.get(0)).isGreaterThanOrEqualTo(300);
		assertThat(gapList.get(1)).isGreaterThanOrEqualTo(600);
	}

	@Test
	void jobThatFailsEveryAttemptIsDeadLetteredAndCanBeReplayed() throws Exception {
		this.workflows.failTimes("dead-1", 2);
		WorkflowHandle<String> handle = this.dbos.enqueue(EnqueueOptions.queue("dlq").withWorkflowId("dead-1"),
				() -> this.workflows.flaky("dead-1"));

		assertThatIllegalStateException().isThrownBy(() -> handle.getResult(WAIT))
			.withMessageContaining("planned failure of dead-1");
		WorkflowInfo dead = handle.getStatus();
		assertThat(dead.status()).isEqualTo(WorkflowStatus.DEAD_LETTER);
		assertThat(dead.attempt()).isEqualTo(2);
		assertThat(dead.errorMessage()).isEqualTo("planned failure of dead-1");
		assertThat(this.dbos.listAttempts("dead-1")).hasSize(2);
		assertThat(this.dbos.listDeadLetters("dlq", 10, 0)).extracting(WorkflowInfo::workflowId).contains("dead-1");

		WorkflowHandle<String> replayed = this.dbos.replayDeadLetter("dead-1");
		assertThat(replayed.getWorkflowId()).isEqualTo("dead-1");
		assertThat(replayed.getResult(WAIT)).isEqualTo("ok dead-1");
		assertThat(replayed.getStatus().attempt()).isEqualTo(1);
		assertThat(this.workflows.count("before:dead-1")).isEqualTo(1);
		assertThat(this.dbos.listAttempts("dead-1")).hasSize(2);

		assertThatExceptionOfType(WorkflowNotFoundException.class)
			.isThrownBy(() -> this.dbos.replayDeadLetter("no-such-job"));
		assertThatIllegalStateException().isThrownBy(() -> this.dbos.replayDeadLetter("dead-1"))
			.withMessageContaining("SUCCESS");
	}

	@Test
	void progressIsVisibleInTheStatusAndAsAnEvent() throws Exception {
		CountDownLatch gate = this.workflows.gate("progress:1");
		WorkflowHandle<String> handle = this.dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("progress-1"),
				() -> this.workflows.gated("progress", 3));

		assertThat(this.dbos.getEvent("progress-1", Progress.EVENT, Progress.class, WAIT)).isPresent();
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!Integer.valueOf(66).equals(handle.getStatus().progress()) && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(handle.getStatus().progress()).isEqualTo(66);
		assertThat(handle.getStatus().progressMessage()).isEqualTo("step 1");
		assertThat(this.dbos.getEvent("progress-1", Progress.EVENT, Progress.class, Duration.ZERO))
			.contains(new Progress(66, "step 1"));
		gate.countDown();
		assertThat(handle.getResult(WAIT)).isEqualTo("passed progress");
		assertThat(handle.getStatus().progress()).isEqualTo(100);
		assertThat(new Progress(150, null).percent()).isEqualTo(100);
		assertThat(new Progress(-3, null).percent()).isZero();
	}

	@Test
	void cancelledWaitingJobNeverStartsAndRunningJobStopsAtItsNextStep() throws Exception {
		WorkflowHandle<String> waiting = this.dbos.enqueue(
				EnqueueOptions.queue("plain").withWorkflowId("cancel-wait").withDelay(Duration.ofSeconds(2)),
				() -> this.workflows.greet("never"));
		assertThat(this.dbos.cancel("cancel-wait")).isTrue();
		assertThat(this.dbos.cancel("cancel-wait")).isFalse();

		CountDownLatch gate = this.workflows.gate("cancel-run:0");
		WorkflowHandle<String> running = this.dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("cancel-run"),
				() -> this.workflows.gated("cancel-run", 3));
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (this.workflows.count("gated:cancel-run:0") == 0 && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(this.dbos.cancel("cancel-run")).isTrue();
		gate.countDown();

		assertThatExceptionOfType(WorkflowCancelledException.class).isThrownBy(() -> running.getResult(WAIT));
		assertThatExceptionOfType(WorkflowCancelledException.class).isThrownBy(() -> waiting.getResult(WAIT));
		Thread.sleep(2500);
		assertThat(this.workflows.started()).doesNotContain("never");
		assertThat(this.workflows.count("gated:cancel-run:1")).isZero();
		assertThat(running.getStatus().status()).isEqualTo(WorkflowStatus.CANCELLED);
		assertThatExceptionOfType(WorkflowNotFoundException.class).isThrownBy(() -> this.dbos.cancel("no-such-job"));
	}

	@Test
	void jobPastItsTimeoutIsCancelledAtItsNextStep() {
		WorkflowHandle<String> handle = this.dbos.enqueue(
				EnqueueOptions.queue("plain").withWorkflowId("timeout-1").withTimeout(Duration.ofMillis(300)),
				() -> this.workflows.slowSteps("timeout-1", 10, 100));

		assertThatExceptionOfType(WorkflowCancelledException.class).isThrownBy(() -> handle.getResult(WAIT))
			.withMessageContaining("timeout");
		// 300 ms of 100 ms steps: cut short (a loaded machine runs fewer of them)
		assertThat(this.workflows.count("sleep:timeout-1")).isBetween(1, 5);
		assertThat(handle.getStatus().deadline()).isNotNull();
	}

	@Test
	void enqueueInARolledBackTransactionLeavesNoJob() throws Exception {
		this.transaction.executeWithoutResult((status) -> {
			this.dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("outbox-rolled-back"),
					() -> this.workflows.greet("rolled-back"));
			status.setRollbackOnly();
		});
		WorkflowHandle<String> committed = this.transaction.execute((status) -> this.dbos
			.enqueue(EnqueueOptions.queue("plain").withWorkflowId("outbox-committed"), () -> this.workflows.greet("committed")));

		assertThat(committed.getResult(WAIT)).isEqualTo("hello committed");
		assertThat(this.dbos.getWorkflow("outbox-rolled-back")).isEmpty();
		assertThat(this.workflows.started()).doesNotContain("rolled-back");
	}

	@Test
	void batchEnqueueIsAllOrNothing() throws Exception {
		this.workflows.gate("batch-hold:0");
		WorkflowHandle<String> holder = this.dbos.enqueue(
				EnqueueOptions.queue("plain").withWorkflowId("batch-holder").withDeduplicationId("batch-dup"),
				() -> this.workflows.gated("batch-hold", 1));

		assertThatExceptionOfType(DeduplicationException.class).isThrownBy(() -> this.dbos.enqueueAll(List.of(
				EnqueueRequest.of(EnqueueOptions.queue("plain").withWorkflowId("batch-1"),
						() -> this.workflows.greet("batch-1")),
				EnqueueRequest.of(EnqueueOptions.queue("plain").withWorkflowId("batch-2").withDeduplicationId("batch-dup"),
						() -> this.workflows.greet("batch-2")))));
		assertThat(this.dbos.getWorkflow("batch-1")).isEmpty();
		assertThat(this.dbos.getWorkflow("batch-2")).isEmpty();

		this.workflows.gate("batch-hold:0").countDown();
		holder.getResult(WAIT);
		List<WorkflowHandle<?>> handles = this.dbos.enqueueAll(List.of(
				EnqueueRequest.of(EnqueueOptions.queue("plain").withWorkflowId("batch-3"), () -> this.workflows.greet("b3")),
				EnqueueRequest.of(EnqueueOptions.queue("plain").withWorkflowId("batch-4"), () -> this.workflows.greet("b4"))));
		assertThat(handles).hasSize(2);
		assertThat(handles.get(1).getResult(WAIT)).isEqualTo("hello b4");
	}

	@Test
	void batchEnqueueKeepsWorkflowIdsIdempotent() throws Exception {
		WorkflowHandle<?> existing = this.dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("batch-existing"),
				() -> this.workflows.greet("first"));
		assertThat(existing.getResult(WAIT)).isEqualTo("hello first");

		// one new job, the ID of a finished workflow, then the new job's ID again: one row each
		List<WorkflowHandle<?>> handles = this.dbos.enqueueAll(List.of(
				EnqueueRequest.of(EnqueueOptions.queue("plain").withWorkflowId("batch-new"),
						() -> this.workflows.greet("new")),
				EnqueueRequest.of(EnqueueOptions.queue("plain").withWorkflowId("batch-existing"),
						() -> this.workflows.greet("second")),
				EnqueueRequest.of(EnqueueOptions.queue("plain").withWorkflowId("batch-new"),
						() -> this.workflows.greet("new again"))));

		assertThat(handles).extracting(WorkflowHandle::getWorkflowId)
			.containsExactly("batch-new", "batch-existing", "batch-new");
		assertThat(handles.get(0).getResult(WAIT)).isEqualTo("hello new");
		assertThat(handles.get(1).getResult(WAIT)).isEqualTo("hello first");
		assertThat(handles.get(2).getResult(WAIT)).isEqualTo("hello new");
		assertThat(this.jdbc.sql("SELECT count(*) FROM dbos.workflow_status WHERE workflow_id IN "
				+ "('batch-new', 'batch-existing')").query(Long.class).single()).isEqualTo(2);
		assertThat(this.workflows.started()).doesNotContain("second", "new again");
	}

	@Test
	void enqueueFromWorkflowCodeIsAStepAndNotRepeatedOnReplay() throws Exception {
		WorkflowHandle<String> parent = this.dbos.start(
				io.github.dbosspring.workflow.WorkflowOptions.withId("parent-1"), () -> this.workflows.parent("p1"));

		assertThat(parent.getResult(WAIT)).isEqualTo("parent-1-0=hello p1-child");
		assertThat(this.dbos.listSteps("parent-1")).extracting(io.github.dbosspring.workflow.StepInfo::childWorkflowId)
			.containsExactly("parent-1-0");
		assertThat(this.dbos.getWorkflow("parent-1-0")).hasValueSatisfying((child) -> {
			assertThat(child.queueName()).isEqualTo("plain");
			assertThat(child.parentWorkflowId()).isEqualTo("parent-1");
		});
	}

	@Test
	void jobOfAWorkflowNoWorkerDefinesIsDeadLetteredWithAClearError() throws Exception {
		this.jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, queue_name, "
				+ "max_attempts) VALUES ('unknown-wf-1', 'ENQUEUED', 'notDeployedYet', '[]', 'plain', 3)").update();
		// the sweep runs on the dispatcher's next round; a notification wakes it
		this.jdbc.sql("SELECT pg_notify('dbos_queue_dbos', 'plain')").query((rs) -> {
		});

		long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
		WorkflowInfo info = this.dbos.getWorkflow("unknown-wf-1").orElseThrow();
		while (info.status() == WorkflowStatus.ENQUEUED && System.nanoTime() < deadline) {
			Thread.sleep(100);
			info = this.dbos.getWorkflow("unknown-wf-1").orElseThrow();
		}
		assertThat(info.status()).isEqualTo(WorkflowStatus.DEAD_LETTER);
		assertThat(info.errorMessage()).contains("No worker defines workflow 'notDeployedYet'");
	}

	@Test
	void enqueueOptionsRejectBadValues() {
		assertThatIllegalArgumentException().isThrownBy(() -> EnqueueOptions.queue(""));
		assertThatIllegalArgumentException().isThrownBy(() -> EnqueueOptions.queue("q\u0000"));
		assertThatIllegalArgumentException().isThrownBy(() -> EnqueueOptions.queue("q").withMaxAttempts(0));
		assertThatIllegalArgumentException().isThrownBy(() -> EnqueueOptions.queue("q").withTimeout(Duration.ZERO));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> EnqueueOptions.queue("q").withDelay(Duration.ofSeconds(-1)));
	}

	static class QueueBeans {

		@Bean
		Queue fromBean() {
			return Queue.named("from-bean").withWorkerConcurrency(1);
		}

	}

}
