package io.github.dbosspring.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.queue.DeduplicationException;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.QueueRegistry;
import io.github.dbosspring.serialization.DbosSerializer;
import io.github.dbosspring.serialization.DbosSerializer.ArgumentSerializationException;
import io.github.dbosspring.store.DbosSchema;
import io.github.dbosspring.store.QueueRepository;
import io.github.dbosspring.store.QueueRepository.EnqueueOutcome;
import io.github.dbosspring.store.QueueRepository.EnqueueResult;
import io.github.dbosspring.store.QueueRepository.FailedAttempt;
import io.github.dbosspring.store.QueueRepository.NewJob;
import io.github.dbosspring.store.StepOutputRepository;
import io.github.dbosspring.store.WorkflowEventRepository;
import io.github.dbosspring.store.WorkflowMessageRepository;
import io.github.dbosspring.store.WorkflowStatusRepository;
import io.github.dbosspring.workflow.DbosException;
import io.github.dbosspring.workflow.DbosSerializationException;
import io.github.dbosspring.workflow.MaxRecoveryAttemptsExceededException;
import io.github.dbosspring.workflow.PayloadTooLargeException;
import io.github.dbosspring.workflow.StepInfo;
import io.github.dbosspring.workflow.WorkflowCancelledException;
import io.github.dbosspring.workflow.WorkflowFailedException;
import io.github.dbosspring.workflow.WorkflowHandle;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowNotFoundException;
import io.github.dbosspring.workflow.WorkflowQuery;
import io.github.dbosspring.workflow.WorkflowStatus;
import io.github.dbosspring.workflow.support.PollBackoff;
import io.github.dbosspring.workflow.support.RecordedErrors;
import io.github.dbosspring.workflow.support.WorkflowTracing;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Enqueues and inspects workflows by name from a process that does not define them (a web
 * tier in front of worker services): it needs only the DBOS system database. The workflow
 * and its queue live in the worker; an enqueue of a workflow no worker defines succeeds
 * (the worker may be deployed later), shows as {@code ENQUEUED} in listings, and is
 * dead-lettered with a clear error by a worker that serves the queue but does not define
 * it, after {@code dbos.worker.unknown-workflow-grace-period}.
 *
 * <p>Auto-configured as a bean by the starter; in code without Spring Boot:
 *
 * <pre class="code">
 * DbosClient client = new DbosClient(dataSource);
 * WorkflowHandle&lt;Object&gt; handle = client.enqueue(EnqueueOptions.queue("workflow-queue"), "queueWorkflow", 10);
 * </pre>
 *
 * @since 0.2.0
 */
public class DbosClient {

	private final WorkflowStatusRepository workflows;

	private final StepOutputRepository steps;

	private final WorkflowEventRepository events;

	private final WorkflowMessageRepository messages;

	private final QueueRepository queues;

	private final io.github.dbosspring.workflow.support.WorkflowControl control;

	private final DbosSerializer serializer;

	private final @Nullable QueueRegistry queueRegistry;

	private final long maxPayloadBytes;

	private volatile WorkflowTracing tracing = WorkflowTracing.NONE;

	/**
	 * A client for the system database in schema {@code dbos}, with JSON as the workers
	 * write it.
	 * @param dataSource the system database
	 */
	public DbosClient(DataSource dataSource) {
		this(dataSource, new DbosSchema("dbos"), new io.github.dbosspring.serialization.JacksonDbosSerializer(
				new tools.jackson.databind.json.JsonMapper()), null, 1024 * 1024);
	}

