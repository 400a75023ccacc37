package io.github.dbosspring.actuate.endpoint;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.queue.Queue;
import io.github.dbosspring.queue.QueueRegistry;
import io.github.dbosspring.store.ExecutorRepository;
import io.github.dbosspring.store.QueueRepository;
import io.github.dbosspring.store.QueueRepository.FailedAttempt;
import io.github.dbosspring.store.StepOutputRepository;
import io.github.dbosspring.store.WorkflowEventRepository;
import io.github.dbosspring.store.WorkflowStatusRepository;
import io.github.dbosspring.store.WorkflowStatusRepository.StatusCount;
import io.github.dbosspring.workflow.StepInfo;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowQuery;
import io.github.dbosspring.workflow.WorkflowStatus;
import io.github.dbosspring.workflow.support.WorkflowEngine;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@code /actuator/dbos}: durable work at a glance. The root is a summary (counts by status
 * overall and per queue, queue limits and backlog, the oldest waiting or running
 * workflow's age, executors and their heartbeats); {@code /workflows} lists workflows with
 * the client's filters ({@code status}, {@code queue}, {@code name}, {@code limit},
 * {@code offset}; newest first); {@code /workflows/{id}} shows one with its steps, events
 * and failed attempts; {@code /dead-letters} lists dead letters.
 *
 * <p>Workflow inputs, outputs, error messages and event values are shown only as
 * {@code dbos.actuator.show-values} allows (default {@code never}), like Boot's own
 * {@code show-values}.
 *
 * <p>Write operations ({@code POST /workflows/{id}/cancel}, {@code /resume},
 * {@code /fork?fromStep=N}, {@code /dead-letters/{id}/replay}) need
 * {@code management.endpoint.dbos.access=unrestricted}; each is idempotent, works on one
 * workflow by ID, and is logged as an audit line (logger {@code io.github.dbosspring.audit}).
 *
 * @since 0.2.0
 */
@Endpoint(id = "dbos", defaultAccess = org.springframework.boot.actuate.endpoint.Access.READ_ONLY)
public class DbosEndpoint {

	static final String HIDDEN = "******";

	private static final int MAX_LIMIT = 500;

	private final WorkflowEngine engine;

	private final WorkflowStatusRepository workflows;

	private final StepOutputRepository steps;

	private final WorkflowEventRepository events;

	private final QueueRepository queues;

	private final ExecutorRepository executors;

	private final QueueRegistry queueRegistry;

	private final Show showValues;

	private final Set<String> roles;

	public DbosEndpoint(WorkflowEngine engine, WorkflowStatusRepository workflows, StepOutputRepository steps,
			WorkflowEventRepository events, QueueRepository queues, ExecutorRepository executors,
			QueueRegistry queueRegistry, Show showValues, Set<String> roles) {
		this.engine = engine;
		this.workflows = workflows;
		this.steps = steps;
		this.events = events;
		this.queues = queues;
		this.executors = executors;
		this.queueRegistry = queueRegistry;
		this.showValues = showValues;
		this.roles = roles;
	}

	@ReadOperation
	public Summary summary() {
		Map<String, Long> total = new TreeMap<>();
		Map<String, Map<String, Long>> byQueue = new TreeMap<>();
		for (StatusCount count : this.workflows.countByQueueAndStatus()) {
			total.merge(count.status().name(), count.count(), Long::sum);
			if (!count.queueName().isEmpty()) {
				byQueue.computeIfAbsent(count.queueName(), (key) -> new TreeMap<>())
					.put(count.status().name(), count.count());
			}
		}
		List<QueueView> queueViews = new ArrayList<>();
		Map<String, Queue> declared = new TreeMap<>();
		for (Queue queue : this.queueRegistry.all()) {
			declared.put(queue.name(), queue);
		}
		Set<String> names = new java.util.TreeSet<>(declared.keySet());
		names.addAll(byQueue.keySet());
		for (String name : names) {
			Queue queue = declared.get(name);
			Map<String, Long> counts = byQueue.getOrDefault(name, Map.of());
			queueViews.add(new QueueView(name, queue != null, (queue != null) ? queue.concurrency() : null,
					(queue != null) ? queue.workerConcurrency() : null, (queue != null) ? queue.limit() : null,
					(queue != null && queue.limit() != null) ? queue.period() : null,
					queue != null && queue.priorityEnabled(), queue != null && queue.partitioned(),
					(queue != null) ? queue.maxAttempts() : null, counts.getOrDefault(WorkflowStatus.ENQUEUED.name(), 0L),
					counts.getOrDefault(WorkflowStatus.PENDING.name(), 0L), counts));
		}
		List<ExecutorView> executorViews = this.executors.findAll()
			.stream()
			.map((executor) -> new ExecutorView(executor.executorId(), executor.hostname(),
					executor.applicationVersion(), executor.startedAt(), executor.lastHeartbeat(),
					Math.round(executor.heartbeatAgeSeconds() * 1000) / 1000.0))
			.toList();
		return new Summary(this.engine.getApplicationVersion(), this.engine.getExecutorId(), total, queueViews,
				this.workflows.oldestPendingAgeSeconds().orElse(null), executorViews);
	}

