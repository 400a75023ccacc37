package io.github.dbosspring.workflow;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

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
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Workflow events: set from a workflow (recorded as a step, atomically with the event),
 * read from anywhere with a timeout.
 */
@SpringBootTest(classes = TestWorkflowApplication.class, properties = "dbos.recovery.interval=1h")
@Import(EventIntegrationTests.EventWorkflows.class)
class EventIntegrationTests {

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private Dbos dbos;

	@Autowired
	private EventWorkflows workflows;

	@Autowired
	private WorkflowEngine engine;

	@Autowired
	private JdbcClient jdbc;

	@Test
	void progressEventsAreVisibleWhileTheWorkflowRunsAndHoldTheLastValue() throws Exception {
		WorkflowHandle<String> handle = this.dbos.start(WorkflowOptions.withId("progress-1"),
				() -> this.workflows.progress(4, 100));

		Optional<Progress> first = this.dbos.getEvent("progress-1", "progress", Progress.class, Duration.ofSeconds(10));
		assertThat(first).hasValueSatisfying((progress) -> assertThat(progress.numSteps()).isEqualTo(4));
		assertThat(handle.getResult(Duration.ofSeconds(30))).isEqualTo("done");
		assertThat(this.dbos.getEvent("progress-1", "progress", Progress.class, Duration.ZERO))
			.contains(new Progress(4, 4));
		assertThat(this.dbos.listEvents("progress-1")).containsEntry("progress", "{\"stepsCompleted\":4,\"numSteps\":4}");
		assertThat(this.dbos.listSteps("progress-1")).extracting(StepInfo::stepName)
			.containsExactly("sleep", WorkflowEngine.SET_EVENT_STEP, "sleep", WorkflowEngine.SET_EVENT_STEP, "sleep",
					WorkflowEngine.SET_EVENT_STEP, "sleep", WorkflowEngine.SET_EVENT_STEP);
	}

	@Test
	void getEventWaitsForAnEventSetLater() {
		this.dbos.start(WorkflowOptions.withId("later-1"), () -> this.workflows.progress(1, 300));

		assertThat(this.dbos.getEvent("later-1", "progress", Progress.class, Duration.ofSeconds(20)))
			.contains(new Progress(1, 1));
	}

	@Test
	void getEventReturnsEmptyWhenTheEventIsNotSetInTime() {
		assertThat(this.dbos.getEvent("no-such-workflow", "progress", Progress.class, Duration.ofMillis(100))).isEmpty();
	}

	@Test
	void replayedSetEventDoesNotSetTheEventAgain() {
		this.jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, executor_id, "
				+ "application_version) VALUES ('sets-once', 'PENDING', 'EventWorkflows.setsOnce', '[]', ?, ?)")
			.params(this.engine.getExecutorId(), this.engine.getApplicationVersion())
			.update();
		this.jdbc.sql("INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name) VALUES ('sets-once', 0, ?)")
			.param(WorkflowEngine.SET_EVENT_STEP)
			.update();
		this.jdbc.sql("INSERT INTO dbos.workflow_events (workflow_id, key, value) VALUES ('sets-once', 'k', "
				+ "'\"from the first execution\"')").update();

		assertThat(this.dbos.run(WorkflowOptions.withId("sets-once"), () -> this.workflows.setsOnce())).isEqualTo("ok");

		assertThat(this.dbos.getEvent("sets-once", "k", String.class, Duration.ZERO)).contains("from the first execution");
		assertThat(this.dbos.listSteps("sets-once")).extracting(StepInfo::stepName)
			.containsExactly(WorkflowEngine.SET_EVENT_STEP, "sleep");
	}

	@Test
	void getEventInsideAWorkflowIsRecordedAsAStep() throws Exception {
		this.dbos.run(WorkflowOptions.withId("source-1"), () -> this.workflows.progress(1, 1));

		String read = this.dbos.run(WorkflowOptions.withId("reader-1"), () -> this.workflows.readProgress("source-1"));

		assertThat(read).isEqualTo("Progress[stepsCompleted=1, numSteps=1]");
		// the wait's deadline, then the value read
		List<StepInfo> steps = this.dbos.listSteps("reader-1");
		assertThat(steps).extracting(StepInfo::stepName)
			.containsExactly(WorkflowEngine.TIMEOUT_STEP, WorkflowEngine.GET_EVENT_STEP);
		assertThat(steps.get(1).output()).isEqualTo("{\"stepsCompleted\":1,\"numSteps\":1}");
	}

	@Test
	void setEventOutsideAWorkflowIsAClearError() {
		assertThatIllegalStateException().isThrownBy(() -> Dbos.setEvent("k", "v"))
			.withMessageContaining("must be called inside a workflow");
	}

	public record Progress(int stepsCompleted, int numSteps) {
	}

	@Component
	public static class EventWorkflows {

		private final Dbos dbos;

		public EventWorkflows(Dbos dbos) {
			this.dbos = dbos;
		}

		@Workflow
		public String progress(int numSteps, long stepMillis) throws InterruptedException {
			for (int i = 1; i <= numSteps; i++) {
				Dbos.runStep("sleep", () -> {
					Thread.sleep(stepMillis);
					return null;
				});
				Dbos.setEvent("progress", new Progress(i, numSteps));
			}
			return "done";
		}

		@Workflow
		public String setsOnce() {
			Dbos.setEvent("k", "set again by a re-execution");
			Dbos.runStep("sleep", () -> "slept");
			return "ok";
		}

		@Workflow
		public String readProgress(String workflowId) {
			return this.dbos.getEvent(workflowId, "progress", Progress.class, Duration.ofSeconds(5))
				.map(Progress::toString)
				.orElse("none");
		}

	}

}