	/**
	 * A client with all settings.
	 * @param dataSource the system database
	 * @param schema the DBOS schema
	 * @param serializer how arguments, results and events are written and read (the same as
	 * the workers')
	 * @param queueRegistry the declared queues, to reject undeclared queue names, or
	 * {@code null} to accept any name
	 * @param maxPayloadBytes the largest serialized argument list accepted
	 */
	public DbosClient(DataSource dataSource, DbosSchema schema, DbosSerializer serializer,
			@Nullable QueueRegistry queueRegistry, long maxPayloadBytes) {
		// DBOS's own statements never join a caller's transaction; enqueues do (outbox)
		DataSource independent = new DelegatingDataSource(dataSource);
		this.workflows = new WorkflowStatusRepository(independent, schema);
		this.steps = new StepOutputRepository(independent, schema);
		this.events = new WorkflowEventRepository(independent, schema);
		this.messages = new WorkflowMessageRepository(independent, schema);
		this.queues = new QueueRepository(independent, dataSource, schema);
		this.control = new io.github.dbosspring.workflow.support.WorkflowControl(this.workflows, this.queues);
		this.serializer = serializer;
		this.queueRegistry = queueRegistry;
		this.maxPayloadBytes = maxPayloadBytes;
	}

	/**
	 * Sets what traces enqueues: each job stores the trace context of its enqueue, and the
	 * worker that runs it continues that trace.
	 * @param tracing the tracing
	 */
	public void setTracing(WorkflowTracing tracing) {
		this.tracing = tracing;
	}

	// ------------------------------------------------------------------ enqueue

	/**
	 * Enqueues a workflow by name. The result is read as plain JSON values (maps, lists,
	 * strings, numbers); use {@link #enqueue(EnqueueOptions, Class, String, Object...)} for
	 * a typed result.
	 * @param options the queue and options
	 * @param workflowName the workflow name, as the worker defines it
	 * @param args the arguments, serialized like the worker's
	 * @return a handle to wait for the result
	 * @throws DeduplicationException if a waiting or running job holds the deduplication ID
	 */
	public WorkflowHandle<Object> enqueue(EnqueueOptions options, String workflowName, @Nullable Object... args) {
		return enqueue(options, Object.class, workflowName, args);
	}

	/**
	 * Enqueues a workflow by name, with a typed result.
	 * @param options the queue and options
	 * @param resultType the type to read the result as
	 * @param workflowName the workflow name
	 * @param args the arguments
	 * @return a handle to wait for the result
	 */
	public <T> WorkflowHandle<T> enqueue(EnqueueOptions options, Class<T> resultType, String workflowName,
			@Nullable Object... args) {
		if (workflowName == null || workflowName.isBlank()) {
			throw new IllegalArgumentException("workflowName must not be blank");
		}
		if (this.queueRegistry != null) {
			this.queueRegistry.get(options.queueName());
		}
		String inputs;
		try {
			inputs = this.serializer.serializeArguments((args != null) ? args : new Object[] { null });
		}
		catch (ArgumentSerializationException ex) {
			throw new DbosSerializationException("Cannot enqueue '" + workflowName + "': argument #" + ex.getIndex()
					+ " cannot be serialized: " + ex.getMessage() + ". Nothing was enqueued.", ex.getCause());
		}
		checkSize(inputs, "the arguments of '" + workflowName + "'");
		String id = (options.workflowId() != null) ? options.workflowId() : UUID.randomUUID().toString();
		WorkflowTracing.Start trace = this.tracing.start(workflowName, id, options.queueName());
		try {
			NewJob job = new NewJob(id, workflowName, null, null, inputs, options.applicationVersion(), null,
					options.queueName(), options.deduplicationId(), options.priority(), options.partitionKey(),
					options.delay(), options.scheduledFor(), options.maxAttempts(), options.timeout(),
					trace.traceContext());
			EnqueueResult result = this.queues.enqueue(job);
			if (result.outcome() == EnqueueOutcome.DUPLICATE) {
				throw new DeduplicationException(options.queueName(), options.deduplicationId());
			}
			if (result.outcome() == EnqueueOutcome.EXISTS && !result.workflowName().equals(workflowName)) {
				throw new DbosException("Workflow ID '" + id + "' is already used by a workflow named '"
						+ result.workflowName() + "', not '" + workflowName + "'. Nothing was enqueued.");
			}
			trace.end(null);
		}
		catch (RuntimeException ex) {
			trace.end(ex);
			throw ex;
		}
		return new ClientHandle<>(id, resultType);
	}