	/**
	 * {@code /workflows} or {@code /dead-letters}, with filters and paging.
	 */
	@ReadOperation
	public @Nullable WorkflowList section(@Selector String section, SecurityContext securityContext,
			@Nullable String status, @Nullable String queue, @Nullable String name, @Nullable Integer limit,
			@Nullable Integer offset) {
		WorkflowQuery query = WorkflowQuery.all().withQueue(queue).withName(name);
		if ("dead-letters".equals(section)) {
			query = query.withStatus(WorkflowStatus.DEAD_LETTER);
		}
		else if (!"workflows".equals(section)) {
			return null;
		}
		else if (status != null) {
			query = query.withStatus(parseStatuses(status));
		}
		int pageSize = Math.max(1, Math.min((limit != null) ? limit : 50, MAX_LIMIT));
		int pageStart = Math.max(0, (offset != null) ? offset : 0);
		boolean show = showValues(securityContext);
		List<WorkflowView> page = this.workflows.list(query.limit(pageSize).offset(pageStart))
			.stream()
			.map((info) -> WorkflowView.of(info, show))
			.toList();
		return new WorkflowList(pageSize, pageStart, page);
	}

	private static WorkflowStatus[] parseStatuses(String text) {
		List<WorkflowStatus> statuses = new ArrayList<>();
		for (String part : text.split(",")) {
			try {
				statuses.add(WorkflowStatus.valueOf(part.trim().toUpperCase(java.util.Locale.ROOT)));
			}
			catch (IllegalArgumentException ex) {
				throw new org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException(
						"Unknown status '" + part + "'; use one of " + java.util.Arrays.toString(WorkflowStatus.values()),
						"Unknown status");
			}
		}
		return statuses.toArray(WorkflowStatus[]::new);
	}

	/**
	 * {@code /workflows/{id}}: one workflow with its steps, events and failed attempts.
	 */
	@ReadOperation
	public @Nullable WorkflowDetail workflow(@Selector String section, @Selector String workflowId,
			SecurityContext securityContext) {
		if (!"workflows".equals(section) && !"dead-letters".equals(section)) {
			return null;
		}
		WorkflowInfo info = this.workflows.find(workflowId).orElse(null);
		if (info == null) {
			return null;
		}
		boolean show = showValues(securityContext);
		List<StepView> stepViews = this.steps.findAll(workflowId).stream().map((step) -> StepView.of(step, show)).toList();
		Map<String, @Nullable String> eventViews = new LinkedHashMap<>();
		this.events.findAll(workflowId).forEach((key, value) -> eventViews.put(key, show ? value : HIDDEN));
		List<AttemptView> attempts = this.queues.attempts(workflowId)
			.stream()
			.map((attempt) -> AttemptView.of(attempt, show))
			.toList();
		return new WorkflowDetail(WorkflowView.of(info, show), stepViews, eventViews, attempts);
	}

	private static final org.apache.commons.logging.Log audit = org.apache.commons.logging.LogFactory
		.getLog("io.github.dbosspring.audit");

	/**
	 * {@code POST /workflows/{id}/{action}}: {@code cancel}, {@code resume} or {@code fork}
	 * (with {@code fromStep}); {@code POST /dead-letters/{id}/replay}.
	 */
	@org.springframework.boot.actuate.endpoint.annotation.WriteOperation
	public @Nullable ControlResult control(@Selector String section, @Selector String workflowId,
			@Selector String action, SecurityContext securityContext, @Nullable Integer fromStep) {
		if (this.workflows.find(workflowId).isEmpty()) {
			return null;
		}
		String principal = (securityContext.getPrincipal() != null) ? securityContext.getPrincipal().getName()
				: "anonymous";
		ControlResult result;
		if ("workflows".equals(section) && "cancel".equals(action)) {
			boolean cancelled = this.engine.cancel(workflowId);
			result = new ControlResult(workflowId, action, cancelled ? "cancelled" : "unchanged (already completed)",
					null);
		}
		else if ("workflows".equals(section) && "resume".equals(action)) {
			try {
				this.engine.resume(workflowId);
				result = new ControlResult(workflowId, action, "resumed", null);
			}
			catch (IllegalStateException ex) {
				result = new ControlResult(workflowId, action, "unchanged (" + ex.getMessage() + ")", null);
			}
		}
		else if ("workflows".equals(section) && "fork".equals(action)) {
			int step = (fromStep != null) ? fromStep : 0;
			String forkId = this.engine.fork(workflowId, step, null, null).getWorkflowId();
			result = new ControlResult(workflowId, action, "forked from step " + step, forkId);
		}
		else if ("dead-letters".equals(section) && "replay".equals(action)) {
			try {
				this.engine.replayDeadLetter(workflowId);
				result = new ControlResult(workflowId, action, "replayed", null);
			}
			catch (IllegalStateException ex) {
				result = new ControlResult(workflowId, action, "unchanged (" + ex.getMessage() + ")", null);
			}
		}
		else {
			throw new org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException(
					"Unknown operation '" + section + "/" + action + "'; use workflows/{id}/cancel, resume, fork or "
							+ "dead-letters/{id}/replay", "Unknown operation");
		}
		audit.info("actuator dbos: " + action + " of workflow '" + workflowId + "' by " + principal + ": "
				+ result.outcome() + ((result.newWorkflowId() != null) ? " as '" + result.newWorkflowId() + "'" : ""));
		return result;
	}

