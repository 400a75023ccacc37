package io.github.dbosspring.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

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
 * The sample's REST API, served on a random port, against a real PostgreSQL.
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
	void postStartsAWorkflowThatRunsEveryStepToSuccess(CapturedOutput output) {
		String workflowId = this.client.post()
			.uri("/api/workflows")
			.contentType(MediaType.APPLICATION_JSON)
			.body(Map.of("numSteps", 3))
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectHeader()
			.valueMatches("Location", "/api/workflows/.+")
			.expectBody(StartResponse.class)
			.returnResult()
			.getResponseBody()
			.workflowId();

		WorkflowDetail workflow = awaitCompletion(workflowId);
		assertThat(workflow.status()).isEqualTo(WorkflowStatus.SUCCESS);
		assertThat(workflow.workflowName()).isEqualTo(QueueWorker.WORKFLOW_NAME);
		assertThat(workflow.numSteps()).isEqualTo(3);
		assertThat(workflow.stepsCompleted()).isEqualTo(3);
		assertThat(workflow.output()).isEqualTo("3");
		assertThat(workflow.executorId()).isEqualTo("sample-worker");
		assertThat(workflow.steps()).extracting(StepView::stepId).containsExactly(0, 1, 2);
		assertThat(workflow.steps()).extracting(StepView::stepName).containsOnly("step");
		assertThat(workflow.steps()).extracting(StepView::output).containsExactly("1", "2", "3");
		assertThat(output.getOut()).contains("Step 1 completed", "Step 2 completed", "Step 3 completed");
	}

	@Test
	void postWithoutBodyStartsTenSteps() {
		String workflowId = start("/api/workflows");

		WorkflowDetail workflow = awaitCompletion(workflowId);
		assertThat(workflow.status()).isEqualTo(WorkflowStatus.SUCCESS);
		assertThat(workflow.numSteps()).isEqualTo(WorkflowController.DEFAULT_NUM_STEPS);
		assertThat(workflow.stepsCompleted()).isEqualTo(WorkflowController.DEFAULT_NUM_STEPS);
	}

	@Test
	void postTakesNumStepsFromTheQueryString() {
		String workflowId = start("/api/workflows?numSteps=2");

		assertThat(awaitCompletion(workflowId).stepsCompleted()).isEqualTo(2);
	}

	@Test
	void postWithAKnownWorkflowIdReturnsTheExistingWorkflowWithoutStartingAnother() {
		String first = start("/api/workflows?numSteps=2&workflowId=job-42");
		String second = start("/api/workflows?numSteps=5&workflowId=job-42");

		assertThat(first).isEqualTo("job-42");
		assertThat(second).isEqualTo("job-42");
		WorkflowDetail workflow = awaitCompletion("job-42");
		assertThat(workflow.numSteps()).isEqualTo(2);
		assertThat(workflow.steps()).hasSize(2);
		assertThat(list()).filteredOn((summary) -> summary.workflowId().equals("job-42")).hasSize(1);
	}

	@Test
	void listShowsWorkflowsNewestFirstWithTheirProgress() {
		String older = start("/api/workflows?numSteps=1");
		awaitCompletion(older);
		String newer = start("/api/workflows?numSteps=2");
		awaitCompletion(newer);

		List<WorkflowSummary> workflows = list();
		assertThat(workflows).extracting(WorkflowSummary::workflowId).containsSubsequence(newer, older);
		assertThat(workflows).isSortedAccordingTo((a, b) -> b.createdAt().compareTo(a.createdAt()));
		WorkflowSummary summary = workflows.stream().filter((w) -> w.workflowId().equals(newer)).findFirst().get();
		assertThat(summary.status()).isEqualTo(WorkflowStatus.SUCCESS);
		assertThat(summary.stepsCompleted()).isEqualTo(2);
		assertThat(summary.numSteps()).isEqualTo(2);
	}

	@Test
	void postRejectsANumStepsOutOfRange() {
		this.client.post().uri("/api/workflows?numSteps=0").exchange().expectStatus().isBadRequest();
		this.client.post()
			.uri("/api/workflows")
			.contentType(MediaType.APPLICATION_JSON)
			.body(Map.of("numSteps", WorkflowController.MAX_NUM_STEPS + 1))
			.exchange()
			.expectStatus()
			.isBadRequest();
	}

	@Test
	void getOfAnUnknownWorkflowIsNotFound() {
		this.client.get().uri("/api/workflows/no-such-workflow").exchange().expectStatus().isNotFound();
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

		assertThat(page).contains("<title>DBOS Spring Boot sample: queue worker</title>", "fetch('api/workflows'");
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

	private String start(String uri) {
		return this.client.post()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody(StartResponse.class)
			.returnResult()
			.getResponseBody()
			.workflowId();
	}

	private WorkflowDetail get(String workflowId) {
		return this.client.get()
			.uri("/api/workflows/{id}", workflowId)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(WorkflowDetail.class)
			.returnResult()
			.getResponseBody();
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

	private WorkflowDetail awaitCompletion(String workflowId) {
		return await().atMost(TIMEOUT)
			.until(() -> get(workflowId), (workflow) -> workflow.status() != WorkflowStatus.PENDING);
	}

}
