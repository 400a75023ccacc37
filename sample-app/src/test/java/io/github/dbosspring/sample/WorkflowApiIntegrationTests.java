package io.github.dbosspring.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.dbosspring.sample.WorkflowController.ApiError;
import io.github.dbosspring.sample.WorkflowController.StartResponse;
import io.github.dbosspring.sample.WorkflowController.StepView;
import io.github.dbosspring.sample.WorkflowController.WorkflowDetail;
import io.github.dbosspring.sample.WorkflowController.WorkflowSummary;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample's REST API in one process ({@code sample.role=all}: web server and worker),
 * served on a random port, against a real PostgreSQL.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sample.step-duration=50ms")
@AutoConfigureRestTestClient
@ExtendWith(OutputCaptureExtension.class)
class WorkflowApiIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private RestTestClient client;

	@Test
	void postEnqueuesAWorkflowWhoseProgressIsVisibleUntilItSucceeds(CapturedOutput output) {
		var result = this.client.post()
			.uri("/api/workflows")
			.contentType(MediaType.APPLICATION_JSON)
			.body(Map.of("numSteps", 20))
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody(StartResponse.class)
			.returnResult();
		String workflowId = result.getResponseBody().workflowId();
		assertThat(result.getResponseHeaders().getLocation()).hasToString("/api/workflows/" + workflowId);
		assertThat(workflowId).isNotBlank();

		// progress is visible while it runs (20 steps of 50 ms)
		WorkflowSummary running = await().atMost(TIMEOUT)
			.until(() -> summary(workflowId), (w) -> w.stepsCompleted() > 0 && w.stepsCompleted() < 20);
		assertThat(running.status()).isEqualTo(WorkflowStatus.PENDING);
		assertThat(running.numSteps()).isEqualTo(20);

		WorkflowDetail workflow = awaitDetail(workflowId, (w) -> w.status() == WorkflowStatus.SUCCESS);
		assertThat(workflow.workflowName()).isEqualTo("queueWorkflow");
		assertThat(workflow.queueName()).isEqualTo("workflow-queue");
		assertThat(workflow.stepsCompleted()).isEqualTo(20);
		assertThat(workflow.numSteps()).isEqualTo(20);
		assertThat(workflow.output()).isEqualTo("20");
		assertThat(workflow.executorId()).isEqualTo("sample-all");
		assertThat(workflow.completedAt()).isNotNull();
		// 20 steps, each followed by its progress event (itself recorded as a step), after the initial 0/20
		assertThat(workflow.steps()).hasSize(41);
		assertThat(workflow.steps()).filteredOn((step) -> step.stepName().equals("step"))
			.extracting(StepView::output)
			.containsExactlyElementsOf(IntStream.rangeClosed(1, 20).mapToObj(String::valueOf).toList());
		assertThat(summary(workflowId).stepsCompleted()).isEqualTo(20);
		assertThat(output.getOut()).contains("Step 1 completed\n", "Step 20 completed\n");
	}

	@Test
	void postWithoutBodyEnqueuesTenSteps() {
		String workflowId = start(null);

		WorkflowDetail workflow = awaitDetail(workflowId, (w) -> w.status() == WorkflowStatus.SUCCESS);
		assertThat(workflow.numSteps()).isEqualTo(WorkflowController.DEFAULT_NUM_STEPS);
		assertThat(workflow.stepsCompleted()).isEqualTo(WorkflowController.DEFAULT_NUM_STEPS);
	}

	@Test
	void jsonFieldsAreSnakeCase() {
		String workflowId = start(Map.of("num_steps", 1));
		awaitDetail(workflowId, (w) -> w.status() == WorkflowStatus.SUCCESS);

		this.client.get()
			.uri("/api/workflows/{id}", workflowId)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.workflow_id").isEqualTo(workflowId)
			.jsonPath("$.workflow_name").isEqualTo("queueWorkflow")
			.jsonPath("$.status").isEqualTo("SUCCESS")
			.jsonPath("$.queue_name").isEqualTo("workflow-queue")
			.jsonPath("$.steps_completed").isEqualTo(1)
			.jsonPath("$.num_steps").isEqualTo(1)
			.jsonPath("$.created_at").isNotEmpty()
			.jsonPath("$.completed_at").isNotEmpty()
			.jsonPath("$.executor_id").isEqualTo("sample-all")
			.jsonPath("$.steps[0].step_name").isEqualTo("DBOS.setEvent")
			.jsonPath("$.steps[1].step_name").isEqualTo("step")
			.jsonPath("$.steps[1].step_id").isEqualTo(1)
			.jsonPath("$.steps[1].output").isEqualTo("1");
		this.client.get()
			.uri("/api/workflows")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$[0].workflow_id").isNotEmpty()
			.jsonPath("$[0].steps_completed").isNumber()
			.jsonPath("$[0].num_steps").isNumber();
	}

	@Test
	void postWithAKnownWorkflowIdReturnsTheExistingWorkflowWithoutEnqueueingAnother() {
		String first = start(Map.of("workflow_id", "job-42", "num_steps", 2));
		String second = start(Map.of("workflow_id", "job-42", "num_steps", 5));

		assertThat(first).isEqualTo("job-42");
		assertThat(second).isEqualTo("job-42");
		WorkflowDetail workflow = awaitDetail("job-42", (w) -> w.status() == WorkflowStatus.SUCCESS);
		assertThat(workflow.numSteps()).isEqualTo(2);
		assertThat(list()).filteredOn((summary) -> summary.workflowId().equals("job-42")).hasSize(1);
	}

	@Test
	void listShowsWorkflowsNewestFirstWithTheirProgress() {
		String older = start(Map.of("num_steps", 1));
		awaitDetail(older, (w) -> w.status() == WorkflowStatus.SUCCESS);
		String newer = start(Map.of("num_steps", 2));
		awaitDetail(newer, (w) -> w.status() == WorkflowStatus.SUCCESS);

		List<WorkflowSummary> workflows = list();
		assertThat(workflows).extracting(WorkflowSummary::workflowId).containsSubsequence(newer, older);
		assertThat(workflows).isSortedAccordingTo((a, b) -> b.createdAt().compareTo(a.createdAt()));
		WorkflowSummary summary = workflows.stream().filter((w) -> w.workflowId().equals(newer)).findFirst().get();
		assertThat(summary.status()).isEqualTo(WorkflowStatus.SUCCESS);
		assertThat(summary.stepsCompleted()).isEqualTo(2);
		assertThat(summary.numSteps()).isEqualTo(2);
	}

	@Test
	void cancelStopsARunningWorkflowAndResumeFinishesItFromTheStepItHadReached(CapturedOutput output) {
		String workflowId = start(Map.of("num_steps", 40));
		awaitSummary(workflowId, (w) -> w.stepsCompleted() >= 3);

		WorkflowSummary cancelled = post("/api/workflows/{id}/cancel", workflowId);
		assertThat(cancelled.status()).isEqualTo(WorkflowStatus.CANCELLED);
		// the running step finishes, then the workflow stops at its next step: its progress stops moving
		sleep(Duration.ofMillis(500));
		WorkflowDetail stopped = detail(workflowId);
		sleep(Duration.ofMillis(500));
		assertThat(detail(workflowId).stepsCompleted()).isEqualTo(stopped.stepsCompleted());
		assertThat(stopped.status()).isEqualTo(WorkflowStatus.CANCELLED);
		assertThat(stopped.stepsCompleted()).isBetween(3, 39);
		int reached = stopped.stepsCompleted();

		WorkflowSummary resumed = post("/api/workflows/{id}/resume", workflowId);
		assertThat(resumed.status()).isIn(WorkflowStatus.ENQUEUED, WorkflowStatus.PENDING, WorkflowStatus.SUCCESS);
		WorkflowDetail done = awaitDetail(workflowId, (w) -> w.status() == WorkflowStatus.SUCCESS);
		assertThat(done.stepsCompleted()).isEqualTo(40);
		// every step is recorded once: the resumed run replayed steps 1..reached from their checkpoints
		assertThat(done.steps()).filteredOn((step) -> step.stepName().equals("step")).hasSize(40);
		assertThat(output.getOut().lines().filter((line) -> line.equals("Step 1 completed"))).hasSize(1);
		assertThat(output.getOut().lines().filter((line) -> line.equals("Step " + reached + " completed")))
			.hasSize(1);
	}

	@Test
	void cancelOfACompletedWorkflowChangesNothingAndResumeIsAConflict() {
		String workflowId = start(Map.of("num_steps", 1));
		awaitDetail(workflowId, (w) -> w.status() == WorkflowStatus.SUCCESS);

		assertThat(post("/api/workflows/{id}/cancel", workflowId).status()).isEqualTo(WorkflowStatus.SUCCESS);
		ApiError error = this.client.post()
			.uri("/api/workflows/{id}/resume", workflowId)
			.exchange()
			.expectStatus()
			.isEqualTo(409)
			.expectBody(ApiError.class)
			.returnResult()
			.getResponseBody();
		assertThat(error.message()).contains("completed successfully");
	}

	@Test
	void unknownWorkflowIdIsNotFoundWithAJsonError() {
		ApiError notFound = this.client.get()
			.uri("/api/workflows/no-such-workflow")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectBody(ApiError.class)
			.returnResult()
			.getResponseBody();
		assertThat(notFound).isEqualTo(new ApiError(404, "Not Found", "No workflow with ID 'no-such-workflow'"));
		for (String action : List.of("cancel", "resume")) {
			ApiError error = this.client.post()
				.uri("/api/workflows/no-such-workflow/" + action)
				.exchange()
				.expectStatus()
				.isNotFound()
				.expectBody(ApiError.class)
				.returnResult()
				.getResponseBody();
			assertThat(error.message()).contains("no-such-workflow");
		}
	}

	@Test
	void postRejectsANumStepsOutOfRange() {
		for (int numSteps : new int[] { 0, WorkflowController.MAX_NUM_STEPS + 1 }) {
			ApiError error = this.client.post()
				.uri("/api/workflows")
				.contentType(MediaType.APPLICATION_JSON)
				.body(Map.of("num_steps", numSteps))
				.exchange()
				.expectStatus()
				.isBadRequest()
				.expectBody(ApiError.class)
				.returnResult()
				.getResponseBody();
			assertThat(error.message()).contains("num_steps must be between 1 and " + WorkflowController.MAX_NUM_STEPS);
		}
	}

	@Test
	void rootServesTheProgressPage() {
		String page = this.client.get()
			.uri("/")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(page).contains("<title>DBOS Spring Boot sample: queue worker</title>", "<script src=\"app.js\">");

		String script = this.client.get()
			.uri("/app.js")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(script).contains("fetch('api/workflows')");
	}

	@Test
	void healthEndpointIsUp() {
		this.client.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP");
	}

	@Test
	void dbosActuatorEndpointShowsTheQueueAndTheExecutor() {
		this.client.get()
			.uri("/actuator/dbos")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.executorId").isEqualTo("sample-all")
			.jsonPath("$.queues[?(@.name == 'workflow-queue')].workerConcurrency").isEqualTo(List.of(10));
		// read-only
		this.client.post().uri("/actuator/dbos").exchange().expectStatus().is4xxClientError();
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private String start(@Nullable Map<String, Object> body) {
		var request = this.client.post().uri("/api/workflows");
		if (body != null) {
			request.contentType(MediaType.APPLICATION_JSON).body(body);
		}
		return request.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody(StartResponse.class)
			.returnResult()
			.getResponseBody()
			.workflowId();
	}

	private WorkflowSummary post(String uri, String workflowId) {
		return this.client.post()
			.uri(uri, workflowId)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(WorkflowSummary.class)
			.returnResult()
			.getResponseBody();
	}

	private WorkflowDetail detail(String workflowId) {
		return this.client.get()
			.uri("/api/workflows/{id}", workflowId)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(WorkflowDetail.class)
			.returnResult()
			.getResponseBody();
	}

	private WorkflowSummary summary(String workflowId) {
		return list().stream()
			.filter((workflow) -> workflow.workflowId().equals(workflowId))
			.findFirst()
			.orElseThrow();
	}

	private List<WorkflowSummary> list() {
		return this.client.get()
			.uri("/api/workflows")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(new ParameterizedTypeReference<List<WorkflowSummary>>() {
			})
			.returnResult()
			.getResponseBody();
	}

	private WorkflowSummary awaitSummary(String workflowId, Predicate<WorkflowSummary> condition) {
		return await().atMost(TIMEOUT).until(() -> summary(workflowId), condition::test);
	}

	private WorkflowDetail awaitDetail(String workflowId, Predicate<WorkflowDetail> condition) {
		return await().atMost(TIMEOUT).until(() -> detail(workflowId), condition::test);
	}

}
