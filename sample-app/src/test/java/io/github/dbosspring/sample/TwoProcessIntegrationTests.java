package io.github.dbosspring.sample;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import io.github.dbosspring.client.DbosClient;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.sample.WorkflowController.StartResponse;
import io.github.dbosspring.sample.WorkflowController.StepView;
import io.github.dbosspring.sample.WorkflowController.WorkflowDetail;
import io.github.dbosspring.sample.WorkflowController.WorkflowSummary;
import io.github.dbosspring.test.ChildJvm;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The two-service layout with real processes on one real PostgreSQL: a web JVM
 * ({@code sample.role=web}: REST API through the DbosClient, no workflow, no worker) and a
 * worker JVM ({@code sample.role=worker}). The worker is killed with {@code kill -9}
 * mid-run and restarted with the same executor ID; the workflow completes without
 * running its completed steps again.
 */
class TwoProcessIntegrationTests {

	private static final Pattern STEP_LINE = Pattern.compile("(?m)^Step (\\d+) completed$");

	private static final Duration STARTUP = Duration.ofSeconds(120);

	private static final int NUM_STEPS = 10;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final JsonMapper json = new JsonMapper();

	@Test
	@Timeout(240)
	void webEnqueuesByNameAndAWorkerKilledMidRunFinishesTheWorkflowAfterItsRestart() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		String base = "http://127.0.0.1:" + freePort();
		ChildJvm restarted = null;
		try (ChildJvm web = ChildJvm.start("two-process-web", SampleApplication.class, "--sample.role=web",
				"--server.port=" + URI.create(base).getPort(), "--spring.datasource.url=" + url);
				ChildJvm worker = ChildJvm.start("two-process-worker", SampleApplication.class, workerArgs(url))) {
			// logged once started (the web server's HTTP port is open by then)
			assertThat(web.awaitOutput("Sample role web:", STARTUP)).as(web.output()).isTrue();
			assertThat(worker.awaitOutput("Sample role worker:", STARTUP)).as(worker.output()).isTrue();
			assertThat(worker.output()).doesNotContain("Tomcat started");

			StartResponse started = post(base + "/api/workflows", "{\"num_steps\": " + NUM_STEPS + "}",
					StartResponse.class);
			String workflowId = started.workflowId();

			// progress reaches the web server while the worker runs the steps
			assertThat(worker.awaitOutput("Step 3 completed", Duration.ofSeconds(60))).as(worker.output()).isTrue();
			Thread.sleep(100); // into step 4 (300 ms)
			worker.kill();
			List<StepView> recordedBeforeRestart = stepCalls(get(base + "/api/workflows/" + workflowId,
					WorkflowDetail.class));
			int reached = recordedBeforeRestart.size();
			assertThat(reached).isBetween(3, NUM_STEPS - 1);
			assertThat(recordedBeforeRestart).extracting(StepView::output)
				.containsExactlyElementsOf(IntStream.rangeClosed(1, reached).mapToObj(String::valueOf).toList());
			// a step can have printed its line and been killed before its checkpoint was written
			assertThat(completedSteps(worker.output())).containsAnyElementsOf(List.of(reached, reached + 1))
				.isSubsetOf(IntStream.rangeClosed(1, reached + 1).boxed().toList());
			WorkflowSummary interrupted = summary(base, workflowId);
			assertThat(interrupted.status()).isEqualTo(WorkflowStatus.PENDING);
			assertThat(interrupted.stepsCompleted()).isBetween(reached - 1, reached);
			assertThat(interrupted.numSteps()).isEqualTo(NUM_STEPS);

			// a workflow no worker defines, enqueued by name by another client: it waits in the queue
			DbosClient client = new DbosClient(new DriverManagerDataSource(url));
			String unknownId = client.enqueue(EnqueueOptions.queue(QueueWorker.QUEUE_NAME), "noSuchWorkflow", 5)
				.getWorkflowId();

			restarted = ChildJvm.start("two-process-worker-restarted", SampleApplication.class, workerArgs(url));
			assertThat(restarted.awaitOutput("Sample role worker:", STARTUP)).as(restarted.output()).isTrue();
			WorkflowSummary done = await().atMost(Duration.ofSeconds(60))
				.until(() -> summary(base, workflowId), (w) -> w.status() == WorkflowStatus.SUCCESS);
			assertThat(done.stepsCompleted()).isEqualTo(NUM_STEPS);
			assertThat(done.numSteps()).isEqualTo(NUM_STEPS);

			// the restarted worker ran only the steps that had not completed
			Set<Integer> afterRestart = completedSteps(restarted.output());
			assertThat(afterRestart)
				.containsExactlyElementsOf(IntStream.rangeClosed(reached + 1, NUM_STEPS).boxed().toList());
			WorkflowDetail detail = get(base + "/api/workflows/" + workflowId, WorkflowDetail.class);
			List<StepView> steps = stepCalls(detail);
			assertThat(steps).extracting(StepView::output)
				.containsExactlyElementsOf(IntStream.rangeClosed(1, NUM_STEPS).mapToObj(String::valueOf).toList());
			assertThat(detail.steps()).extracting(StepView::stepId).doesNotHaveDuplicates();
			// the checkpoints of the steps run before the kill are the first worker's, unchanged
			assertThat(steps.subList(0, reached)).containsExactlyElementsOf(recordedBeforeRestart);
			assertThat(detail.executorId()).isEqualTo("sample-worker");
			assertThat(detail.output()).isEqualTo(String.valueOf(NUM_STEPS));

			// the unknown workflow is listed as waiting (the worker skips it: it does not define it)
			WorkflowSummary unknown = summary(base, unknownId);
			assertThat(unknown.status()).isEqualTo(WorkflowStatus.ENQUEUED);
			assertThat(unknown.workflowName()).isEqualTo("noSuchWorkflow");
			assertThat(unknown.queueName()).isEqualTo(QueueWorker.QUEUE_NAME);
			assertThat(unknown.stepsCompleted()).isZero();
			assertThat(unknown.numSteps()).isNull();
			assertThat(list(base)).extracting(WorkflowSummary::workflowId).containsSubsequence(unknownId, workflowId);

			// the web server ran no step itself
			assertThat(completedSteps(web.output())).isEmpty();
		}
		finally {
			if (restarted != null) {
				restarted.close();
			}
		}
	}

	private static List<StepView> stepCalls(WorkflowDetail detail) {
		return detail.steps().stream().filter((step) -> step.stepName().equals("step")).toList();
	}

	private static String[] workerArgs(String url) {
		return new String[] { "--sample.role=worker", "--spring.datasource.url=" + url, "--sample.step-duration=300ms" };
	}

	private static Set<Integer> completedSteps(String output) {
		Matcher matcher = STEP_LINE.matcher(output.replace("\r", ""));
		Set<Integer> steps = new TreeSet<>();
		while (matcher.find()) {
			steps.add(Integer.parseInt(matcher.group(1)));
		}
		return steps;
	}

	private WorkflowSummary summary(String base, String workflowId) throws Exception {
		return list(base).stream()
			.filter((workflow) -> workflow.workflowId().equals(workflowId))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No " + workflowId + " in GET /api/workflows"));
	}

	private List<WorkflowSummary> list(String base) throws Exception {
		String body = send(HttpRequest.newBuilder(URI.create(base + "/api/workflows")).GET().build(), 200);
		return this.json.readValue(body, new TypeReference<List<WorkflowSummary>>() {
		});
	}

	private <T> T get(String uri, Class<T> type) throws Exception {
		return this.json.readValue(send(HttpRequest.newBuilder(URI.create(uri)).GET().build(), 200), type);
	}

	private <T> T post(String uri, String body, Class<T> type) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create(uri))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build();
		return this.json.readValue(send(request, 202), type);
	}

	private String send(HttpRequest request, int expectedStatus) throws Exception {
		HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(request.method() + " " + request.uri() + ": " + response.body())
			.isEqualTo(expectedStatus);
		return response.body();
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