	private void checkSize(String text, String what) {
		long bytes = text.getBytes(StandardCharsets.UTF_8).length;
		if (bytes > this.maxPayloadBytes) {
			throw new PayloadTooLargeException("Cannot store " + what + ": it serializes to " + bytes + " bytes, more "
					+ "than dbos.max-payload-size (" + this.maxPayloadBytes + " bytes). Nothing was enqueued.");
		}
	}

	// ------------------------------------------------------------------ inspect

	/**
	 * A handle for an existing workflow.
	 * @param workflowId the workflow ID
	 * @param resultType the type to read its result as
	 * @return the handle
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 */
	public <T> WorkflowHandle<T> retrieveWorkflow(String workflowId, Class<T> resultType) {
		if (this.workflows.find(workflowId).isEmpty()) {
			throw new WorkflowNotFoundException("No workflow with ID '" + workflowId + "'");
		}
		return new ClientHandle<>(workflowId, resultType);
	}

	public Optional<WorkflowInfo> getWorkflow(String workflowId) {
		return this.workflows.find(workflowId);
	}

	/**
	 * Lists workflows by name, status, queue and creation time, newest first unless the
	 * query says otherwise.
	 * @param query the filters, order and page
	 * @return the workflows
	 */
	public List<WorkflowInfo> listWorkflows(WorkflowQuery query) {
		return this.workflows.list(query);
	}

	public List<StepInfo> listSteps(String workflowId) {
		return this.steps.findAll(workflowId);
	}

	/**
	 * Waits until a workflow's event is set, or the timeout passes.
	 * @return the value, or empty if it was not set in time
	 */
	public <T> Optional<T> getEvent(String workflowId, String key, Class<T> type, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		PollBackoff backoff = new PollBackoff();
		while (true) {
			Optional<String> value = this.events.find(workflowId, key);
			if (value.isPresent()) {
				return Optional.ofNullable(type.cast(this.serializer.deserialize(value.get(), type)));
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				return Optional.empty();
			}
			pause(backoff, remaining, "event '" + key + "' of workflow '" + workflowId + "'");
		}
	}

	public Map<String, String> listEvents(String workflowId) {
		return this.events.findAll(workflowId);
	}

	/**
	 * Sends a message to a workflow.
	 * @param idempotencyKey a key that makes a retried send deliver once, or {@code null}
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 */
	public void send(String workflowId, @Nullable Object message, String topic, @Nullable String idempotencyKey) {
		if (this.workflows.find(workflowId).isEmpty()) {
			throw new WorkflowNotFoundException("Cannot send to workflow '" + workflowId + "': no workflow has that ID");
		}
		String text = this.serializer.serialize(message);
		checkSize(text, "a message to workflow '" + workflowId + "'");
		this.messages.send(workflowId, topic, text, idempotencyKey);
	}

	// ------------------------------------------------------------------ control

	/**
	 * Cancels a workflow that has not completed. Idempotent.
	 * @return whether it was cancelled by this call (false: it had completed already)
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 */
	public boolean cancel(String workflowId) {
		return this.control.cancel(workflowId, false);
	}

	/**
	 * Cancels a workflow and, with {@code cascade}, its children that have not completed.
	 * @return whether the workflow itself was cancelled by this call
	 */
	public boolean cancel(String workflowId, boolean cascade) {
		return this.control.cancel(workflowId, cascade);
	}

	/**
	 * Deletes a workflow with its steps, events, messages and attempts.
	 * @return whether it existed
	 */
	public boolean delete(String workflowId, boolean cascade) {
		return this.control.delete(workflowId, cascade);
	}

	/**
	 * Resumes a cancelled or failed workflow from its last completed step. Idempotent.
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 * @throws IllegalStateException if it completed successfully
	 */
	public void resume(String workflowId) {
		this.control.resume(workflowId);
	}

