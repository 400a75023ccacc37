package io.github.dbosspring.workflow;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.queue.DeduplicationException;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.EnqueueRequest;
import io.github.dbosspring.queue.Progress;
import io.github.dbosspring.queue.UnknownQueueException;
import io.github.dbosspring.store.QueueRepository.FailedAttempt;
import io.github.dbosspring.workflow.support.StepAttributes;
import io.github.dbosspring.workflow.support.WorkflowEngine;
import io.github.dbosspring.workflow.support.WorkflowExecutionContext;

/**
 * The entry point for running and inspecting durable workflows. Auto-configured as a
 * bean; calling a {@link Workflow} method on its bean directly also runs it durably (with
 * a generated ID), so this facade is needed only for options, background starts and
 * inspection.
 *
 * <pre class="code">
 * // idempotent: a second call with the same ID returns the first call's result
 * Receipt receipt = dbos.run(WorkflowOptions.withId("order-42"), () -&gt; orders.process(order));
 *
 * // in the background
 * WorkflowHandle&lt;Receipt&gt; handle = dbos.start(() -&gt; orders.process(order));
 * handle.getResult();
 *
 * // inside a workflow
 * String id = Dbos.workflowId();
 * </pre>
 *
 * <p>The lambdas passed here must call a {@code @Workflow} method on a Spring bean (its
 * proxy): the call is intercepted and run with the given options.
 *
 * @since 0.1.0
 */
public class Dbos {

	private static final Class<?>[] LAMBDA_EXCEPTIONS = { Exception.class };

	private final WorkflowEngine engine;

	public Dbos(WorkflowEngine engine) {
		this.engine = engine;
	}

	/**
	 * Runs a workflow on the calling thread with the given options and returns its result.
	 * With an ID that was used before, the workflow's body does not run again: the first
	 * run's result is returned (or its exception thrown), waiting for it if it is still
	 * running here or in another process.
	 * @param options the options, such as the workflow ID
	 * @param call a call of a {@code @Workflow} method on its bean
	 * @return the workflow's result
	 * @throws E what the workflow throws
	 */
	public <T, E extends Exception> T run(WorkflowOptions options, WorkflowCall<T, E> call) throws E {
		try {
			return this.engine.run(options, call::call);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw Dbos.<E>sneaky(ex);
		}
	}

	/**
	 * Runs a {@code void} workflow on the calling thread with the given options.
	 * @param options the options, such as the workflow ID
	 * @param call a call of a {@code @Workflow} method on its bean
	 * @throws E what the workflow throws
	 */
	public <E extends Exception> void run(WorkflowOptions options, VoidWorkflowCall<E> call) throws E {
		run(options, () -> {
			call.call();
			return null;
		});
	}

	/**
	 * Starts a workflow in the background with a generated ID.
	 * @param call a call of a {@code @Workflow} method on its bean
	 * @return a handle to wait for the result
	 */
	public <T> WorkflowHandle<T> start(WorkflowCall<T, ?> call) {
		return start(WorkflowOptions.defaults(), call);
	}

	/**
	 * Starts a {@code void} workflow in the background with a generated ID.
	 * @param call a call of a {@code @Workflow} method on its bean
	 * @return a handle to wait for completion
	 */
	public WorkflowHandle<Void> start(VoidWorkflowCall<?> call) {
		return start(WorkflowOptions.defaults(), call);
	}

