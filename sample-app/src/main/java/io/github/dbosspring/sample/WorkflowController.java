package io.github.dbosspring.sample;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.github.dbosspring.client.DbosClient;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.workflow.DbosException;
import io.github.dbosspring.workflow.StepInfo;
import io.github.dbosspring.workflow.WorkflowHandle;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowNotFoundException;
import io.github.dbosspring.workflow.WorkflowQuery;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The web server's REST API: enqueues the worker's {@code queueWorkflow} by name and shows
 * every workflow's status and progress. It uses only the {@link DbosClient}, so it works
 * in a process that does not define the workflow ({@code sample.role=web}). JSON fields
 * are snake_case.
 *
 * <pre class="code">
 * curl -X POST localhost:8080/api/workflows -H 'Content-Type: application/json' -d '{"num_steps": 5}'
 * curl localhost:8080/api/workflows
 * curl localhost:8080/api/workflows/{id}
 * curl -X POST localhost:8080/api/workflows/{id}/cancel
 * curl -X POST localhost:8080/api/workflows/{id}/resume
 * </pre>
 *
 * @since 0.1.0
 */
@RestController
@RequestMapping("/api/workflows")
@ConditionalOnSampleRole(SampleRole.WEB)
public class WorkflowController {

	/** Steps of a workflow enqueued without {@code num_steps}. */
	public static final int DEFAULT_NUM_STEPS = 10;

	/** The largest accepted {@code num_steps}. */
	public static final int MAX_NUM_STEPS = 1000;

	/** The largest accepted {@code limit} of a listing. */
	public static final int MAX_LIMIT = 1000;

	private final DbosClient client;

	private final JsonMapper jsonMapper;

	public WorkflowController(DbosClient client, JsonMapper jsonMapper) {
		this.client = client;
		this.jsonMapper = jsonMapper;
	}

	/**
	 * Enqueues {@code queueWorkflow} on {@code workflow-queue}; a worker runs it. The job
	 * is recorded before the response is sent. With a {@code workflow_id} that was used
	 * before, nothing new is enqueued and the existing workflow's ID is returned.
	 * @param body optional {@code {"num_steps": n, "workflow_id": "..."}} ({@code numSteps}
	 * and {@code workflowId} are accepted too)
	 * @return 202 with the workflow ID, and its URL as {@code Location}
	 */
	@PostMapping
	public ResponseEntity<StartResponse> start(@RequestBody(required = false) @Nullable StartRequest body) {
		int numSteps = (body != null && body.numSteps() != null) ? body.numSteps() : DEFAULT_NUM_STEPS;
		if (numSteps < 1 || numSteps > MAX_NUM_STEPS) {
			throw new InvalidRequestException(
					"num_steps must be between 1 and " + MAX_NUM_STEPS + ", was " + numSteps);
		}
		String workflowId = (body != null) ? body.workflowId() : null;
		if (workflowId != null && workflowId.isBlank()) {
			throw new InvalidRequestException("workflow_id must not be blank");
		}
		EnqueueOptions options = EnqueueOptions.queue(QueueWorker.QUEUE_NAME);
		if (workflowId != null) {
			options = options.withWorkflowId(workflowId);
		}
		WorkflowHandle<Object> handle = this.client.enqueue(options, QueueWorker.WORKFLOW_NAME, numSteps);
		return ResponseEntity.accepted()
			.location(URI.create("/api/workflows/" + handle.getWorkflowId()))
			.body(new StartResponse(handle.getWorkflowId()));
	}