	/**
	 * Starts a new workflow from a copy of another's steps numbered below {@code fromStep}.
	 * @param newWorkflowId the new ID, or {@code null} for a generated one
	 * @param applicationVersion the version to run it under, or {@code null} for the original's
	 * @return the new workflow's ID
	 */
	public String fork(String workflowId, int fromStep, @Nullable String newWorkflowId,
			@Nullable String applicationVersion) {
		return this.control.fork(workflowId, fromStep, newWorkflowId, applicationVersion).workflowId();
	}

	/**
	 * Dead-lettered jobs, newest first.
	 * @param queueName only this queue, or {@code null} for all
	 */
	public List<WorkflowInfo> listDeadLetters(@Nullable String queueName, int limit, int offset) {
		return this.workflows.list(WorkflowQuery.all()
			.withStatus(WorkflowStatus.DEAD_LETTER)
			.withQueue(queueName)
			.limit(limit)
			.offset(offset));
	}

	/**
	 * Puts a dead-lettered job back on its queue with a fresh attempt counter.
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 * @throws IllegalStateException if it is not dead-lettered
	 */
	public void replayDeadLetter(String workflowId) {
		this.control.replayDeadLetter(workflowId);
	}

	public List<FailedAttempt> listAttempts(String workflowId) {
		return this.queues.attempts(workflowId);
	}

	private static void pause(PollBackoff backoff, long remainingNanos, String what) {
		try {
			backoff.pause(remainingNanos);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DbosException("Interrupted while waiting for " + what, ex);
		}
	}

	/**
	 * A handle that reads the workflow's outcome from the database.
	 */
	private final class ClientHandle<T> implements WorkflowHandle<T> {

		private final String workflowId;

		private final Class<T> resultType;

		ClientHandle(String workflowId, Class<T> resultType) {
			this.workflowId = workflowId;
			this.resultType = resultType;
		}

		@Override
		public String getWorkflowId() {
			return this.workflowId;
		}

		@Override
		public T getResult() {
			try {
				return await(Long.MAX_VALUE);
			}
			catch (TimeoutException ex) {
				throw new IllegalStateException(ex);
			}
		}

		@Override
		public T getResult(Duration timeout) throws TimeoutException {
			return await(System.nanoTime() + timeout.toNanos());
		}

		private T await(long deadline) throws TimeoutException {
			PollBackoff backoff = new PollBackoff();
			while (true) {
				WorkflowInfo info = getStatus();
				if (info.status().isTerminal()) {
					return outcome(info);
				}
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					throw new TimeoutException("Workflow '" + this.workflowId + "' is still " + info.status());
				}
				pause(backoff, remaining, "workflow '" + this.workflowId + "'");
			}
		}

		@SuppressWarnings("unchecked")
		private T outcome(WorkflowInfo info) {
			switch (info.status()) {
				case SUCCESS:
					return (T) DbosClient.this.serializer.deserialize(info.output(), this.resultType);
				case CANCELLED:
					throw new WorkflowCancelledException(this.workflowId);
				case MAX_RECOVERY_ATTEMPTS_EXCEEDED:
					throw new MaxRecoveryAttemptsExceededException(this.workflowId, info.recoveryAttempts());
				default:
					Throwable failure = RecordedErrors.rebuild(this.workflowId,
							(info.errorClass() != null) ? info.errorClass() : WorkflowFailedException.class.getName(),
							info.errorMessage(), new Class<?>[0]);
					if (failure instanceof RuntimeException runtime) {
						throw runtime;
					}
					if (failure instanceof Error error) {
						throw error;
					}
					throw new DbosException("Workflow '" + this.workflowId + "' failed: " + failure, failure);
			}
		}

		@Override
		public WorkflowInfo getStatus() {
			return DbosClient.this.workflows.find(this.workflowId)
				.orElseThrow(() -> new WorkflowNotFoundException("No workflow with ID '" + this.workflowId + "'"));
		}

		@Override
		public String toString() {
			return "WorkflowHandle[" + this.workflowId + "]";
		}

	}

}
