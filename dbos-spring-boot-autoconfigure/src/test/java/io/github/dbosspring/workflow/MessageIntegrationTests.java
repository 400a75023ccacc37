package io.github.dbosspring.workflow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.support.WorkflowEngine;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Messages: sent from anywhere, received inside a workflow exactly once each, in order.
 */
@SpringBootTest(classes = TestWorkflowApplication.class, properties = "dbos.recovery.interval=1h")
@Import(MessageIntegrationTests.Inbox.class)
class MessageIntegrationTests {

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private Dbos dbos;

	@Autowired
	private Inbox inbox;

	@Autowired
	private WorkflowEngine engine;

	@Autowired
	private JdbcClient jdbc;

	@Test
	void messagesAreReceivedInOrderAndEachExactlyOnce() throws Exception {
		WorkflowHandle<String> handle = this.dbos.start(WorkflowOptions.withId("inbox-1"), () -> this.inbox.collect(3));
		for (String message : List.of("a", "b", "c")) {
			this.dbos.send("inbox-1", message, "inbox");
		}

		assertThat(handle.getResult(Duration.ofSeconds(30))).isEqualTo("a,b,c");
		assertThat(pending("inbox-1")).isZero();
		// each recv: its deadline, then the message
		assertThat(this.dbos.listSteps("inbox-1")).extracting(StepInfo::stepName)
			.containsExactly(WorkflowEngine.TIMEOUT_STEP, WorkflowEngine.RECV_STEP, WorkflowEngine.TIMEOUT_STEP,
					WorkflowEngine.RECV_STEP, WorkflowEngine.TIMEOUT_STEP, WorkflowEngine.RECV_STEP);
	}

	@Test
	void sendRetriedWithTheSameIdempotencyKeyAfterTheMessageWasConsumedIsStillDeliveredOnce() throws Exception {
		WorkflowHandle<String> first = this.dbos.start(WorkflowOptions.withId("inbox-6"), () -> this.inbox.collect(1));
		this.dbos.send("inbox-6", "once", "inbox", "key-6");
		assertThat(first.getResult(Duration.ofSeconds(30))).isEqualTo("once");

		this.dbos.send("inbox-6", "once", "inbox", "key-6");

		assertThat(pending("inbox-6")).isZero();
	}

	@Test
	void sendWithTheSameIdempotencyKeyIsDeliveredOnce() throws Exception {
		WorkflowHandle<String> handle = this.dbos.start(WorkflowOptions.withId("inbox-2"), () -> this.inbox.collect(2));
		this.dbos.send("inbox-2", "x", "inbox", "key-1");
		this.dbos.send("inbox-2", "x", "inbox", "key-1");
		this.dbos.send("inbox-2", "y", "inbox", "key-2");

		assertThat(handle.getResult(Duration.ofSeconds(30))).isEqualTo("x,y");
		assertThat(pending("inbox-2")).isZero();
	}

	@Test
	void recvTimesOutWithNothingAndRecordsTheTimeout() throws Exception {
		String result = this.dbos.run(WorkflowOptions.withId("inbox-3"), () -> this.inbox.collectWithin(1, 100));

		assertThat(result).isEqualTo("<timeout>");
		assertThat(this.dbos.listSteps("inbox-3")).extracting(StepInfo::stepName)
			.containsExactly(WorkflowEngine.TIMEOUT_STEP, WorkflowEngine.RECV_STEP);
		assertThat(this.dbos.listSteps("inbox-3").get(1).output()).isNull();
	}

	@Test
	void replayedRecvReturnsTheRecordedMessageAndConsumesNothing() throws Exception {
		this.jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, executor_id, "
				+ "application_version) VALUES ('inbox-4', 'PENDING', 'Inbox.collect', '[1]', ?, ?)")
			.params(this.engine.getExecutorId(), this.engine.getApplicationVersion())
			.update();
		this.jdbc.sql("INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name, output) "
				+ "VALUES ('inbox-4', 0, ?, ?)").params(WorkflowEngine.TIMEOUT_STEP,
						Long.toString(System.currentTimeMillis() + 60_000)).update();
		this.jdbc.sql("INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name, output) "
				+ "VALUES ('inbox-4', 1, ?, '\"recorded\"')").param(WorkflowEngine.RECV_STEP).update();
		this.dbos.send("inbox-4", "fresh", "inbox");