	/**
	 * Lists workflows, newest first, with their status and progress.
	 * @param limit the most workflows to list
	 * @return the workflows
	 */
	@GetMapping
	public List<WorkflowSummary> list(@RequestParam(defaultValue = "" + WorkflowQuery.DEFAULT_LIMIT) int limit) {
		if (limit < 1 || limit > MAX_LIMIT) {
			throw new InvalidRequestException("limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
		}
		return this.client.listWorkflows(WorkflowQuery.all().limit(limit)).stream().map(this::summarize).toList();
	}

	/**
	 * One workflow with its recorded steps.
	 * @param workflowId the workflow ID
	 * @return the workflow
	 */
	@GetMapping("/{workflowId}")
	public WorkflowDetail get(@PathVariable String workflowId) {
		WorkflowInfo workflow = find(workflowId);
		List<StepView> steps = this.client.listSteps(workflowId)
			.stream()
			.map(WorkflowController::stepView)
			.toList();
		return WorkflowDetail.of(summarize(workflow), workflow, steps);
	}

	/**
	 * Cancels a workflow that has not completed: a waiting job is not started, a running
	 * one stops at its next step. Cancelling a completed workflow changes nothing.
	 * @param workflowId the workflow ID
	 * @return the workflow as it is now
	 */
	@PostMapping("/{workflowId}/cancel")
	public WorkflowSummary cancel(@PathVariable String workflowId) {
		this.client.cancel(workflowId);
		return summarize(find(workflowId));
	}

	/**
	 * Resumes a cancelled or failed workflow: it goes back to its queue and continues from
	 * its last completed step.
	 * @param workflowId the workflow ID
	 * @return the workflow as it is now
	 */
	@PostMapping("/{workflowId}/resume")
	public WorkflowSummary resume(@PathVariable String workflowId) {
		this.client.resume(workflowId);
		return summarize(find(workflowId));
	}

	@ExceptionHandler
	ResponseEntity<ApiError> notFound(WorkflowNotFoundException ex) {
		return ApiError.of(HttpStatus.NOT_FOUND, ex.getMessage());
	}

	@ExceptionHandler
	ResponseEntity<ApiError> invalid(InvalidRequestException ex) {
		return ApiError.of(HttpStatus.BAD_REQUEST, ex.getMessage());
	}

	@ExceptionHandler({ IllegalStateException.class, DbosException.class })
	ResponseEntity<ApiError> conflict(RuntimeException ex) {
		// resume of a successful workflow, a workflow_id taken by another workflow
		return ApiError.of(HttpStatus.CONFLICT, ex.getMessage());
	}

	private WorkflowInfo find(String workflowId) {
		return this.client.getWorkflow(workflowId)
			.orElseThrow(() -> new WorkflowNotFoundException("No workflow with ID '" + workflowId + "'"));
	}

	private WorkflowSummary summarize(WorkflowInfo workflow) {
		Optional<WorkflowProgress> progress = progress(workflow.workflowId());
		int stepsCompleted = progress.map(WorkflowProgress::stepsCompleted).orElse(0);
		Integer numSteps = progress.map(WorkflowProgress::numSteps).orElseGet(() -> numStepsArgument(workflow));
		return new WorkflowSummary(workflow.workflowId(), workflow.workflowName(), workflow.status(),
				workflow.queueName(), workflow.createdAt(), workflow.updatedAt(), workflow.completedAt(),
				stepsCompleted, numSteps, workflow.errorMessage());
	}

	/** The workflow's last published progress; empty until it published one. */
	private Optional<WorkflowProgress> progress(String workflowId) {
		try {
			return this.client.getEvent(workflowId, WorkflowProgress.EVENT, WorkflowProgress.class, Duration.ZERO);
		}
		catch (RuntimeException ex) {
			// an event of another shape under the same key: no progress to show
			return Optional.empty();
		}
	}

	/**
	 * The {@code numSteps} argument of a {@code queueWorkflow} that has not published its
	 * progress yet (still waiting in the queue), read from its stored inputs (a JSON
	 * array).
	 */
	private @Nullable Integer numStepsArgument(WorkflowInfo workflow) {
		if (!QueueWorker.WORKFLOW_NAME.equals(workflow.workflowName()) || workflow.inputs() == null) {
			return null;
		}
		try {
			JsonNode first = this.jsonMapper.readTree(workflow.inputs()).path(0);
			return first.isInt() ? first.intValue() : null;
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private static StepView stepView(StepInfo step) {
		String error = (step.errorClass() != null) ? step.errorClass() + ": " + step.errorMessage() : null;
		return new StepView(step.stepId(), step.stepName(), step.output(), error, step.startedAt(),
				step.completedAt());
	}

	/**
	 * The optional body of an enqueue request.
	 *
	 * @param numSteps the number of steps
	 * @param workflowId the workflow ID (idempotency key)
	 */
	public record StartRequest(@JsonProperty("num_steps") @JsonAlias("numSteps") @Nullable Integer numSteps,
			@JsonProperty("workflow_id") @JsonAlias("workflowId") @Nullable String workflowId) {
	}

	/**
	 * The answer to an enqueue request.
	 *
	 * @param workflowId the enqueued (or existing) workflow's ID
	 */
	public record StartResponse(@JsonProperty("workflow_id") String workflowId) {
	}

	/**
	 * A workflow and its progress.
	 *
	 * @param workflowId the workflow ID
	 * @param workflowName the workflow's name
	 * @param status its status
	 * @param queueName the queue it was enqueued on
	 * @param createdAt when it was enqueued
	 * @param updatedAt when its status last changed
	 * @param completedAt when it reached a final state
	 * @param stepsCompleted completed steps, from its {@code workflow_progress} event (0
	 * before the first)
	 * @param numSteps its number of steps, from the event (or its argument while it waits
	 * in the queue); {@code null} for other workflows
	 * @param error the error message, when it failed or was cancelled
	 */
	public record WorkflowSummary(@JsonProperty("workflow_id") String workflowId,
			@JsonProperty("workflow_name") String workflowName, @JsonProperty("status") WorkflowStatus status,
			@JsonProperty("queue_name") @Nullable String queueName, @JsonProperty("created_at") Instant createdAt,
			@JsonProperty("updated_at") Instant updatedAt, @JsonProperty("completed_at") @Nullable Instant completedAt,
			@JsonProperty("steps_completed") int stepsCompleted, @JsonProperty("num_steps") @Nullable Integer numSteps,
			@JsonProperty("error") @Nullable String error) {
	}

	/**
	 * A workflow with its progress and recorded steps: the fields of
	 * {@link WorkflowSummary} and a few more.
	 *
	 * @param workflowId the workflow ID
	 * @param workflowName the workflow's name
	 * @param status its status
	 * @param queueName the queue it was enqueued on
	 * @param createdAt when it was enqueued
	 * @param updatedAt when its status last changed
	 * @param completedAt when it reached a final state
	 * @param stepsCompleted completed steps, from its {@code workflow_progress} event
	 * @param numSteps its number of steps; {@code null} for other workflows
	 * @param error the error message, when it failed or was cancelled
	 * @param output its result as JSON, once it succeeded
	 * @param executorId the executor that runs (or last ran) it
	 * @param attempt the job's current (or last) attempt, from 1
	 * @param recoveryAttempts how many times it was recovered after a crash
	 * @param steps its recorded steps, in order (the {@code step} calls and the
	 * {@code DBOS.setEvent} calls that published the progress)
	 */
	public record WorkflowDetail(@JsonProperty("workflow_id") String workflowId,
			@JsonProperty("workflow_name") String workflowName, @JsonProperty("status") WorkflowStatus status,
			@JsonProperty("queue_name") @Nullable String queueName, @JsonProperty("created_at") Instant createdAt,
			@JsonProperty("updated_at") Instant updatedAt, @JsonProperty("completed_at") @Nullable Instant completedAt,
			@JsonProperty("steps_completed") int stepsCompleted, @JsonProperty("num_steps") @Nullable Integer numSteps,
			@JsonProperty("error") @Nullable String error, @JsonProperty("output") @Nullable String output,
			@JsonProperty("executor_id") @Nullable String executorId, @JsonProperty("attempt") int attempt,
			@JsonProperty("recovery_attempts") int recoveryAttempts, @JsonProperty("steps") List<StepView> steps) {

		static WorkflowDetail of(WorkflowSummary summary, WorkflowInfo workflow, List<StepView> steps) {
			return new WorkflowDetail(summary.workflowId(), summary.workflowName(), summary.status(),
					summary.queueName(), summary.createdAt(), summary.updatedAt(), summary.completedAt(),
					summary.stepsCompleted(), summary.numSteps(), summary.error(), workflow.output(),
					workflow.executorId(), workflow.attempt(), workflow.recoveryAttempts(), steps);
		}

	}

	/**
	 * A recorded step.
	 *
	 * @param stepId the step's position in the workflow, from 0
	 * @param stepName the step's name
	 * @param output the recorded output as JSON
	 * @param error the recorded exception, when the step failed
	 * @param startedAt when the step body started
	 * @param completedAt when its checkpoint was written
	 */
	public record StepView(@JsonProperty("step_id") int stepId, @JsonProperty("step_name") String stepName,
			@JsonProperty("output") @Nullable String output, @JsonProperty("error") @Nullable String error,
			@JsonProperty("started_at") @Nullable Instant startedAt,
			@JsonProperty("completed_at") Instant completedAt) {
	}

	/**
	 * An error answer: {@code {"status": 404, "error": "Not Found", "message": "..."}}.
	 *
	 * @param status the HTTP status code
	 * @param error the HTTP status text
	 * @param message what went wrong
	 */
	public record ApiError(@JsonProperty("status") int status, @JsonProperty("error") String error,
			@JsonProperty("message") String message) {

		static ResponseEntity<ApiError> of(HttpStatus status, @Nullable String message) {
			return ResponseEntity.status(status)
				.body(new ApiError(status.value(), status.getReasonPhrase(), String.valueOf(message)));
		}

	}

	/**
	 * A request the API rejects with 400.
	 */
	static class InvalidRequestException extends RuntimeException {

		InvalidRequestException(String message) {
			super(message);
		}

	}

}