	/**
	 * Starts a workflow in the background. The workflow is recorded before this method
	 * returns, so it runs to completion even if this process crashes right after. With an
	 * ID that was used before, nothing new starts: the handle refers to the existing
	 * workflow.
	 * @param options the options, such as the workflow ID
	 * @param call a call of a {@code @Workflow} method on its bean
	 * @return a handle to wait for the result
	 */
	public <T> WorkflowHandle<T> start(WorkflowOptions options, WorkflowCall<T, ?> call) {
		try {
			return this.engine.start(options, call::call);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new DbosException("Could not start the workflow: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Starts a {@code void} workflow in the background.
	 * @param options the options, such as the workflow ID
	 * @param call a call of a {@code @Workflow} method on its bean
	 * @return a handle to wait for completion
	 */
	public WorkflowHandle<Void> start(WorkflowOptions options, VoidWorkflowCall<?> call) {
		return start(options, () -> {
			call.call();
			return null;
		});
	}

	// ------------------------------------------------------------------ queues

	/**
	 * Enqueues a workflow on a queue with a generated ID; a worker (in this process or
	 * another) runs it.
	 * @param queueName the queue
	 * @param call a call of a {@code @Workflow} method on its bean; it does not run here
	 * @return a handle to wait for the result
	 * @throws UnknownQueueException if the queue is not declared
	 */
	public <T> WorkflowHandle<T> enqueue(String queueName, WorkflowCall<T, ?> call) {
		return enqueue(EnqueueOptions.queue(queueName), call);
	}

	/**
	 * Enqueues a {@code void} workflow on a queue with a generated ID.
	 * @param queueName the queue
	 * @param call a call of a {@code @Workflow} method on its bean; it does not run here
	 * @return a handle to wait for completion
	 */
	public WorkflowHandle<Void> enqueue(String queueName, VoidWorkflowCall<?> call) {
		return enqueue(EnqueueOptions.queue(queueName), call);
	}

	/**
	 * Enqueues a workflow. The job is recorded before this method returns, inside the
	 * caller's transaction when there is one on the same database (it then exists only if
	 * that transaction commits). With a workflow ID that exists already, nothing is
	 * enqueued and the handle refers to the existing workflow.
	 * @param options the queue and options
	 * @param call a call of a {@code @Workflow} method on its bean; it does not run here
	 * @return a handle to wait for the result
	 * @throws UnknownQueueException if the queue is not declared
	 * @throws DeduplicationException if a waiting or running job holds the deduplication ID
	 */
	public <T> WorkflowHandle<T> enqueue(EnqueueOptions options, WorkflowCall<T, ?> call) {
		try {
			return this.engine.enqueue(options, call::call);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new DbosException("Could not enqueue the workflow: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Enqueues a {@code void} workflow.
	 * @param options the queue and options
	 * @param call a call of a {@code @Workflow} method on its bean; it does not run here
	 * @return a handle to wait for completion
	 */
	public WorkflowHandle<Void> enqueue(EnqueueOptions options, VoidWorkflowCall<?> call) {
		return enqueue(options, () -> {
			call.call();
			return null;
		});
	}

	/**
	 * Enqueues a workflow of this application by its name.
	 * @param options the queue and options
	 * @param workflowName the workflow name ({@link Workflow#name()})
	 * @param args its arguments
	 * @return a handle to wait for the result
	 * @throws WorkflowNotFoundException if this application defines no such workflow
	 */
	public <T> WorkflowHandle<T> enqueue(EnqueueOptions options, String workflowName, @Nullable Object... args) {
		return this.engine.enqueue(options, workflowName, (args != null) ? args : new Object[] { null });
	}

	/**
	 * Enqueues several workflows in one transaction (the caller's, if there is one): all of
	 * them or, if one fails (such as a taken deduplication ID), none.
	 * @param requests the calls and their options
	 * @return a handle per request, in order
	 */
	public List<WorkflowHandle<?>> enqueueAll(List<EnqueueRequest> requests) {
		try {
			return this.engine.enqueueAll(requests.stream().map(EnqueueRequest::options).toList(),
					requests.stream().<java.util.concurrent.Callable<?>>map(EnqueueRequest::call).toList());
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new DbosException("Could not enqueue the batch: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Cancels a workflow that has not completed: a waiting job never starts, a running
	 * workflow stops at its next step. Idempotent.
	 * @param workflowId the workflow ID
	 * @return whether it was cancelled by this call (false: it had completed already)
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 */
	public boolean cancel(String workflowId) {
		return this.engine.cancel(workflowId);
	}

	/**
	 * Cancels a workflow and, with {@code cascade}, its children (transitively) that have not
	 * completed.
	 * @param workflowId the workflow ID
	 * @param cascade whether to cancel its children too
	 * @return whether the workflow itself was cancelled by this call
	 */
	public boolean cancel(String workflowId, boolean cascade) {
		return this.engine.cancel(workflowId, cascade);
	}

	/**
	 * Deletes a workflow with its steps, events, messages and attempts (a running one is
	 * cancelled first, so it stops at its next step).
	 * @param workflowId the workflow ID
	 * @param cascade whether to delete its children too
	 * @return whether it existed
	 */
	public boolean delete(String workflowId, boolean cascade) {
		return this.engine.delete(workflowId, cascade);
	}

	/**
	 * Resumes a cancelled or failed workflow (or dead-lettered job) from its last completed
	 * step. A queued job goes back to its queue with a fresh attempt counter; any other
	 * workflow is adopted by a live executor of its application version within
	 * {@code dbos.recovery.interval}. Idempotent.
	 * @param workflowId the workflow ID
	 * @return a handle for it
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 * @throws IllegalStateException if it completed successfully
	 */
	public <T> WorkflowHandle<T> resume(String workflowId) {
		return this.engine.resume(workflowId);
	}

	/**
	 * Starts a new workflow (with a generated ID) from a copy of another's completed steps
	 * numbered below {@code fromStep}; it runs again from that step.
	 * @param workflowId the original
	 * @param fromStep the first step to run again (0 runs it all again)
	 * @return a handle for the new workflow
	 */
	public <T> WorkflowHandle<T> fork(String workflowId, int fromStep) {
		return this.engine.fork(workflowId, fromStep, null, null);
	}

	/**
	 * Forks a workflow with a chosen ID and application version: the way to move work of
	 * an old version onto the running one.
	 * @param workflowId the original
	 * @param fromStep the first step to run again
	 * @param newWorkflowId the new workflow's ID, or {@code null} for a generated one
	 * @param applicationVersion the version to run it under, or {@code null} for the original's
	 * @return a handle for the new workflow
	 */
	public <T> WorkflowHandle<T> fork(String workflowId, int fromStep, @Nullable String newWorkflowId,
			@Nullable String applicationVersion) {
		return this.engine.fork(workflowId, fromStep, newWorkflowId, applicationVersion);
	}

	/**
	 * Sleeps durably inside a workflow: the wake-up time is recorded, so a workflow
	 * recovered after a crash or restart wakes at the original time. A long sleep of a
	 * workflow run in the background, by a queue or by recovery does not hold a thread
	 * (see {@code dbos.sleep.park-threshold}). Outside a workflow it is a plain sleep.
	 * @param duration how long to sleep
	 */
	public static void sleep(Duration duration) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null) {
			try {
				Thread.sleep(duration.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new DbosException("Interrupted while sleeping", ex);
			}
			return;
		}
		context.engine().sleep(duration);
	}

	/**
	 * Appends a value to a stream of the calling workflow; readers see it at once. Recorded
	 * as a step, so a re-executed workflow does not append it again.
	 * @param key the stream
	 * @param value the value
	 */
	public static void writeStream(String key, @Nullable Object value) {
		requireContext("writeStream").engine().writeStream(key, value, false);
	}

	/**
	 * Closes a stream of the calling workflow: readers end after its last value.
	 * @param key the stream
	 */
	public static void closeStream(String key) {
		requireContext("closeStream").engine().writeStream(key, null, true);
	}

	private static WorkflowExecutionContext requireContext(String operation) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null) {
			throw new IllegalStateException("Dbos." + operation + "(...) must be called from a workflow's code");
		}
		return context;
	}

	/**
	 * Reads a workflow's stream as values arrive (from any process): the stream blocks for
	 * the next value and ends when the stream is closed or the workflow has completed.
	 * @param workflowId the writing workflow
	 * @param key the stream
	 * @param type the type of the values
	 * @return the values in the order written
	 */
	public <T> java.util.stream.Stream<T> readStream(String workflowId, String key, Class<T> type) {
		java.util.Iterator<T> iterator = this.engine.readStream(workflowId, key, type);
		return java.util.stream.StreamSupport.stream(
				java.util.Spliterators.spliteratorUnknownSize(iterator, java.util.Spliterator.ORDERED), false);
	}

	/**
	 * Lists dead-lettered jobs, newest first.
	 * @param queueName only this queue, or {@code null} for all
	 * @param limit the page size
	 * @param offset the page start
	 * @return the dead letters
	 */
	public List<WorkflowInfo> listDeadLetters(@Nullable String queueName, int limit, int offset) {
		return this.engine.listWorkflows(WorkflowQuery.all()
			.withStatus(WorkflowStatus.DEAD_LETTER)
			.withQueue(queueName)
			.limit(limit)
			.offset(offset));
	}

	/**
	 * Puts a dead-lettered job back on its queue with a fresh attempt counter; it resumes
	 * from its last completed step.
	 * @param workflowId the dead-lettered job
	 * @return a handle for it (same ID)
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 * @throws IllegalStateException if it is not dead-lettered
	 */
	public <T> WorkflowHandle<T> replayDeadLetter(String workflowId) {
		return this.engine.replayDeadLetter(workflowId);
	}

	/**
	 * The failed attempts of a job, oldest first, each with its error.
	 * @param workflowId the job
	 * @return its failed attempts
	 */
	public List<FailedAttempt> listAttempts(String workflowId) {
		return this.engine.listAttempts(workflowId);
	}

	/**
	 * Reports the calling job's progress, from its workflow code or one of its steps. Best
	 * effort: it never fails the job. Visible in the job's status and published as its
	 * {@value Progress#EVENT} event.
	 * @param percent 0 to 100 (clamped)
	 * @param message an optional message
	 */
	public static void setProgress(int percent, @Nullable String message) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null) {
			throw new IllegalStateException("Dbos.setProgress(...) must be called from a workflow or one of its steps");
		}
		context.engine().setProgress(percent, message);
	}

	/**
	 * A handle for an existing workflow, started here or in any other process.
	 * @param workflowId the workflow ID
	 * @return the handle
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 */
	public <T> WorkflowHandle<T> retrieveWorkflow(String workflowId) {
		return this.engine.retrieve(workflowId);
	}

	/**
	 * The stored state of a workflow.
	 * @param workflowId the workflow ID
	 * @return the workflow, or empty if unknown
	 */
	public Optional<WorkflowInfo> getWorkflow(String workflowId) {
		return this.engine.findWorkflow(workflowId);
	}

	/**
	 * Lists workflows.
	 * @param query the filters, paging and order
	 * @return the matching workflows
	 */
	public List<WorkflowInfo> listWorkflows(WorkflowQuery query) {
		return this.engine.listWorkflows(query);
	}

	/**
	 * Lists the recorded steps of a workflow, in order.
	 * @param workflowId the workflow ID
	 * @return its recorded steps
	 */
	public List<StepInfo> listSteps(String workflowId) {
		return this.engine.listSteps(workflowId);
	}

	/**
	 * Waits until a workflow publishes an event, or the timeout passes; never throws for
	 * "not yet". Called from a workflow, the outcome is recorded as a step.
	 * <pre class="code">
	 * Optional&lt;Progress&gt; progress = dbos.getEvent(workflowId, "progress", Progress.class, Duration.ofSeconds(5));
	 * </pre>
	 * @param workflowId the workflow that sets the event
	 * @param key the event key
	 * @param type the type to read the value as
	 * @param timeout the longest time to wait
	 * @return the value, or empty if the event was not set in time (or set to {@code null})
	 */
	public <T> Optional<T> getEvent(String workflowId, String key, Class<T> type, Duration timeout) {
		return this.engine.getEvent(workflowId, key, type, timeout);
	}

	/**
	 * The events of a workflow, with their values as stored (JSON text).
	 * @param workflowId the workflow ID
	 * @return the events by key
	 */
	public Map<String, String> listEvents(String workflowId) {
		return this.engine.listEvents(workflowId);
	}

	/**
	 * Publishes an event of the workflow running on the calling thread (last value wins):
	 * progress, a status, an intermediate result. Recorded as a step of the workflow, in
	 * the same statement as the event, so a re-executed workflow does not set it again.
	 * Must be called from the workflow's code, not from a step.
	 * @param key the event key
	 * @param value the value, serialized like a step output
	 */
	public static void setEvent(String key, @Nullable Object value) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null) {
			throw new IllegalStateException("Dbos.setEvent(\"" + key + "\", ...) must be called inside a workflow");
		}
		context.engine().setEvent(key, value);
	}

	/**
	 * Sends a message to a workflow, which receives it with {@link #recv}. Called from a
	 * workflow, the send is a step and is delivered once even if the sender is re-executed.
	 * @param workflowId the receiving workflow
	 * @param message the message
	 * @param topic the topic
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 */
	public void send(String workflowId, @Nullable Object message, String topic) {
		this.engine.send(workflowId, topic, message, null);
	}

	/**
	 * Sends a message that is delivered once however often this call is retried with the
	 * same idempotency key.
	 * @param workflowId the receiving workflow
	 * @param message the message
	 * @param topic the topic
	 * @param idempotencyKey the key; a second send with it to the same workflow is ignored
	 */
	public void send(String workflowId, @Nullable Object message, String topic, String idempotencyKey) {
		this.engine.send(workflowId, topic, message, idempotencyKey);
	}

	/**
	 * Receives the oldest unconsumed message of a topic sent to the calling workflow,
	 * waiting up to the timeout. Each message is consumed exactly once, in the order sent.
	 * Must be called from the workflow's code, not from a step.
	 * @param topic the topic
	 * @param type the type to read the message as
	 * @param timeout the longest time to wait
	 * @return the message, or empty on timeout
	 */
	@SuppressWarnings("unchecked")
	public static <T> Optional<T> recv(String topic, Class<T> type, Duration timeout) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null) {
			throw new IllegalStateException("Dbos.recv(\"" + topic + "\", ...) must be called inside a workflow");
		}
		return (Optional<T>) context.engine().recv(topic, type, timeout);
	}

