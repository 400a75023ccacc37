package io.github.dbosspring.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.queue.DeduplicationException;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.Progress;
import io.github.dbosspring.queue.QueueWorkflows;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.StepInfo;
import io.github.dbosspring.workflow.TestWorkflowApplication;
import io.github.dbosspring.workflow.WorkflowCancelledException;
import io.github.dbosspring.workflow.WorkflowHandle;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowNotFoundException;
import io.github.dbosspring.workflow.WorkflowQuery;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The client as a process without the workflows uses it: built by hand from a plain
 * DataSource (no Spring), against a worker application that defines the workflows.
 */
@SpringBootTest(classes = TestWorkflowApplication.class, properties = { "dbos.recovery.interval=200ms",
		"dbos.queues.plain.worker-concurrency=4", "dbos.queues.dlq.max-attempts=1",
		"dbos.worker.unknown-workflow-grace-period=0s" })
@Import(QueueWorkflows.class)
class DbosClientIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static String url;

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		url = TestDatabase.newDatabaseUrl();
		registry.add("spring.datasource.url", () -> url);
	}

	private static DbosClient client;

	@Autowired
	private QueueWorkflows workflows;

	@Autowired
	private Dbos dbos;

	@BeforeEach
	void client() {
		// built by hand from a plain DataSource, as a process without the workflows would
		if (client == null) {
			DataSource dataSource = TestDatabase.dataSource(url);
			client = new DbosClient(dataSource);
		}
	}

	@Test
	void enqueueByNameAndWaitForATypedResult() throws Exception {
		WorkflowHandle<String> handle = client.enqueue(EnqueueOptions.queue("plain").withWorkflowId("client-1"),
				String.class, "greet", "carla");

		assertThat(handle.getResult(WAIT)).isEqualTo("hello carla");
		assertThat(client.retrieveWorkflow("client-1", String.class).getResult()).isEqualTo("hello carla");
		assertThat(client.getWorkflow("client-1")).hasValueSatisfying((info) -> {
			assertThat(info.status()).isEqualTo(WorkflowStatus.SUCCESS);
			assertThat(info.queueName()).isEqualTo("plain");
		});
		assertThat(client.listSteps("client-1")).extracting(StepInfo::stepName).containsExactly("hello");
		WorkflowHandle<Object> untyped = client.enqueue(EnqueueOptions.queue("plain"), "greet", "dan");
		assertThat(untyped.getResult(WAIT)).isEqualTo("hello dan");
		assertThatExceptionOfType(WorkflowNotFoundException.class)
			.isThrownBy(() -> client.retrieveWorkflow("no-such-workflow", String.class));
	}

	@Test
	void enqueueOptionsApplyFromTheClient() throws Exception {
		client.enqueue(EnqueueOptions.queue("plain").withWorkflowId("client-dedup-1").withDeduplicationId("d-1")
			.withDelay(Duration.ofSeconds(2)), "greet", "x");
		assertThatExceptionOfType(DeduplicationException.class).isThrownBy(() -> client
			.enqueue(EnqueueOptions.queue("plain").withWorkflowId("client-dedup-2").withDeduplicationId("d-1"), "greet",
					"y"));
		WorkflowInfo delayed = client.getWorkflow("client-dedup-1").orElseThrow();
		assertThat(delayed.status()).isEqualTo(WorkflowStatus.ENQUEUED);
		assertThat(delayed.scheduledFor()).isAfter(delayed.createdAt());
		assertThat(client.retrieveWorkflow("client-dedup-1", String.class).getResult(WAIT)).isEqualTo("hello x");
	}

	@Test
	void listWorkflowsFiltersByNameStatusQueueAndTimeNewestFirst() throws Exception {
		Instant before = Instant.now().minusSeconds(1);
		for (int i = 0; i < 3; i++) {
			client.enqueue(EnqueueOptions.queue("plain").withWorkflowId("list-" + i), String.class, "greet", "l" + i)
				.getResult(WAIT);
			Thread.sleep(5);
		}
		List<WorkflowInfo> listed = client.listWorkflows(WorkflowQuery.all()
			.withName("greet")
			.withStatus(WorkflowStatus.SUCCESS)
			.withQueue("plain")
			.createdBetween(before, Instant.now().plusSeconds(1)));
		assertThat(listed).extracting(WorkflowInfo::workflowId).containsSubsequence("list-2", "list-1", "list-0");
		assertThat(client.listWorkflows(WorkflowQuery.all().withName("greet").limit(1))).hasSize(1);
		assertThat(client.listWorkflows(WorkflowQuery.all().withQueue("no-such-queue"))).isEmpty();
	}

	@Test
	void getEventAndSendReachTheRunningWorkflow() throws Exception {
		WorkflowHandle<String> waiter = client.enqueue(EnqueueOptions.queue("plain").withWorkflowId("client-waiter"),
				String.class, "waiter", "inbox");
		awaitStatus("client-waiter", WorkflowStatus.PENDING);
		client.send("client-waiter", "ping", "inbox", "send-1");
		client.send("client-waiter", "ping", "inbox", "send-1");
		assertThat(waiter.getResult(WAIT)).isEqualTo("ping");

		this.workflows.gate("client-progress:1");
		client.enqueue(EnqueueOptions.queue("plain").withWorkflowId("client-progress"), "gated", "client-progress", 3);
		assertThat(client.getEvent("client-progress", Progress.EVENT, Progress.class, WAIT)).isPresent();
		assertThat(client.getEvent("no-such-workflow", "x", String.class, Duration.ofMillis(50))).isEmpty();
		assertThat(client.listEvents("client-progress")).containsKey(Progress.EVENT);
		this.workflows.gate("client-progress:1").countDown();
		assertThatExceptionOfType(WorkflowNotFoundException.class)
			.isThrownBy(() -> client.send("no-such-workflow", "x", "inbox", null));
	}

	@Test
	void cancelThenResumeContinuesFromTheLastCompletedStep() throws Exception {
		this.workflows.gate("client-cancel:1");
		WorkflowHandle<String> handle = client.enqueue(EnqueueOptions.queue("plain").withWorkflowId("client-cancel"),
				String.class, "gated", "client-cancel", 3);
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (this.workflows.count("gated:client-cancel:1") == 0 && System.nanoTime() < deadline) {
			Thread.sleep(5);
		}
		assertThat(client.cancel("client-cancel")).isTrue();
		this.workflows.gate("client-cancel:1").countDown();
		assertThatExceptionOfType(WorkflowCancelledException.class).isThrownBy(() -> handle.getResult(WAIT));
		// step 1 ran (the gate held it) but its checkpoint was refused: it runs again on resume
		assertThat(this.workflows.count("gated:client-cancel:2")).isZero();

		client.resume("client-cancel");
		assertThat(handle.getResult(WAIT)).isEqualTo("passed client-cancel");
		assertThat(this.workflows.count("gated:client-cancel:0")).isEqualTo(1);
		assertThat(this.workflows.count("gated:client-cancel:2")).isEqualTo(1);
		assertThatIllegalStateException().isThrownBy(() -> client.resume("client-cancel"))
			.withMessageContaining("completed successfully");
	}

	@Test
	void forkRunsAgainFromAGivenStep() throws Exception {
		client.enqueue(EnqueueOptions.queue("plain").withWorkflowId("client-fork"), String.class, "flaky",
				"client-fork").getResult(WAIT);
		String forkId = client.fork("client-fork", 1, "client-fork-2", null);

		assertThat(client.retrieveWorkflow(forkId, String.class).getResult(WAIT)).isEqualTo("ok client-fork");
		assertThat(this.workflows.count("before:client-fork")).isEqualTo(1);
		assertThat(this.workflows.count("mayFail:client-fork")).isEqualTo(2);
		assertThatExceptionOfType(WorkflowNotFoundException.class).isThrownBy(() -> client.fork("nope", 0, null, null));
	}

	@Test
	void forkOfAnInlineWorkflowIsAdoptedByALiveExecutor() throws Exception {
		this.dbos.run(io.github.dbosspring.workflow.WorkflowOptions.withId("inline-fork"),
				() -> this.workflows.flaky("inline-fork"));
		WorkflowHandle<String> forked = this.dbos.fork("inline-fork", 1);

		assertThat(forked.getResult(WAIT)).isEqualTo("ok inline-fork");
		assertThat(this.workflows.count("before:inline-fork")).isEqualTo(1);
		assertThat(this.workflows.count("mayFail:inline-fork")).isEqualTo(2);
	}

	@Test
	void deadLettersAreListedAndReplayed() throws Exception {
		this.workflows.failTimes("client-dead", 1);
		WorkflowHandle<String> handle = client.enqueue(EnqueueOptions.queue("dlq").withWorkflowId("client-dead"),
				String.class, "flaky", "client-dead");
		assertThatIllegalStateException().isThrownBy(() -> handle.getResult(WAIT))
			.withMessageContaining("planned failure");
		assertThat(client.listDeadLetters("dlq", 10, 0)).extracting(WorkflowInfo::workflowId).contains("client-dead");
		assertThat(client.listAttempts("client-dead")).hasSize(1);

		client.replayDeadLetter("client-dead");
		assertThat(handle.getResult(WAIT)).isEqualTo("ok client-dead");
		assertThatExceptionOfType(WorkflowNotFoundException.class).isThrownBy(() -> client.replayDeadLetter("nope"));
	}

	@Test
	void workflowNoWorkerDefinesWaitsVisiblyAndIsThenDeadLetteredWithAClearError() throws Exception {
		WorkflowHandle<Object> ghost = client.enqueue(EnqueueOptions.queue("plain").withWorkflowId("ghost-1"),
				"notDeployedAnywhere", Map.of("a", 1));
		assertThat(client.listWorkflows(WorkflowQuery.all().withName("notDeployedAnywhere")))
			.extracting(WorkflowInfo::workflowId)
			.containsExactly("ghost-1");

		WorkflowInfo info = awaitStatus("ghost-1", WorkflowStatus.DEAD_LETTER);
		assertThat(info.errorMessage()).contains("No worker defines workflow 'notDeployedAnywhere'");
		assertThatExceptionOfType(WorkflowNotFoundException.class).isThrownBy(() -> ghost.getResult(WAIT))
			.withMessageContaining("notDeployedAnywhere");
	}

	private WorkflowInfo awaitStatus(String id, WorkflowStatus status) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		WorkflowInfo info = client.getWorkflow(id).orElseThrow();
		while (info.status() != status && System.nanoTime() < deadline) {
			Thread.sleep(10);
			info = client.getWorkflow(id).orElseThrow();
		}
		assertThat(info.status()).isEqualTo(status);
		return info;
	}

}
