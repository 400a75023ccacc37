package io.github.dbosspring.queue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.autoconfigure.DbosSystemDatabase;
import io.github.dbosspring.queue.support.QueueWorker;
import io.github.dbosspring.store.DbosSchemaMigrator;
import io.github.dbosspring.store.QueueRepository;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.TestWorkflowApplication;
import io.github.dbosspring.workflow.WorkflowHandle;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How an idle worker learns about new work: with polling effectively off (one hour), a job
 * enqueued by another connection starts only through its notification, also after the
 * listening connection was killed or when it arrives while the worker is dequeuing from that
 * queue; the worker serves only its configured queues; and a stopping worker lets its
 * running job finish.
 */
@SpringBootTest(classes = TestWorkflowApplication.class, properties = { "dbos.recovery.interval=1h",
		"dbos.worker.poll-interval=1h", "dbos.worker.queues=plain", "dbos.queues.plain.worker-concurrency=4",
		"dbos.queues.other.worker-concurrency=4" })
@Import(QueueWorkflows.class)
class WorkerWakeUpIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private Dbos dbos;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private QueueWorker worker;

	@Test
	void jobEnqueuedElsewhereStartsThroughItsNotificationAlsoAfterTheListenerReconnects() throws Exception {
		awaitListening();
		insertJobFromAnotherProcess("elsewhere-1", "plain");
		assertThat(awaitStatus("elsewhere-1", WorkflowStatus.SUCCESS).output()).isEqualTo("\"hello elsewhere-1\"");

		int terminated = this.jdbc.sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
				+ "WHERE datname = current_database() AND query LIKE 'LISTEN%'").query(Integer.class).single();
		assertThat(terminated).isEqualTo(1);
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (this.worker.isListening() && System.nanoTime() < deadline) {
			Thread.sleep(5);
		}
		awaitListening();
		insertJobFromAnotherProcess("elsewhere-2", "plain");
		assertThat(awaitStatus("elsewhere-2", WorkflowStatus.SUCCESS).output()).isEqualTo("\"hello elsewhere-2\"");
	}

	@Test
	void workerServesOnlyItsConfiguredQueues() throws Exception {
		WorkflowHandle<String> served = this.dbos.enqueue("plain", () -> greet("served"));
		this.dbos.enqueue(EnqueueOptions.queue("other").withWorkflowId("not-served"), () -> greet("not-served"));

		assertThat(served.getResult(WAIT)).isEqualTo("hello served");
		Thread.sleep(500);
		assertThat(this.dbos.getWorkflow("not-served").orElseThrow().status()).isEqualTo(WorkflowStatus.ENQUEUED);
	}

	@Autowired
	private QueueWorkflows workflows;

	private String greet(String name) {
		return this.workflows.greet(name);
	}

	@Test
	void stoppingWorkerLetsItsRunningJobFinishWithinTheShutdownTimeout() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		ConfigurableApplicationContext context = new SpringApplicationBuilder(TestWorkflowApplication.class,
				QueueWorkflows.class)
			.web(WebApplicationType.NONE)
			.properties("spring.datasource.url=" + url, "dbos.recovery.interval=1h", "dbos.shutdown.timeout=20s",
					"dbos.queues.plain.worker-concurrency=1", "spring.main.banner-mode=off")
			.run();
		Dbos other = context.getBean(Dbos.class);
		QueueWorkflows otherWorkflows = context.getBean(QueueWorkflows.class);
		other.enqueue(EnqueueOptions.queue("plain").withWorkflowId("finishes"),
				() -> otherWorkflows.slowSteps("finishes", 4, 250));
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (otherWorkflows.count("sleep:finishes") == 0 && System.nanoTime() < deadline) {
			Thread.sleep(5);
		}
		context.close();

		JdbcClient otherJdbc = JdbcClient.create(TestDatabase.dataSource(url));
		assertThat(otherJdbc.sql("SELECT status FROM dbos.workflow_status WHERE workflow_id = 'finishes'")
			.query(String.class)
			.single()).isEqualTo("SUCCESS");
		assertThat(otherWorkflows.count("sleep:finishes")).isEqualTo(4);
	}

	@Test
	void notificationArrivingWhileTheQueueIsDequeuedStartsItsJob() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		ConfigurableApplicationContext context = new SpringApplicationBuilder(TestWorkflowApplication.class,
				QueueWorkflows.class, HeldClaims.class)
			.web(WebApplicationType.NONE)
			.properties("spring.datasource.url=" + url, "dbos.recovery.interval=1h", "dbos.worker.poll-interval=1h",
					"dbos.queues.plain.worker-concurrency=4", "spring.main.banner-mode=off")
			.run();
		try {
			awaitListening(context.getBean(QueueWorker.class));
			HeldClaimRepository claims = context.getBean(HeldClaimRepository.class);
			JdbcClient otherJdbc = JdbcClient.create(TestDatabase.dataSource(url));
			CountDownLatch release = claims.holdNextClaim();
			// a notification without a job: the worker dequeues, finds nothing, and is held there
			otherJdbc.sql("SELECT pg_notify('dbos_queue_dbos', 'plain')").query(String.class).single();
			assertThat(claims.held.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			// a job committed after that dequeue's read: its notification arrives during the dequeue
			insertJobFromAnotherProcess(otherJdbc, "during-dequeue", "plain");
			Thread.sleep(300);
			release.countDown();

			// the next poll is an hour away: only the notification can have started it
			awaitStatus(context.getBean(Dbos.class), "during-dequeue", WorkflowStatus.SUCCESS);
		}
		finally {
			context.close();
		}
	}

	private void awaitListening() throws InterruptedException {
		awaitListening(this.worker);
	}

	private static void awaitListening(QueueWorker worker) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!worker.isListening() && System.nanoTime() < deadline) {
			Thread.sleep(5);
		}
		assertThat(worker.isListening()).isTrue();
		// LISTEN is issued right before the flag is set; give the server a moment
		Thread.sleep(100);
	}

	private void insertJobFromAnotherProcess(String id, String queue) {
		insertJobFromAnotherProcess(this.jdbc, id, queue);
	}

	/** What a client in another JVM does: one row and a notification, nothing in this JVM. */
	private static void insertJobFromAnotherProcess(JdbcClient jdbc, String id, String queue) {
		jdbc.sql("""
				WITH inserted AS (INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs,
					queue_name, max_attempts) VALUES (?, 'ENQUEUED', 'greet', ?, ?, 3) RETURNING workflow_id)
				SELECT count(*) FROM inserted, pg_notify('dbos_queue_dbos', ?)""")
			.params(id, "[\"" + id + "\"]", queue, queue)
			.query(Long.class)
			.single();
	}

	private WorkflowInfo awaitStatus(String id, WorkflowStatus status) throws InterruptedException {
		return awaitStatus(this.dbos, id, status);
	}

	private static WorkflowInfo awaitStatus(Dbos dbos, String id, WorkflowStatus status) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		WorkflowInfo info = dbos.getWorkflow(id).orElseThrow();
		while (info.status() != status && System.nanoTime() < deadline) {
			Thread.sleep(10);
			info = dbos.getWorkflow(id).orElseThrow();
		}
		assertThat(info.status()).isEqualTo(status);
		return info;
	}

	/** A real repository whose next dequeue of queue {@code plain}, once asked, waits after its statement ran. */
	static class HeldClaimRepository extends QueueRepository {

		private volatile @Nullable CountDownLatch release;

		final CountDownLatch held = new CountDownLatch(1);

		HeldClaimRepository(DbosSystemDatabase database, DbosSchemaMigrator migrator) {
			super(database.getDataSource(), database.getCallerDataSource(), migrator.getSchema());
		}

		CountDownLatch holdNextClaim() {
			CountDownLatch latch = new CountDownLatch(1);
			this.release = latch;
			return latch;
		}

		@Override
		public Claim claim(Queue queue, String executorId, String applicationVersion, String[] workflowNames,
				int max) {
			Claim claim = super.claim(queue, executorId, applicationVersion, workflowNames, max);
			CountDownLatch latch = this.release;
			if (latch != null && queue.name().equals("plain")) {
				this.release = null;
				this.held.countDown();
				try {
					latch.await(WAIT.toSeconds(), TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return claim;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class HeldClaims {

		@Bean
		HeldClaimRepository heldClaimRepository(DbosSystemDatabase database, DbosSchemaMigrator migrator) {
			return new HeldClaimRepository(database, migrator);
		}

	}

}
