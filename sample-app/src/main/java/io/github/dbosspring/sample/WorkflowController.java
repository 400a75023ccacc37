package io.github.dbosspring.sample;

import java.net.URI;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.StepInfo;
import io.github.dbosspring.workflow.WorkflowHandle;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowOptions;
import io.github.dbosspring.workflow.WorkflowQuery;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Starts queue-worker workflows and reports their progress.
 *
 * <pre class="code">
 * curl -X POST localhost:8080/api/workflows -H 'Content-Type: application/json' -d '{"numSteps": 5}'
 * curl localhost:8080/api/workflows
 * </pre>
 *
 * @since 0.1.0
 */
@RestController
@RequestMapping("/api/workflows")
public class WorkflowController {

	/** Steps of a workflow started without {@code numSteps}. */
	public static final int DEFAULT_NUM_STEPS = 10;

	/** The largest accepted {@code numSteps}. */
	public static final int MAX_NUM_STEPS = 1000;

	private final Dbos dbos;

	private final QueueWorker queueWorker;

	private final JsonMapper jsonMapper;

	public WorkflowController(Dbos dbos, QueueWorker queueWorker, JsonMapper jsonMapper) {
		this.dbos = dbos;
		this.queueWorker = queueWorker;
		this.jsonMapper = jsonMapper;
	}

	/**
	 * Starts a queue-worker workflow in the background. The workflow is recorded before
	 * the response is sent. With a {@code workflowId} that was used before, nothing new
	 * starts and the existing workflow's ID is returned.
	 * @param body optional {@code {"numSteps": n, "workflowId": "..."}}
	 * @param numSteps the number of steps, when not given in the body
	 * @param workflowId the workflow ID (idempotency key), when not given in the body
	 * @return the workflow ID
	 */
	@PostMapping
	public ResponseEntity<StartResponse> start(@RequestBody(required = false) @Nullable StartRequest body,
			@RequestParam(required = false) @Nullable Integer numSteps,
			@RequestParam(required = false) @Nullable String workflowId) {
		int steps = firstNonNull((body != null) ? body.numSteps() : null, numSteps, DEFAULT_NUM_STEPS);
		if (steps < 1 || steps > MAX_NUM_STEPS) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
					"numSteps must be between 1 and " + MAX_NUM_STEPS + ", was " + steps);
		}
		String id = (body != null && body.workflowId() != null) ? body.workflowId() : workflowId;
		if (id != null && id.isBlank()) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "workflowId must not be blank");
		}
		WorkflowOptions options = (id != null) ? WorkflowOptions.withId(id) : WorkflowOptions.defaults();
		WorkflowHandle<Integer> handle = this.dbos.start(options, () -> this.queueWorker.run(steps));
		return ResponseEntity.accepted()
			.location(URI.create("/api/workflows/" + handle.getWorkflowId()))
			.body(new StartResponse(handle.getWorkflowId()));
	}

	/**
	 * Lists the most recent workflows, newest first.
	 * @return the workflows and their progress
	 */
	@GetMapping
	public List<WorkflowSummary> list() {
		return this.dbos.listWorkflows(WorkflowQuery.all())
			.stream()
			.map((workflow) -> summarize(workflow, this.dbos.listSteps(workflow.workflowId())))
			.toList();
	}

	/**
	 * One workflow with its recorded steps.
	 * @param workflowId the workflow ID
	 * @return the workflow
	 */
	@GetMapping("/{workflowId}")
	public WorkflowDetail get(@PathVariable String workflowId) {
		WorkflowInfo workflow = this.dbos.getWorkflow(workflowId)
			.orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
					"No workflow with ID '" + workflowId + "'"));
		List<StepInfo> steps = this.dbos.listSteps(workflowId);
		List<StepView> stepViews = steps.stream()
			.map((step) -> new StepView(step.stepId(), step.stepName(), step.output(), step.errorClass(),
					step.errorMessage(), step.startedAt(), step.completedAt()))
			.toList();
		return new WorkflowDetail(workflow.workflowId(), workflow.status(), workflow.createdAt(), steps.size(),
				numSteps(workflow), workflow.workflowName(), workflow.output(), workflow.errorClass(),
				workflow.errorMessage(), workflow.executorId(), workflow.recoveryAttempts(), workflow.completedAt(),
				stepViews);
	}

	private WorkflowSummary summarize(WorkflowInfo workflow, List<StepInfo> steps) {
		return new WorkflowSummary(workflow.workflowId(), workflow.status(), workflow.createdAt(), steps.size(),
				numSteps(workflow));
	}

	/** The workflow's first argument, read from its stored inputs (a JSON array). */
	private @Nullable Integer numSteps(WorkflowInfo workflow) {
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

	private static int firstNonNull(@Nullable Integer first, @Nullable Integer second, int fallback) {
		return (first != null) ? first : (second != null) ? second : fallback;
	}

	/**
	 * The optional body of a start request.
	 *
	 * @param numSteps the number of steps
	 * @param workflowId the workflow ID (idempotency key)
	 */
	public record StartRequest(@Nullable Integer numSteps, @Nullable String workflowId) {
	}

	/**
	 * The answer to a start request.
	 *
	 * @param workflowId the started (or existing) workflow's ID
	 */
	public record StartResponse(String workflowId) {
	}

	/**
	 * A workflow and its progress.
	 *
	 * @param workflowId the workflow ID
	 * @param status the workflow's status
	 * @param createdAt when it was started
	 * @param stepsCompleted how many steps are recorded
	 * @param numSteps how many steps it runs in all, if it is a queue-worker workflow
	 */
	public record WorkflowSummary(String workflowId, WorkflowStatus status, Instant createdAt, int stepsCompleted,
			@Nullable Integer numSteps) {
	}

	/**
	 * A workflow with its recorded steps.
	 *
	 * @param workflowId the workflow ID
	 * @param status the workflow's status
	 * @param createdAt when it was started
	 * @param stepsCompleted how many steps are recorded
	 * @param numSteps how many steps it runs in all, if it is a queue-worker workflow
	 * @param workflowName the workflow's name
	 * @param output the result as JSON, once it succeeded
	 * @param errorClass the exception class, once it failed
	 * @param errorMessage the exception message, once it failed
	 * @param executorId the executor that runs (or last ran) it
	 * @param recoveryAttempts how many times it was recovered after a crash
	 * @param completedAt when it reached a final state
	 * @param steps its recorded steps, in order
	 */
	public record WorkflowDetail(String workflowId, WorkflowStatus status, Instant createdAt, int stepsCompleted,
			@Nullable Integer numSteps, String workflowName, @Nullable String output, @Nullable String errorClass, @Nullable String errorMessage,
			@Nullable String executorId, int recoveryAttempts, @Nullable Instant completedAt, List<StepView> steps) {
	}

	/**
	 * A recorded step.
	 *
	 * @param stepId the step's position in the workflow, from 0
	 * @param stepName the step's name
	 * @param output the recorded output as JSON
	 * @param errorClass the recorded exception class, when the step failed
	 * @param errorMessage the recorded exception message, when the step failed
	 * @param startedAt when the step body started
	 * @param completedAt when its checkpoint was written
	 */
	public record StepView(int stepId, String stepName, @Nullable String output, @Nullable String errorClass,
			@Nullable String errorMessage, @Nullable Instant startedAt, Instant completedAt) {
	}

}