	/**
	 * The outcome of a write operation.
	 * @param newWorkflowId the new workflow, for a fork
	 */
	public record ControlResult(String workflowId, String operation, String outcome, @Nullable String newWorkflowId)
			implements OperationResponseBody {
	}

	private boolean showValues(SecurityContext securityContext) {
		return this.showValues.isShown(securityContext, this.roles);
	}

	private static @Nullable String mask(@Nullable String value, boolean show) {
		return (value == null || show) ? value : HIDDEN;
	}

	/**
	 * The summary.
	 * @param oldestPendingAgeSeconds the age of the oldest waiting or running workflow
	 */
	public record Summary(String applicationVersion, String executorId, Map<String, Long> workflowsByStatus,
			List<QueueView> queues, @Nullable Double oldestPendingAgeSeconds, List<ExecutorView> executors)
			implements OperationResponseBody {
	}

	/**
	 * A queue: its limits (when declared here), backlog and counts by status.
	 */
	public record QueueView(String name, boolean declared, @Nullable Integer concurrency,
			@Nullable Integer workerConcurrency, @Nullable Integer limit, @Nullable Duration period,
			boolean priorityEnabled, boolean partitioned, @Nullable Integer maxAttempts, long backlog, long running,
			Map<String, Long> workflowsByStatus) {
	}

	/**
	 * An executor and its heartbeat.
	 */
	public record ExecutorView(String executorId, @Nullable String hostname, @Nullable String applicationVersion,
			Instant startedAt, Instant lastHeartbeat, double heartbeatAgeSeconds) {
	}

	/**
	 * A page of workflows.
	 */
	public record WorkflowList(int limit, int offset, List<WorkflowView> workflows) implements OperationResponseBody {
	}

	/**
	 * A workflow, with values hidden unless shown.
	 */
	public record WorkflowView(String workflowId, String workflowName, WorkflowStatus status,
			@Nullable String queueName, int attempt, @Nullable Integer maxAttempts, @Nullable Integer progress,
			@Nullable String progressMessage, @Nullable String executorId, @Nullable String applicationVersion,
			int recoveryAttempts, @Nullable String parentWorkflowId, Instant createdAt, @Nullable Instant startedAt,
			@Nullable Instant completedAt, @Nullable String inputs, @Nullable String output,
			@Nullable String errorClass, @Nullable String errorMessage) {

		static WorkflowView of(WorkflowInfo info, boolean show) {
			return new WorkflowView(info.workflowId(), info.workflowName(), info.status(), info.queueName(),
					info.attempt(), info.maxAttempts(), info.progress(), mask(info.progressMessage(), show),
					info.executorId(), info.applicationVersion(), info.recoveryAttempts(), info.parentWorkflowId(),
					info.createdAt(), info.startedAt(), info.completedAt(), mask(info.inputs(), show),
					mask(info.output(), show), info.errorClass(), mask(info.errorMessage(), show));
		}

	}

	/**
	 * A workflow with its steps, events and failed attempts.
	 */
	public record WorkflowDetail(WorkflowView workflow, List<StepView> steps, Map<String, @Nullable String> events,
			List<AttemptView> attempts) implements OperationResponseBody {
	}

	/**
	 * A recorded step.
	 */
	public record StepView(int stepId, String stepName, String status, @Nullable Long durationMillis,
			@Nullable String childWorkflowId, @Nullable String output, @Nullable String errorClass,
			@Nullable String errorMessage) {

		static StepView of(StepInfo step, boolean show) {
			Long duration = (step.startedAt() != null)
					? Duration.between(step.startedAt(), step.completedAt()).toMillis() : null;
			return new StepView(step.stepId(), step.stepName(), step.failed() ? "ERROR" : "SUCCESS", duration,
					step.childWorkflowId(), mask(step.output(), show), step.errorClass(),
					mask(step.errorMessage(), show));
		}

	}

	/**
	 * A failed attempt of a job.
	 */
	public record AttemptView(int attempt, @Nullable String executorId, @Nullable String errorClass,
			@Nullable String errorMessage, @Nullable Instant startedAt, Instant failedAt) {

		static AttemptView of(FailedAttempt attempt, boolean show) {
			return new AttemptView(attempt.attempt(), attempt.executorId(), attempt.errorClass(),
					mask(attempt.errorMessage(), show), attempt.startedAt(), attempt.failedAt());
		}

	}

}