		assertThat(this.dbos.run(WorkflowOptions.withId("inbox-4"), () -> this.inbox.collect(1))).isEqualTo("recorded");
		assertThat(pending("inbox-4")).isOne();
	}

	@Test
	void recoveredRecvWaitsOnlyUntilItsRecordedDeadline() throws Exception {
		// interrupted while waiting up to an hour, with that hour already over
		this.jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, executor_id, "
				+ "application_version) VALUES ('inbox-deadline', 'PENDING', 'Inbox.collectWithin', '[1, 3600000]', ?, ?)")
			.params(this.engine.getExecutorId(), this.engine.getApplicationVersion())
			.update();
		this.jdbc.sql("INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name, output) "
				+ "VALUES ('inbox-deadline', 0, ?, ?)")
			.params(WorkflowEngine.TIMEOUT_STEP, Long.toString(System.currentTimeMillis() - 1000))
			.update();

		WorkflowHandle<String> handle = this.dbos.start(WorkflowOptions.withId("inbox-deadline"),
				() -> this.inbox.collectWithin(1, 3_600_000));
		assertThat(handle.getResult(Duration.ofSeconds(30))).isEqualTo("<timeout>");
	}

	@Test
	void sendFromAWorkflowIsAStepAndIsNotRepeatedOnReplay() throws Exception {
		this.dbos.start(WorkflowOptions.withId("inbox-5"), () -> this.inbox.collectWithin(0, 0));
		this.jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, executor_id, "
				+ "application_version) VALUES ('notifier-1', 'PENDING', 'Inbox.notify', '[\"inbox-5\"]', ?, ?)")
			.params(this.engine.getExecutorId(), this.engine.getApplicationVersion())
			.update();
		this.jdbc.sql("INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name, output) "
				+ "VALUES ('notifier-1', 0, ?, 'null')").param(WorkflowEngine.SEND_STEP).update();

		this.dbos.run(WorkflowOptions.withId("notifier-1"), () -> this.inbox.notify("inbox-5"));
		this.dbos.run(WorkflowOptions.withId("notifier-2"), () -> this.inbox.notify("inbox-5"));

		// notifier-1's send was recorded before: only notifier-2 delivers
		assertThat(pending("inbox-5")).isOne();
		assertThat(this.dbos.listSteps("notifier-2")).extracting(StepInfo::stepName)
			.containsExactly(WorkflowEngine.SEND_STEP);
	}

	@Test
	void sendToAnUnknownWorkflowIsAClearError() {
		assertThatExceptionOfType(WorkflowNotFoundException.class)
			.isThrownBy(() -> this.dbos.send("no-such-workflow", "x", "inbox"))
			.withMessageContaining("no-such-workflow");
	}

	private int pending(String workflowId) {
		return this.jdbc.sql("SELECT count(*) FROM dbos.workflow_messages WHERE destination_id = ? "
				+ "AND consumed_at IS NULL")
			.param(workflowId)
			.query(Integer.class)
			.single();
	}

	@Component
	public static class Inbox {

		private final Dbos dbos;

		public Inbox(Dbos dbos) {
			this.dbos = dbos;
		}

		@Workflow
		public String collect(int count) {
			return collectWithin(count, 10_000);
		}

		@Workflow
		public String collectWithin(int count, long timeoutMillis) {
			List<String> received = new ArrayList<>();
			for (int i = 0; i < count; i++) {
				received.add(Dbos.recv("inbox", String.class, Duration.ofMillis(timeoutMillis)).orElse("<timeout>"));
			}
			return String.join(",", received);
		}

		@Workflow
		public String notify(String target) {
			this.dbos.send(target, "hello from " + Dbos.workflowId(), "inbox");
			return "sent";
		}

	}

}
