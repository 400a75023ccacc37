package io.github.dbosspring.queue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.github.dbosspring.queue.support.QueueWorker;
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
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How an idle worker learns about new work: with polling effectively off (one hour), a job
 * enqueued by another connection starts only through its notification, also after the
 * listening connection was killed; the worker serves only its configured queues; and a
 * stopping worker lets its running job finish.
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

	private void awaitListening() throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!this.worker.isListening() && System.nanoTime() < deadline) {
			Thread.sleep(5);
		}
		assertThat(this.worker.isListening()).isTrue();
		// LISTEN is issued right before the flag is set; give the server a moment
		Thread.sleep(100);
	}

	/** What a client in another JVM does: one row and a notification, nothing in this JVM. */
	private void insertJobFromAnotherProcess(String id, String queue) {
		this.jdbc.sql("""
				WITH inserted AS (INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs,
					queue_name, max_attempts) VALUES (?, 'ENQUEUED', 'greet', ?, ?, 3) RETURNING workflow_id)
				SELECT count(*) FROM inserted, pg_notify('dbos_queue_dbos', ?)""")
			.params(id, "[\"" + id + "\"]", queue, queue)
			.query(Long.class)
			.single();
	}

	private WorkflowInfo awaitStatus(String id, WorkflowStatus status) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		WorkflowInfo info = this.dbos.getWorkflow(id).orElseThrow();
		while (info.status() != status && System.nanoTime() < deadline) {
			Thread.sleep(10);
			info = this.dbos.getWorkflow(id).orElseThrow();
		}
		assertThat(info.status()).isEqualTo(status);
		return info;
	}

}