	/**
	 * The ID of the workflow running on the calling thread.
	 * @return the workflow ID, or {@code null} outside a workflow
	 */
	public static @Nullable String workflowId() {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		return (context != null) ? context.workflowId() : null;
	}

	/**
	 * Whether the calling thread runs a workflow.
	 * @return whether inside a workflow
	 */
	public static boolean inWorkflow() {
		return WorkflowExecutionContext.current() != null;
	}

	/**
	 * Runs a lambda as a step of the workflow on the calling thread, checkpointed exactly
	 * like a {@link Step} method: when the workflow is re-executed, a recorded lambda step
	 * is not run again and its recorded result is returned (or its exception thrown).
	 * Outside a workflow, and nested inside another step, the lambda simply runs.
	 * @param name the step name
	 * @param step the step body
	 * @return the step's result
	 * @throws E what the step throws
	 */
	public static <T, E extends Exception> T runStep(String name, StepCall<T, E> step) throws E {
		return runStep(StepOptions.named(name), step);
	}

	/**
	 * Runs a lambda as a step with options such as retries.
	 * @param options the step's name and settings
	 * @param step the step body
	 * @return the step's result
	 * @throws E what the step throws
	 * @see #runStep(String, StepCall)
	 */
	@SuppressWarnings("unchecked")
	public static <T, E extends Exception> T runStep(StepOptions options, StepCall<T, E> step) throws E {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null) {
			return step.call();
		}
		StepAttributes attributes = attributes(options);
		Type type = (options.resultType() != null) ? options.resultType() : Object.class;
		try {
			return (T) context.engine().runStep(attributes, type, LAMBDA_EXCEPTIONS, step::call);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw Dbos.<E>sneaky(ex);
		}
		catch (Throwable ex) {
			throw new DbosException("Step '" + options.name() + "' failed: " + ex, ex);
		}
	}

	/**
	 * Starts a lambda as a step that runs concurrently with the workflow and with other
	 * started steps. Its sequence number is taken when this method is called, so start
	 * parallel steps in a deterministic order (a loop over a list, not as results arrive);
	 * recovery then replays them in the same order. Each step is checkpointed when it
	 * completes, so one failing does not lose the others' checkpoints. To run an annotated
	 * step in parallel, call it from the lambda. Sequences of steps that must run
	 * concurrently belong in child workflows.
	 * <pre class="code">
	 * List&lt;CompletableFuture&lt;Quote&gt;&gt; quotes = suppliers.stream()
	 *     .map((s) -&gt; Dbos.startStep("quote-" + s.id(), () -&gt; this.pricing.quote(s, order)))
	 *     .toList();
	 * CompletableFuture.allOf(quotes.toArray(CompletableFuture[]::new)).join();
	 * </pre>
	 * @param name the step name
	 * @param step the step body
	 * @return the step's outcome
	 */
	public static <T> CompletableFuture<T> startStep(String name, StepCall<T, ?> step) {
		return startStep(StepOptions.named(name), step);
	}

	/**
	 * Starts a lambda as a parallel step with options such as retries.
	 * @param options the step's name and settings
	 * @param step the step body
	 * @return the step's outcome
	 * @see #startStep(String, StepCall)
	 */
	@SuppressWarnings("unchecked")
	public static <T> CompletableFuture<T> startStep(StepOptions options, StepCall<T, ?> step) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null) {
			return CompletableFuture.supplyAsync(() -> {
				try {
					return step.call();
				}
				catch (RuntimeException ex) {
					throw ex;
				}
				catch (Exception ex) {
					throw new java.util.concurrent.CompletionException(ex);
				}
			});
		}
		Type type = (options.resultType() != null) ? options.resultType() : Object.class;
		return (CompletableFuture<T>) context.engine()
			.startStep(attributes(options), type, LAMBDA_EXCEPTIONS, step::call);
	}

	private static StepAttributes attributes(StepOptions options) {
		return new StepAttributes(options.name(), options.maxAttempts(), options.interval(), options.backoffRate(),
				options.maxInterval(), List.of(), List.of());
	}

	@SuppressWarnings("unchecked")
	private static <E extends Exception> E sneaky(Exception ex) throws E {
		throw (E) ex;
	}

}
