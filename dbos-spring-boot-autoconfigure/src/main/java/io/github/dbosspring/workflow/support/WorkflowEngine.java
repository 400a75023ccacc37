package io.github.dbosspring.workflow.support;

import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.aopalliance.intercept.MethodInvocation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.dbosspring.queue.DeduplicationException;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.Progress;
import io.github.dbosspring.queue.Queue;
import io.github.dbosspring.queue.QueueRegistry;
import io.github.dbosspring.serialization.DbosSerializer;
import io.github.dbosspring.serialization.DbosSerializer.ArgumentSerializationException;
import io.github.dbosspring.store.QueueRepository;
import io.github.dbosspring.store.QueueRepository.ClaimedJob;
import io.github.dbosspring.store.QueueRepository.EnqueueOutcome;
import io.github.dbosspring.store.QueueRepository.EnqueueResult;
import io.github.dbosspring.store.QueueRepository.NewJob;
import io.github.dbosspring.store.StepOutputRepository;
import io.github.dbosspring.store.WorkflowEventRepository;
import io.github.dbosspring.store.WorkflowMessageRepository;
import io.github.dbosspring.store.WorkflowStatusRepository;
import io.github.dbosspring.store.WorkflowStatusRepository.AdoptedWorkflow;
import io.github.dbosspring.store.WorkflowStatusRepository.NewWorkflow;
import io.github.dbosspring.workflow.DbosException;
import io.github.dbosspring.workflow.DbosSerializationException;
import io.github.dbosspring.workflow.MaxRecoveryAttemptsExceededException;
import io.github.dbosspring.workflow.NonDeterministicWorkflowException;
import io.github.dbosspring.workflow.PayloadTooLargeException;
import io.github.dbosspring.workflow.StepInfo;
import io.github.dbosspring.workflow.WorkflowAbandonedException;
import io.github.dbosspring.workflow.WorkflowCancelledException;
import io.github.dbosspring.workflow.WorkflowFailedException;
import io.github.dbosspring.workflow.WorkflowHandle;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowNotFoundException;
import io.github.dbosspring.workflow.WorkflowOptions;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.ResolvableType;
import org.springframework.dao.DataAccessException;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Runs workflows and steps: records each workflow's start, checkpoints every step,
 * replays recorded steps when a workflow is re-executed, and records the outcome.
 *
 * <p>Ownership: a PENDING workflow belongs to one executor ({@code executor_id}). Every
 * checkpoint and the final outcome are written only while this executor still owns the
 * workflow, so an executor that was presumed dead (its work adopted elsewhere) cannot
 * record anything once it wakes up. Within this process, a workflow ID runs on at most
 * one thread at a time ({@link #running}).
 *
 * <p>No database connection is held while user code runs: each write is one short
 * autocommitted statement.
 *
 * @since 0.1.0
 */
public class WorkflowEngine implements SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(WorkflowEngine.class);

	private static final ThreadLocal<Object> DIRECTIVE = new ThreadLocal<>();

	private static final ThreadLocal<Boolean> INLINE = new ThreadLocal<>();

	/** The step name under which a workflow records each durable sleep (its wake-up time). */
	public static final String SLEEP_STEP = "DBOS.sleep";

	private volatile Duration sleepParkThreshold = Duration.ofMinutes(1);

	private volatile @Nullable TransactionalSteps transactionalSteps;

	private volatile WorkflowObserver observer = WorkflowObserver.NONE;

	/**
	 * Sets what observes workflows and steps (metrics).
	 * @param observer the observer
	 */
	public void setObserver(WorkflowObserver observer) {
		this.observer = observer;
	}

	private volatile WorkflowTracing tracing = WorkflowTracing.NONE;

	/**
	 * Sets what traces workflow starts, executions and steps (spans). A workflow started
	 * here stores the caller's trace context, and its executions continue that trace.
	 * @param tracing the tracing
	 */
	public void setTracing(WorkflowTracing tracing) {
		this.tracing = tracing;
	}

	private volatile WaitNotifications waitNotifications = new WaitNotifications(null, "none");

	/**
	 * Wakes getEvent and recv waits by notification (they poll otherwise).
	 * @param waitNotifications the notifications
	 */
	public void setWaitNotifications(WaitNotifications waitNotifications) {
		this.waitNotifications = waitNotifications;
	}

	/**
	 * Enables exactly-once checkpoints of {@code @Transactional} steps on the DBOS system
	 * database (the checkpoint is written in the step's transaction).
	 * @param transactionalSteps the lookup of such steps
	 */
	public void setTransactionalSteps(@Nullable TransactionalSteps transactionalSteps) {
		this.transactionalSteps = transactionalSteps;
	}

	private final WorkflowStatusRepository workflows;

	private final StepOutputRepository steps;

	private final WorkflowEventRepository events;

	private final WorkflowMessageRepository messages;

	private final QueueRepository queues;

	private final QueueRegistry queueRegistry;

	private final WorkflowControl control;

	private volatile java.util.function.Consumer<String> queueWakeup = (queue) -> {
	};

	private volatile boolean deferCheckpoints = true;

	private volatile java.util.function.Consumer<String> enqueueWakeup = (queue) -> this.queueWakeup.accept(queue);

	private final DbosSerializer serializer;

	private final WorkflowRegistry registry;

	private final BeanFactory beanFactory;

	private final ExecutorService pool;

	private final ExecutorService stepPool = java.util.concurrent.Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "dbos-step");
		thread.setDaemon(true);
		return thread;
	});

	private final String executorId;

	private final long maxPayloadBytes;

	private volatile @Nullable String applicationVersion;

	private final Map<String, CompletableFuture<Void>> running = new ConcurrentHashMap<>();

	// jobs a worker has claimed whose thread has not taken their slot yet
	private final Set<String> claimed = ConcurrentHashMap.newKeySet();

	private final java.util.concurrent.locks.ReentrantReadWriteLock claimLock =
			new java.util.concurrent.locks.ReentrantReadWriteLock();

	private volatile boolean shuttingDown;

	private final List<java.util.concurrent.Executor> jobExecutors = new java.util.concurrent.CopyOnWriteArrayList<>();

	public WorkflowEngine(WorkflowStatusRepository workflows, StepOutputRepository steps,
			WorkflowEventRepository events, WorkflowMessageRepository messages, QueueRepository queues,
			QueueRegistry queueRegistry, DbosSerializer serializer, WorkflowRegistry registry,
			BeanFactory beanFactory, ExecutorService pool, String executorId, @Nullable String applicationVersion,
			long maxPayloadBytes) {
		this.queues = queues;
		this.queueRegistry = queueRegistry;
		this.control = new WorkflowControl(workflows, queues);
		this.workflows = workflows;
		this.steps = steps;
		this.events = events;
		this.messages = messages;
		this.serializer = serializer;
		this.registry = registry;
		this.beanFactory = beanFactory;
		this.pool = pool;
		this.executorId = executorId;
		this.applicationVersion = applicationVersion;
		this.maxPayloadBytes = maxPayloadBytes;
	}

	public String getExecutorId() {
		return this.executorId;
	}

	/**
	 * The application version workflows started here are recorded with, and the only one
	 * recovered here: {@code dbos.application-version}, else a hash of the workflow code.
	 * @return the application version
	 */
	public String getApplicationVersion() {
		String version = this.applicationVersion;
		// until every bean is registered the code hash is provisional (not memoized)
		return (version != null) ? version : this.registry.codeVersion();
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (this.applicationVersion == null) {
			this.applicationVersion = this.registry.codeVersion();
		}
	}

	public WorkflowRegistry getRegistry() {
		return this.registry;
	}

	public QueueRegistry getQueueRegistry() {
		return this.queueRegistry;
	}

	/**
	 * Sets what is told, in this process, that a queue may have work: an enqueue committed
	 * here, a job of it completed here or was put back by recovery.
	 * @param wakeup called with the queue name
	 */
	public void setQueueWakeup(java.util.function.Consumer<String> wakeup) {
		this.queueWakeup = wakeup;
	}

	/**
	 * Adds a pool that runs workflows (a queue worker's), stopped with the workflow pool at
	 * shutdown.
	 * @param executor the pool
	 */
	public void addJobExecutor(java.util.concurrent.Executor executor) {
		this.jobExecutors.add(executor);
	}

	/**
	 * Whether a step's checkpoint waits for the workflow's next durable operation (the next
	 * step, sleep, send, event, child workflow...) or its outcome, and is written with the
	 * outcome in one statement when the step was the last (default), instead of right after
	 * the step returns. A crash between the step's return and that next operation runs the
	 * step again, as a crash before its checkpoint always did.
	 * @param defer whether to defer checkpoints
	 */
	public void setDeferredCheckpoints(boolean defer) {
		this.deferCheckpoints = defer;
	}

	/**
	 * Sets what this process does after an enqueue here committed: by default the same as
	 * {@link #setQueueWakeup}; a worker whose notification listener is connected leaves it
	 * to the enqueue's notification, so the queue is not read twice for one job.
	 * @param wakeup called with the queue's name
	 */
	public void setEnqueueWakeup(java.util.function.Consumer<String> wakeup) {
		this.enqueueWakeup = wakeup;
	}

	private void wake(String queueName) {
		wake(this.queueWakeup, queueName);
	}

	private static void wake(java.util.function.Consumer<String> wakeup, String queueName) {
		try {
			wakeup.accept(queueName);
		}
		catch (RuntimeException ex) {
			logger.debug("Queue wake-up failed", ex);
		}
	}

	// ------------------------------------------------------------------ facade entry points

	/**
	 * Runs a workflow call inline with options.
	 * @see io.github.dbosspring.workflow.Dbos#run(WorkflowOptions, io.github.dbosspring.workflow.WorkflowCall)
	 */
	public <T> @Nullable T run(WorkflowOptions options, Callable<T> call) throws Exception {
		StartDirective directive = new StartDirective(options, false);
		DIRECTIVE.set(directive);
		try {
			T result = call.call();
			directive.checkConsumed();
			return result;
		}
		finally {
			DIRECTIVE.remove();
		}
	}

	/**
	 * Starts a workflow call in the background.
	 * @see io.github.dbosspring.workflow.Dbos#start(WorkflowOptions, io.github.dbosspring.workflow.WorkflowCall)
	 */
	@SuppressWarnings("unchecked")
	public <T> WorkflowHandle<T> start(WorkflowOptions options, Callable<?> call) throws Exception {
		StartDirective directive = new StartDirective(options, true);
		DIRECTIVE.set(directive);
		try {
			call.call();
			directive.checkConsumed();
			return (WorkflowHandle<T>) directive.handle;
		}
		finally {
			DIRECTIVE.remove();
		}
	}

	/**
	 * A handle for an existing workflow.
	 * @param workflowId the workflow ID
	 * @return the handle
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 */
	public <T> WorkflowHandle<T> retrieve(String workflowId) {
		WorkflowInfo info = this.workflows.find(workflowId)
			.orElseThrow(() -> new WorkflowNotFoundException("No workflow with ID '" + workflowId + "'"));
		return new DefaultWorkflowHandle<>(this, workflowId, this.registry.find(info.workflowName()).orElse(null));
	}

	public Optional<WorkflowInfo> findWorkflow(String workflowId) {
		return this.workflows.find(workflowId);
	}

	public List<WorkflowInfo> listWorkflows(io.github.dbosspring.workflow.WorkflowQuery query) {
		return this.workflows.list(query);
	}

	public List<StepInfo> listSteps(String workflowId) {
		return this.steps.findAll(workflowId);
	}

	// ------------------------------------------------------------------ queues

	/** The step name under which workflow code records a batch enqueue. */
	public static final String ENQUEUE_ALL_STEP = "DBOS.enqueueAll";

	/**
	 * Enqueues a workflow call: the call on the workflow's bean is intercepted, its
	 * arguments stored, and the method does not run here.
	 * @see io.github.dbosspring.workflow.Dbos#enqueue(EnqueueOptions, io.github.dbosspring.workflow.WorkflowCall)
	 */
	@SuppressWarnings("unchecked")
	public <T> WorkflowHandle<T> enqueue(EnqueueOptions options, Callable<?> call) throws Exception {
		EnqueueDirective directive = new EnqueueDirective(options, false);
		DIRECTIVE.set(directive);
		try {
			call.call();
			directive.checkConsumed();
			return (WorkflowHandle<T>) directive.handle;
		}
		finally {
			DIRECTIVE.remove();
		}
	}

	/**
	 * Enqueues a workflow of this application by name.
	 * @param options the queue and options
	 * @param workflowName the workflow name
	 * @param args the arguments
	 * @return a handle
	 * @throws WorkflowNotFoundException if this application defines no such workflow
	 */
	public <T> WorkflowHandle<T> enqueue(EnqueueOptions options, String workflowName, @Nullable Object[] args) {
		WorkflowMethod workflow = this.registry.find(workflowName)
			.orElseThrow(() -> new WorkflowNotFoundException("Cannot enqueue '" + workflowName + "': this application "
					+ "defines no workflow with that name (defined: " + workflowNames() + "). Nothing was enqueued."));
		int expected = workflow.method().getParameterCount();
		if (args.length != expected) {
			throw new IllegalArgumentException("Cannot enqueue " + workflow.describe() + ": it takes " + expected
					+ " argument(s), " + args.length + " given. Nothing was enqueued.");
		}
		Class<?>[] types = workflow.method().getParameterTypes();
		for (int i = 0; i < args.length; i++) {
			if (args[i] != null && !ClassUtils.isAssignableValue(types[i], args[i])) {
				throw new IllegalArgumentException("Cannot enqueue " + workflow.describe() + ": argument #" + i
						+ " is a " + args[i].getClass().getName() + ", the parameter is a " + types[i].getName()
						+ ". Nothing was enqueued.");
			}
		}
		@SuppressWarnings("unchecked")
		WorkflowHandle<T> handle = (WorkflowHandle<T>) enqueueCall(options, workflow, args);
		return handle;
	}

	/**
	 * Starts a workflow of this application in the background by its method, under the
	 * given ID (idempotent: an existing ID is not started again).
	 * @param workflow the workflow
	 * @param workflowId the ID
	 * @param args the arguments
	 * @return a handle
	 */
	public WorkflowHandle<?> startByName(WorkflowMethod workflow, String workflowId, @Nullable Object[] args) {
		Object bean = (workflow.beanName() != null) ? this.beanFactory.getBean(workflow.beanName())
				: this.beanFactory.getBean(workflow.userClass());
		Method method = AopUtils.selectInvocableMethod(workflow.method(), bean.getClass());
		ReflectionUtils.makeAccessible(method);
		try {
			return start(WorkflowOptions.withId(workflowId), () -> method.invoke(bean, args));
		}
		catch (InvocationTargetException ex) {
			throw new DbosException("Could not start '" + workflowId + "': " + ex.getTargetException(),
					ex.getTargetException());
		}
		catch (RuntimeException ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new DbosException("Could not start '" + workflowId + "': " + ex, ex);
		}
	}

	/**
	 * Enqueues several workflow calls in one transaction (the caller's, if there is one):
	 * all of them or none.
	 * @param options the options of each call
	 * @param calls the calls, each of a {@code @Workflow} method on its bean
	 * @return a handle per call, in order
	 */
	public List<WorkflowHandle<?>> enqueueAll(List<EnqueueOptions> options, List<Callable<?>> calls)
			throws Exception {
		if (options.size() != calls.size()) {
			throw new IllegalArgumentException("One EnqueueOptions per call is needed");
		}
		List<WorkflowMethod> workflows = new java.util.ArrayList<>(calls.size());
		List<@Nullable Object[]> arguments = new java.util.ArrayList<>(calls.size());
		for (int i = 0; i < calls.size(); i++) {
			EnqueueDirective directive = new EnqueueDirective(options.get(i), true);
			DIRECTIVE.set(directive);
			try {
				calls.get(i).call();
				directive.checkConsumed();
			}
			finally {
				DIRECTIVE.remove();
			}
			workflows.add(directive.captured);
			arguments.add(directive.capturedArgs);
		}
		WorkflowExecutionContext parent = WorkflowExecutionContext.current();
		if (parent != null && !parent.inStep()) {
			// from workflow code: one step, so a re-execution finds the same jobs
			Type listType = ResolvableType.forClassWithGenerics(List.class, String.class).getType();
			List<String> ids;
			try {
				@SuppressWarnings("unchecked")
				List<String> recordedIds = (List<String>) runStep(StepAttributes.of(ENQUEUE_ALL_STEP), listType,
						new Class<?>[0], () -> insertJobs(options, workflows, arguments));
				ids = recordedIds;
			}
			catch (Exception | Error ex) {
				throw ex;
			}
			catch (Throwable ex) {
				throw new DbosException("Could not enqueue the batch", ex);
			}
			List<WorkflowHandle<?>> handles = new java.util.ArrayList<>(ids.size());
			for (int i = 0; i < ids.size(); i++) {
				handles.add(new DefaultWorkflowHandle<>(this, ids.get(i), workflows.get(i)));
			}
			return handles;
		}
		List<String> ids = insertJobs(options, workflows, arguments);
		List<WorkflowHandle<?>> handles = new java.util.ArrayList<>(ids.size());
		for (int i = 0; i < ids.size(); i++) {
			handles.add(new DefaultWorkflowHandle<>(this, ids.get(i), workflows.get(i)));
		}
		return handles;
	}

	private List<String> insertJobs(List<EnqueueOptions> options, List<WorkflowMethod> workflows,
			List<@Nullable Object[]> arguments) {
		WorkflowExecutionContext parent = WorkflowExecutionContext.current();
		List<NewJob> jobs = new java.util.ArrayList<>(workflows.size());
		List<WorkflowTracing.Start> traces = new java.util.ArrayList<>(workflows.size());
		RuntimeException failure = null;
		try {
			for (int i = 0; i < workflows.size(); i++) {
				EnqueueOptions option = options.get(i);
				String id = (option.workflowId() != null) ? option.workflowId()
						: (parent != null) ? parent.childIdInStep() : UUID.randomUUID().toString();
				WorkflowTracing.Start trace = this.tracing.start(workflows.get(i).name(), id, option.queueName());
				traces.add(trace);
				jobs.add(newJob(option, workflows.get(i), arguments.get(i), id,
						(parent != null) ? parent.workflowId() : null, trace.traceContext()));
			}
			List<EnqueueResult> results;
			try {
				results = this.queues.enqueueAll(jobs);
			}
			catch (QueueRepository.DuplicateJobException ex) {
				throw new DeduplicationException(ex.getJob().queueName(), ex.getJob().deduplicationId());
			}
			Set<String> queueNames = new java.util.HashSet<>();
			for (int i = 0; i < jobs.size(); i++) {
				checkEnqueued(jobs.get(i), results.get(i));
				queueNames.add(jobs.get(i).queueName());
			}
			queueNames.forEach(this::afterEnqueue);
			return jobs.stream().map(NewJob::workflowId).toList();
		}
		catch (RuntimeException ex) {
			failure = ex;
			throw ex;
		}
		finally {
			for (WorkflowTracing.Start trace : traces) {
				trace.end(failure);
			}
		}
	}

	private WorkflowHandle<?> enqueueCall(EnqueueOptions options, WorkflowMethod workflow, @Nullable Object[] args) {
		WorkflowExecutionContext parent = WorkflowExecutionContext.current();
		if (parent == null || parent.inStep()) {
			String id = (options.workflowId() != null) ? options.workflowId()
					: (parent != null) ? parent.childIdInStep() : UUID.randomUUID().toString();
			return insertJob(options, workflow, args, id, (parent != null) ? parent.workflowId() : null);
		}
		// enqueued from workflow code: a step of the parent, so a re-execution finds the same job
		checkBoundary(parent);
		int stepId = nextStepId(parent);
		StepInfo recorded = parent.recorded(stepId);
		if (recorded != null) {
			checkStepName(parent, stepId, recorded, workflow.name());
			if (recorded.failed()) {
				throw asUnchecked(() -> replay(parent, recorded, Object.class, new Class<?>[0]));
			}
			String childId = (recorded.childWorkflowId() != null) ? recorded.childWorkflowId()
					: parent.workflowId() + "-" + stepId;
			return new DefaultWorkflowHandle<>(this, childId, workflow);
		}
		String childId = (options.workflowId() != null) ? options.workflowId() : parent.workflowId() + "-" + stepId;
		long startedAt = System.nanoTime();
		WorkflowHandle<?> handle = null;
		DbosException failure = null;
		try {
			handle = insertJob(options, workflow, args, childId, parent.workflowId());
		}
		catch (DbosException ex) {
			failure = ex;
		}
		catch (DataAccessException ex) {
			throw abandon(parent, "could not enqueue '" + workflow.name() + "' (" + ex.getMessage() + ")");
		}
		DbosException recordedFailure = failure;
		asUnchecked(() -> checkpoint(parent, stepId, workflow.name(), null, recordedFailure, childId, startedAt,
				Object.class, new Class<?>[0]));
		return handle;
	}

	private static RuntimeException asUnchecked(Invocation invocation) {
		try {
			invocation.proceed();
			return new IllegalStateException("expected a failure");
		}
		catch (RuntimeException ex) {
			throw ex;
		}
		catch (Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new DbosException(ex.getMessage(), ex);
		}
	}

	private WorkflowHandle<?> insertJob(EnqueueOptions options, WorkflowMethod workflow, @Nullable Object[] args,
			String workflowId, @Nullable String parentId) {
		WorkflowTracing.Start trace = this.tracing.start(workflow.name(), workflowId, options.queueName());
		NewJob job;
		try {
			job = newJob(options, workflow, args, workflowId, parentId, trace.traceContext());
			checkEnqueued(job, this.queues.enqueue(job));
		}
		catch (RuntimeException ex) {
			trace.end(ex);
			throw ex;
		}
		trace.end(null);
		afterEnqueue(job.queueName());
		return new DefaultWorkflowHandle<>(this, workflowId, workflow);
	}

	private void checkEnqueued(NewJob job, EnqueueResult result) {
		if (result.outcome() == EnqueueOutcome.DUPLICATE) {
			throw new DeduplicationException(job.queueName(), job.deduplicationId());
		}
		if (result.outcome() == EnqueueOutcome.EXISTS && !result.workflowName().equals(job.workflowName())) {
			throw new DbosException("Workflow ID '" + job.workflowId() + "' is already used by a workflow named '"
					+ result.workflowName() + "', not '" + job.workflowName() + "'. Workflow IDs are idempotency "
					+ "keys: use a distinct ID for a different workflow. Nothing was enqueued.");
		}
	}

	private NewJob newJob(EnqueueOptions options, WorkflowMethod workflow, @Nullable Object[] args,
			String workflowId, @Nullable String parentId, @Nullable String traceContext) {
		Queue queue = this.queueRegistry.get(options.queueName());
		if (options.priority() != 0 && !queue.priorityEnabled()) {
			throw new IllegalArgumentException("Cannot enqueue on queue '" + queue.name() + "' with priority "
					+ options.priority() + ": the queue does not have priorities enabled (set dbos.queues."
					+ queue.name() + ".priority-enabled=true). Nothing was enqueued.");
		}
		if (queue.partitioned() && options.partitionKey() == null) {
			throw new IllegalArgumentException("Queue '" + queue.name() + "' is partitioned: every enqueue needs a "
					+ "partition key (EnqueueOptions.withPartitionKey). Nothing was enqueued.");
		}
		if (!queue.partitioned() && options.partitionKey() != null) {
			throw new IllegalArgumentException("Queue '" + queue.name() + "' is not partitioned, so partition key '"
					+ options.partitionKey() + "' has no effect (set dbos.queues." + queue.name()
					+ ".partitioned=true). Nothing was enqueued.");
		}
		String inputs = serializeArguments(workflow, args);
		int maxAttempts = (options.maxAttempts() != null) ? options.maxAttempts() : queue.maxAttempts();
		return new NewJob(workflowId, workflow.name(), workflow.userClass().getName(), workflow.beanName(), inputs,
				options.applicationVersion(), parentId, queue.name(), options.deduplicationId(), options.priority(),
				options.partitionKey(), options.delay(), options.scheduledFor(), maxAttempts, options.timeout(),
				traceContext);
	}

	private void afterEnqueue(String queueName) {
		java.util.function.Consumer<String> wakeup = this.enqueueWakeup;
		if (org.springframework.transaction.support.TransactionSynchronizationManager.isSynchronizationActive()) {
			org.springframework.transaction.support.TransactionSynchronizationManager
				.registerSynchronization(new org.springframework.transaction.support.TransactionSynchronization() {
					@Override
					public void afterCompletion(int status) {
						if (status == STATUS_COMMITTED) {
							wake(wakeup, queueName);
						}
					}
				});
		}
		else {
			wake(wakeup, queueName);
		}
	}

	private String workflowNames() {
		List<String> names = this.registry.all().stream().map(WorkflowMethod::name).sorted().toList();
		return names.isEmpty() ? "none" : String.join(", ", names);
	}

	/**
	 * The names of the workflows this application defines.
	 * @return the workflow names
	 */
	public String[] workflowNameArray() {
		return this.registry.all().stream().map(WorkflowMethod::name).toArray(String[]::new);
	}

	/**
	 * Runs a job this executor has just dequeued, on the given pool.
	 * @param queue the job's queue
	 * @param job the dequeued job (now PENDING and owned here)
	 * @param pool the worker's pool
	 * @param onFinish called when the attempt has ended, whatever its outcome
	 * @return whether it was submitted (false: onFinish was already called)
	 */
	public boolean runJob(Queue queue, ClaimedJob job, java.util.concurrent.Executor pool, Runnable onFinish) {
		Optional<WorkflowMethod> workflow = this.registry.find(job.workflowName());
		if (workflow.isEmpty()) {
			// cannot happen for a job claimed by name; if it does, recovery takes it back later
			onFinish.run();
			return false;
		}
		int maxAttempts = (job.maxAttempts() != null) ? job.maxAttempts() : queue.maxAttempts();
		JobAttempt attempt = new JobAttempt(queue, job.attempt(), maxAttempts, job.deadline(), job.hasSteps(),
				job.traceContext());
		if (job.attempt() == 1) {
			this.observer.workflowStarted(job.workflowName());
		}
		this.observer.jobStarted(queue.name(),
				Duration.between(job.createdAt(), java.time.Instant.now()).isNegative() ? Duration.ZERO
						: Duration.between(job.createdAt(), java.time.Instant.now()));
		this.claimed.add(job.workflowId());
		try {
			pool.execute(() -> {
				CompletableFuture<Void> slot = new CompletableFuture<>();
				CompletableFuture<Void> previous;
				// the previous attempt's thread may still be unwinding after it put the job back
				while ((previous = this.running.putIfAbsent(job.workflowId(), slot)) != null) {
					previous.join();
				}
				this.claimed.remove(job.workflowId());
				try {
					invokeStored(workflow.get(), job.workflowId(), job.inputs(), attempt, null);
				}
				catch (WorkflowAbandonedException ex) {
					logger.info(ex.getMessage());
				}
				catch (Throwable ex) {
					logFailure(job.workflowId(), ex);
				}
				finally {
					release(job.workflowId(), slot);
					onFinish.run();
				}
			});
			return true;
		}
		catch (RejectedExecutionException ex) {
			this.claimed.remove(job.workflowId());
			onFinish.run();
			logger.info("Job '" + job.workflowId() + "' was left PENDING for recovery: this worker is stopping");
			return false;
		}
	}

	/**
	 * Cancels a workflow that has not completed: a waiting job is never started, a running
	 * one stops at its next step.
	 * @param workflowId the workflow
	 * @return whether it was cancelled now (false: it had completed already)
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 */
	public boolean cancel(String workflowId) {
		return cancel(workflowId, false);
	}

	/**
	 * Cancels a workflow, and with {@code cascade} its children that have not completed.
	 * @see #cancel(String)
	 */
	public boolean cancel(String workflowId, boolean cascade) {
		return this.control.cancel(workflowId, cascade);
	}

	/**
	 * Puts a dead-lettered job back on its queue with a fresh attempt counter; it resumes
	 * from its last completed step.
	 * @param workflowId the dead-lettered job
	 * @return the handle of the replayed job (same ID)
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 * @throws IllegalStateException if it is not dead-lettered
	 */
	public <T> WorkflowHandle<T> replayDeadLetter(String workflowId) {
		return woken(this.control.replayDeadLetter(workflowId));
	}

	/**
	 * Resumes a cancelled or failed workflow from its last completed step: a queued job
	 * goes back to its queue, any other workflow is adopted by a live executor of its
	 * application version within {@code dbos.recovery.interval}. Idempotent.
	 * @param workflowId the workflow
	 * @return a handle for it
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 * @throws IllegalStateException if it completed successfully
	 */
	public <T> WorkflowHandle<T> resume(String workflowId) {
		return woken(this.control.resume(workflowId));
	}

	/** Wakes the workflow's queue here, if it is a job, and returns a handle for it. */
	private <T> WorkflowHandle<T> woken(WorkflowInfo info) {
		if (info.queueName() != null) {
			wake(info.queueName());
		}
		return new DefaultWorkflowHandle<>(this, info.workflowId(),
				this.registry.find(info.workflowName()).orElse(null));
	}

	/**
	 * Starts a new workflow from a copy of another's steps numbered below
	 * {@code fromStep}; it runs from that step on (on its queue, if the original was
	 * queued).
	 * @param workflowId the original
	 * @param fromStep the first step to run again
	 * @param newWorkflowId the new workflow's ID, or {@code null} for a generated one
	 * @param applicationVersion the new workflow's version, or {@code null} for the original's
	 * @return a handle for the new workflow
	 */
	public <T> WorkflowHandle<T> fork(String workflowId, int fromStep, @Nullable String newWorkflowId,
			@Nullable String applicationVersion) {
		return woken(this.control.fork(workflowId, fromStep, newWorkflowId, applicationVersion));
	}

	/**
	 * Deletes a workflow with its steps, events, messages and attempts; a running one is
	 * cancelled first.
	 * @param cascade whether to delete its children too
	 * @return whether it existed
	 */
	public boolean delete(String workflowId, boolean cascade) {
		return this.control.delete(workflowId, cascade);
	}

	public List<QueueRepository.FailedAttempt> listAttempts(String workflowId) {
		return this.queues.attempts(workflowId);
	}

	/**
	 * Reports the calling job's progress: best effort, never fails the job. Recorded in its
	 * row and published as its {@value Progress#EVENT} event. Skipped while a recovered
	 * workflow replays recorded steps.
	 * @param percent 0 to 100 (clamped)
	 * @param message an optional message
	 */
	public void setProgress(int percent, @Nullable String message) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null) {
			throw new IllegalStateException("Dbos.setProgress(...) must be called from a workflow or one of its steps");
		}
		if (!context.inStep() && context.isReplaying()) {
			return;
		}
		flushCheckpointOfCaller();
		Progress progress = new Progress(percent, message);
		try {
			String value = this.serializer.serialize(progress);
			this.queues.setProgress(context.workflowId(), this.executorId, progress.percent(), message,
					Progress.EVENT, value);
		}
		catch (RuntimeException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Could not record the progress of workflow '" + context.workflowId() + "'", ex);
			}
		}
	}

	// ------------------------------------------------------------------ durable sleep

	/** The step name under which a workflow records the deadline of a recv or getEvent wait. */
	public static final String TIMEOUT_STEP = "DBOS.timeout";

	/**
	 * Records (or replays) the deadline of a wait as a step, and returns the time left.
	 */
	private Duration durableTimeout(WorkflowExecutionContext context, Duration timeout) {
		long deadline = recordedTime(context, TIMEOUT_STEP, timeout, "the deadline of a wait");
		return Duration.ofMillis(Math.max(0, deadline - System.currentTimeMillis()));
	}

	/**
	 * A point in time recorded as the next step (epoch milliseconds): {@code from now} on the
	 * first execution, the recorded value on a re-execution.
	 * @param what what the time is, for messages
	 */
	private long recordedTime(WorkflowExecutionContext context, String stepName, Duration fromNow, String what) {
		int stepId = nextStepId(context);
		StepInfo recorded = context.recorded(stepId);
		if (recorded != null) {
			checkStepName(context, stepId, recorded, stepName);
			Long recordedTime = (Long) this.serializer.deserialize(recorded.output(), Long.class);
			return (recordedTime != null) ? recordedTime : 0L;
		}
		checkBoundary(context);
		long time = System.currentTimeMillis() + fromNow.toMillis();
		boolean written;
		try {
			written = this.steps.insert(context.workflowId(), this.executorId, stepId, stepName, Long.toString(time),
					Long.class.getName(), null, null, null, 0);
		}
		catch (DataAccessException ex) {
			throw abandon(context, "could not record " + what + " (" + ex.getMessage() + ")");
		}
		if (!written && this.steps.find(context.workflowId(), stepId).isEmpty()) {
			throw abandon(context, "this executor no longer owns it; " + what + " was not recorded");
		}
		return time;
	}

	/**
	 * Sleeps durably: the wake-up time is recorded as a step, so a workflow recovered after
	 * a crash wakes at the original time, not a full sleep after the restart. A sleep longer
	 * than the park threshold of a workflow run by the engine (background, queued,
	 * recovered) releases its thread: the workflow is parked (PENDING without an owner,
	 * not before its wake-up time) and resumed by a live executor of its application
	 * version within {@code dbos.recovery.interval} of that time.
	 * @param duration how long to sleep
	 */
	public void sleep(Duration duration) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null || context.inStep()) {
			sleepPlainly(duration);
			return;
		}
		long wakeAt = recordedTime(context, SLEEP_STEP, duration, "its sleep's wake-up time");
		long remaining = wakeAt - System.currentTimeMillis();
		if (remaining <= 0) {
			return;
		}
		if (context.isParkable() && remaining > this.sleepParkThreshold.toMillis()) {
			boolean parked;
			try {
				parked = this.workflows.park(context.workflowId(), this.executorId, java.time.Instant.ofEpochMilli(wakeAt));
			}
			catch (DataAccessException ex) {
				throw abandon(context, "could not park it (" + ex.getMessage() + ")");
			}
			context.abandon();
			throw new WorkflowAbandonedException(context.workflowId(), parked
					? "it sleeps until " + java.time.Instant.ofEpochMilli(wakeAt) + " without holding a thread (parked)"
					: "this executor no longer owns it");
		}
		long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(remaining);
		while (true) {
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				return;
			}
			try {
				Thread.sleep(Math.min(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left) + 1, 1000));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw abandon(context, "interrupted while sleeping");
			}
			// a cancel, a timeout or a shutdown ends the sleep early
			checkBoundary(context);
			if (this.workflows.find(context.workflowId()).map((info) -> info.status() != WorkflowStatus.PENDING)
				.orElse(true)) {
				throw abandon(context, "it was cancelled while sleeping");
			}
		}
	}

	private static void sleepPlainly(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DbosException("Interrupted while sleeping", ex);
		}
	}

	/**
	 * Sleeps longer than this release their thread when the workflow runs on the engine.
	 * @param threshold the park threshold
	 */
	public void setSleepParkThreshold(Duration threshold) {
		this.sleepParkThreshold = threshold;
	}

	// ------------------------------------------------------------------ events

	/** The step name under which a workflow records each {@code setEvent}. */
	public static final String SET_EVENT_STEP = "DBOS.setEvent";

	/** The step name under which a workflow records each {@code getEvent}. */
	public static final String GET_EVENT_STEP = "DBOS.getEvent";

	/**
	 * Sets an event of the calling workflow (last value wins), recorded as a step in the
	 * same statement as the event itself: a re-executed workflow does not set it again.
	 * @param key the event key
	 * @param value the value, serialized like a step output
	 */
	public void setEvent(String key, @Nullable Object value) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null || context.inStep()) {
			throw new IllegalStateException("Dbos.setEvent(\"" + key + "\", ...) must be called from a workflow's "
					+ "code, not outside a workflow or inside a step");
		}
		int stepId = nextStepId(context);
		StepInfo recorded = context.recorded(stepId);
		if (recorded != null) {
			checkStepName(context, stepId, recorded, SET_EVENT_STEP);
			return;
		}
		checkBoundary(context);
		String text = serializeValue(value, "event '" + key + "' of workflow '" + context.workflowId() + "'");
		boolean written;
		try {
			written = this.events.setWithCheckpoint(context.workflowId(), this.executorId, stepId, SET_EVENT_STEP, key,
					text);
		}
		catch (DataAccessException ex) {
			throw abandon(context, "could not record event '" + key + "' (" + ex.getMessage() + ")");
		}
		if (!written && this.steps.find(context.workflowId(), stepId).isEmpty()) {
			throw abandon(context, "this executor no longer owns it; event '" + key + "' was not set");
		}
	}

	/**
	 * Waits until a workflow's event is set, or the timeout passes. Called from a
	 * workflow, the outcome is recorded as a step, so a re-execution sees the same value.
	 * @param workflowId the workflow that sets the event
	 * @param key the event key
	 * @param type the type to read the value as
	 * @param timeout the longest time to wait
	 * @return the value, or empty if it was not set in time (or was set to {@code null})
	 */
	@SuppressWarnings("unchecked")
	public <T> Optional<T> getEvent(String workflowId, String key, Type type, Duration timeout) {
		WorkflowExecutionContext current = WorkflowExecutionContext.current();
		if (current != null) {
			// the wait's deadline is recorded first, so a recovered workflow waits only what is left
			Duration remaining = current.inStep() ? timeout : durableTimeout(current, timeout);
			Type optionalType = ResolvableType.forClassWithGenerics(Optional.class, ResolvableType.forType(type))
				.getType();
			try {
				return (Optional<T>) runStep(StepAttributes.of(GET_EVENT_STEP), optionalType, new Class<?>[0],
						() -> awaitEvent(workflowId, key, type, remaining));
			}
			catch (RuntimeException | Error ex) {
				throw ex;
			}
			catch (Throwable ex) {
				throw new DbosException("Could not read event '" + key + "' of workflow '" + workflowId + "'", ex);
			}
		}
		return (Optional<T>) awaitEvent(workflowId, key, type, timeout);
	}

	private Optional<?> awaitEvent(String workflowId, String key, Type type, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		PollBackoff backoff = new PollBackoff();
		try (WaitNotifications.Waiter waiter = (timeout.isZero()) ? null
				: this.waitNotifications.register(workflowId, key)) {
		while (true) {
			Optional<String> value = this.events.find(workflowId, key);
			if (value.isPresent()) {
				return Optional.ofNullable(this.serializer.deserialize(value.get(), type));
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				return Optional.empty();
			}
			try {
				backoff.pause(remaining, waiter);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new DbosException("Interrupted while waiting for event '" + key + "' of workflow '"
						+ workflowId + "'", ex);
			}
		}
		}
	}

	/**
	 * The events of a workflow, with their values as stored (JSON).
	 * @param workflowId the workflow ID
	 * @return the events by key
	 */
	public Map<String, String> listEvents(String workflowId) {
		return this.events.findAll(workflowId);
	}

	// ------------------------------------------------------------------ streams

	/** The step name under which a workflow records each value it writes to a stream. */
	public static final String WRITE_STREAM_STEP = "DBOS.writeStream";

	/** The step name under which a workflow records closing a stream. */
	public static final String CLOSE_STREAM_STEP = "DBOS.closeStream";

	private volatile io.github.dbosspring.store.@Nullable WorkflowStreamRepository streams;

	public void setStreams(io.github.dbosspring.store.WorkflowStreamRepository streams) {
		this.streams = streams;
	}

	/**
	 * Appends a value to a stream of the calling workflow (or closes it), recorded as a step
	 * in the same statement: a re-executed workflow does not append it again.
	 * @param key the stream
	 * @param value the value, or {@code null} with {@code close}
	 * @param close whether this closes the stream
	 */
	public void writeStream(String key, @Nullable Object value, boolean close) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		String stepName = close ? CLOSE_STREAM_STEP : WRITE_STREAM_STEP;
		if (context == null || context.inStep()) {
			throw new IllegalStateException("Dbos." + (close ? "closeStream" : "writeStream") + "(\"" + key
					+ "\", ...) must be called from a workflow's code, not outside a workflow or inside a step");
		}
		int stepId = nextStepId(context);
		StepInfo recorded = context.recorded(stepId);
		if (recorded != null) {
			checkStepName(context, stepId, recorded, stepName);
			return;
		}
		checkBoundary(context);
		String text = close ? null
				: serializeValue(value, "a value of stream '" + key + "' of workflow '" + context.workflowId() + "'");
		boolean written;
		try {
			written = requireStreams().appendWithCheckpoint(context.workflowId(), this.executorId, stepId, stepName,
					key, text, close);
		}
		catch (DataAccessException ex) {
			throw abandon(context, "could not write to stream '" + key + "' (" + ex.getMessage() + ")");
		}
		if (!written && this.steps.find(context.workflowId(), stepId).isEmpty()) {
			throw abandon(context, "this executor no longer owns it; stream '" + key + "' was not written");
		}
	}

	private io.github.dbosspring.store.WorkflowStreamRepository requireStreams() {
		io.github.dbosspring.store.WorkflowStreamRepository repository = this.streams;
		if (repository == null) {
			throw new IllegalStateException("Streams are not configured");
		}
		return repository;
	}

	/**
	 * Reads a workflow's stream as values arrive: the iterator blocks until the next value,
	 * and ends when the stream is closed or the workflow has completed.
	 * @param workflowId the writing workflow
	 * @param key the stream
	 * @param type the type to read the values as
	 * @return the values, in the order written
	 */
	public <T> java.util.Iterator<T> readStream(String workflowId, String key, Class<T> type) {
		io.github.dbosspring.store.WorkflowStreamRepository repository = requireStreams();
		return new java.util.Iterator<>() {

			private final java.util.ArrayDeque<T> buffer = new java.util.ArrayDeque<>();

			private int next;

			private boolean done;

			@Override
			public boolean hasNext() {
				if (!this.buffer.isEmpty()) {
					return true;
				}
				if (this.done) {
					return false;
				}
				PollBackoff backoff = new PollBackoff();
				try (WaitNotifications.Waiter waiter = WorkflowEngine.this.waitNotifications.register(workflowId,
						"stream:" + key)) {
					while (true) {
						if (fill()) {
							return !this.buffer.isEmpty();
						}
						boolean ended = WorkflowEngine.this.workflows.find(workflowId)
							.map((info) -> info.status().isTerminal())
							.orElse(true);
						if (ended) {
							// a last look: values written just before the end
							fill();
							this.done = true;
							return !this.buffer.isEmpty();
						}
						backoff.pause(Long.MAX_VALUE, waiter);
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new DbosException("Interrupted while reading stream '" + key + "' of workflow '"
							+ workflowId + "'", ex);
				}
			}

			/** Reads what is there; returns whether there was something new (or the end). */
			private boolean fill() {
				boolean any = false;
				for (io.github.dbosspring.store.WorkflowStreamRepository.StreamRow row : repository.read(workflowId,
						key, this.next)) {
					this.next = row.seq() + 1;
					any = true;
					if (row.closed()) {
						this.done = true;
						break;
					}
					this.buffer.add(type.cast(WorkflowEngine.this.serializer.deserialize(row.value(), type)));
				}
				return any;
			}

			@Override
			public T next() {
				if (!hasNext()) {
					throw new java.util.NoSuchElementException("Stream '" + key + "' of workflow '" + workflowId
							+ "' has ended");
				}
				return this.buffer.poll();
			}

		};
	}

	// ------------------------------------------------------------------ messages

	/** The step name under which a workflow records each {@code recv}. */
	public static final String RECV_STEP = "DBOS.recv";

	/** The step name under which a workflow records each {@code send}. */
	public static final String SEND_STEP = "DBOS.send";

	/**
	 * Sends a message to a workflow. Called from a workflow, the send is a step with an
	 * idempotency key derived from the sender's ID and step, so it is delivered once even if
	 * the sender is re-executed.
	 * @param destinationId the receiving workflow
	 * @param topic the topic
	 * @param message the message, serialized like a step output
	 * @param idempotencyKey a key that makes a retried send deliver once, or {@code null}
	 * @throws WorkflowNotFoundException if no workflow has that ID
	 */
	public void send(String destinationId, String topic, @Nullable Object message, @Nullable String idempotencyKey) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context != null && !context.inStep()) {
			try {
				runStep(StepAttributes.of(SEND_STEP), Object.class, new Class<?>[0], () -> {
					WorkflowExecutionContext step = WorkflowExecutionContext.current();
					String key = (idempotencyKey != null) ? idempotencyKey
							: step.workflowId() + ":" + step.currentStepId();
					deliver(destinationId, topic, message, key);
					return null;
				});
			}
			catch (RuntimeException | Error ex) {
				throw ex;
			}
			catch (Throwable ex) {
				throw new DbosException("Could not send to workflow '" + destinationId + "'", ex);
			}
			return;
		}
		deliver(destinationId, topic, message, idempotencyKey);
	}

	private void deliver(String destinationId, String topic, @Nullable Object message, @Nullable String key) {
		if (this.workflows.find(destinationId).isEmpty()) {
			throw new WorkflowNotFoundException("Cannot send to workflow '" + destinationId + "': no workflow has that "
					+ "ID. Send to a started workflow.");
		}
		String text = serializeValue(message, "a message to workflow '" + destinationId + "'");
		this.messages.send(destinationId, topic, text, key);
	}

	/**
	 * Receives the oldest message of a topic sent to the calling workflow, waiting up to
	 * the timeout. Each message is consumed once: taking it and recording it as this step's
	 * output is one statement. A timeout is recorded too, so a re-execution also gets
	 * nothing (the wait starts again if the workflow is recovered mid-wait).
	 * @return the message, or empty on timeout
	 */
	public Optional<?> recv(String topic, Type type, Duration timeout) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null || context.inStep()) {
			throw new IllegalStateException("Dbos.recv(\"" + topic + "\", ...) must be called from a workflow's code, "
					+ "not outside a workflow or inside a step");
		}
		// the wait's deadline is recorded first, so a recovered workflow waits only what is left
		Duration remainingTimeout = durableTimeout(context, timeout);
		int stepId = nextStepId(context);
		StepInfo recorded = context.recorded(stepId);
		if (recorded != null) {
			checkStepName(context, stepId, recorded, RECV_STEP);
			return (recorded.output() != null) ? Optional.ofNullable(this.serializer.deserialize(recorded.output(), type))
					: Optional.empty();
		}
		long deadline = System.nanoTime() + remainingTimeout.toNanos();
		PollBackoff backoff = new PollBackoff();
		try (WaitNotifications.Waiter waiter = this.waitNotifications.register(context.workflowId(), topic)) {
		while (true) {
			checkBoundary(context);
			Optional<String> received;
			try {
				received = this.messages.receiveWithCheckpoint(context.workflowId(), this.executorId, topic, stepId,
						RECV_STEP);
			}
			catch (DataAccessException ex) {
				throw abandon(context, "could not receive on topic '" + topic + "' (" + ex.getMessage() + ")");
			}
			if (received.isPresent()) {
				return Optional.ofNullable(this.serializer.deserialize(received.get(), type));
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				boolean written;
				try {
					written = this.steps.insert(context.workflowId(), this.executorId, stepId, RECV_STEP, null, null,
							null, null, null, timeout.toNanos() / 1e9);
				}
				catch (DataAccessException ex) {
					throw abandon(context, "could not record the timeout of recv on '" + topic + "'");
				}
				if (!written) {
					throw abandon(context, "this executor no longer owns it; recv on '" + topic + "' was not recorded");
				}
				return Optional.empty();
			}
			try {
				backoff.pause(remaining, waiter);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw abandon(context, "interrupted while waiting on topic '" + topic + "'");
			}
		}
		}
	}

	// ------------------------------------------------------------------ interception

	/**
	 * Called by the workflow interceptor for every call of a {@code @Workflow} method.
	 */
	Object invokeWorkflow(WorkflowMethod workflow, MethodInvocation invocation) throws Throwable {
		Object directive = DIRECTIVE.get();
		if (directive != null) {
			DIRECTIVE.remove();
		}
		if (directive instanceof ResumeDirective resume && resume.workflowName().equals(workflow.name())) {
			return resumeOwned(workflow, resume.workflowId(), resume.job(), resume.traceContext(), invocation::proceed);
		}
		if (directive instanceof EnqueueDirective enqueue) {
			enqueue.consume();
			if (enqueue.captureOnly) {
				enqueue.captured = workflow;
				enqueue.capturedArgs = invocation.getArguments().clone();
			}
			else {
				enqueue.handle = enqueueCall(enqueue.options, workflow, invocation.getArguments());
			}
			return placeholder(invocation.getMethod());
		}
		StartDirective start = (directive instanceof StartDirective startDirective) ? startDirective.consume() : null;
		String explicitId = (start != null) ? start.options.workflowId() : null;
		boolean background = start != null && start.background;
		WorkflowExecutionContext parent = WorkflowExecutionContext.current();
		Deadline deadline = new Deadline((start != null && start.options.timeout() != null) ? start.options.timeout()
				: workflow.timeout(), (parent != null) ? parent.deadline() : null,
				(parent != null) ? parent.deadlineOwner() : null);
		if (parent == null || parent.inStep()) {
			// a top-level workflow, or a child started inside a step body (replayed with the step)
			String id = (explicitId != null) ? explicitId
					: (parent != null) ? parent.childIdInStep() : UUID.randomUUID().toString();
			String parentId = (parent != null) ? parent.workflowId() : null;
			if (background) {
				start.handle = startInBackground(workflow, id, invocation, parentId, deadline);
				return placeholder(invocation.getMethod());
			}
			return runInline(workflow, id, invocation.getArguments(), parentId, invocation::proceed, deadline);
		}
		// a child started from a workflow body is a step of its parent
		checkBoundary(parent);
		int stepId = nextStepId(parent);
		StepInfo recorded = parent.recorded(stepId);
		if (recorded != null) {
			checkStepName(parent, stepId, recorded, workflow.name());
			if (background) {
				String childId = (recorded.childWorkflowId() != null) ? recorded.childWorkflowId()
						: parent.workflowId() + "-" + stepId;
				start.handle = new DefaultWorkflowHandle<>(this, childId, workflow);
				return placeholder(invocation.getMethod());
			}
			return replay(parent, recorded, workflow.returnType(), workflow.method().getExceptionTypes());
		}
		String childId = (explicitId != null) ? explicitId : parent.workflowId() + "-" + stepId;
		long startedAt = System.nanoTime();
		if (background) {
			start.handle = startInBackground(workflow, childId, invocation, parent.workflowId(), deadline);
			checkpoint(parent, stepId, workflow.name(), null, null, childId, startedAt,
					workflow.method().getReturnType(), workflow.method().getExceptionTypes());
			return placeholder(invocation.getMethod());
		}
		Object result = null;
		Throwable failure = null;
		try {
			result = runInline(workflow, childId, invocation.getArguments(), parent.workflowId(),
					invocation::proceed, deadline);
		}
		catch (WorkflowAbandonedException ex) {
			parent.abandon();
			throw ex;
		}
		catch (Throwable ex) {
			failure = ex;
		}
		return checkpoint(parent, stepId, workflow.name(), result, failure, childId, startedAt,
				workflow.returnType(), workflow.method().getExceptionTypes());
	}

	/**
	 * Called by the step interceptor (and lambda steps) for every step call.
	 * @param attributes the step's settings
	 * @param returnType the type to read a recorded output as
	 * @param declaredExceptions checked exceptions the step may throw
	 * @param body the step body
	 * @return the step's output, live or recorded
	 */
	public @Nullable Object runStep(StepAttributes attributes, Type returnType, Class<?>[] declaredExceptions,
			Invocation body) throws Throwable {
		return runStep(attributes, returnType, declaredExceptions, body, null, null);
	}

	/**
	 * Runs a step method; a {@code @Transactional} one on the DBOS system database writes
	 * its checkpoint inside its own transaction.
	 */
	@Nullable Object runStep(StepAttributes attributes, Type returnType, Class<?>[] declaredExceptions,
			Invocation body, @Nullable Method method, @Nullable Class<?> targetClass) throws Throwable {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null || context.inStep()) {
			// outside a workflow, or nested in another step (checkpointed with it)
			return body.proceed();
		}
		int stepId = nextStepId(context);
		StepInfo recorded = context.recorded(stepId);
		if (recorded != null) {
			checkStepName(context, stepId, recorded, attributes.name());
			return replay(context, recorded, returnType, declaredExceptions);
		}
		checkBoundary(context);
		TransactionalSteps transactional = this.transactionalSteps;
		TransactionalSteps.TransactionalStep transaction = (transactional != null && method != null
				&& targetClass != null) ? transactional.find(method, targetClass) : null;
		context.enterStep(stepId);
		try {
			if (transaction != null) {
				return traced(context, stepId, attributes.name(), () -> runTransactionalStep(context, stepId,
						attributes, returnType, declaredExceptions, body, transaction));
			}
			return traced(context, stepId, attributes.name(),
					() -> runAndCheckpoint(context, stepId, attributes, returnType, declaredExceptions, body));
		}
		finally {
			context.exitStep();
		}
	}

	/**
	 * Runs a step (its body with retries, and its checkpoint) in its trace.
	 */
	private @Nullable Object traced(WorkflowExecutionContext context, int stepId, String stepName, Invocation step)
			throws Throwable {
		WorkflowTracing.Step trace = context.tracing().step(stepName, stepId);
		Throwable failure = null;
		try (WorkflowTracing.Scope scope = trace.open()) {
			return step.proceed();
		}
		catch (Throwable ex) {
			failure = ex;
			throw ex;
		}
		finally {
			trace.end(failure);
		}
	}

	/**
	 * Runs a transactional step in a transaction of its own definition and writes its
	 * checkpoint in that transaction before the commit: the step's writes and its checkpoint
	 * commit together, so after a crash at any moment the step has committed once. A
	 * failure that rolls the transaction back is recorded afterwards, as for any step.
	 */
	private @Nullable Object runTransactionalStep(WorkflowExecutionContext context, int stepId,
			StepAttributes attributes, Type returnType, Class<?>[] declaredExceptions, Invocation body,
			TransactionalSteps.TransactionalStep transaction) throws Throwable {
		long startedAt = System.nanoTime();
		for (int attempt = 1;; attempt++) {
			Object[] outcome;
			Throwable failure;
			try {
				outcome = transaction.template().execute((status) -> {
					Object result = null;
					Throwable thrown = null;
					try {
						result = body.proceed();
					}
					catch (Throwable ex) {
						thrown = ex;
					}
					if (thrown != null && (transaction.attribute().rollbackOn(thrown) || status.isRollbackOnly())) {
						status.setRollbackOnly();
						return new Object[] { "rolled-back", thrown };
					}
					String output = null;
					if (thrown == null) {
						try {
							output = serializeValue(result, "the output of step '" + attributes.name()
									+ "' in workflow '" + context.workflowId() + "'");
						}
						catch (DbosException ex) {
							status.setRollbackOnly();
							return new Object[] { "rolled-back", ex };
						}
					}
					boolean written = this.steps.insertInCallerTransaction(context.workflowId(), this.executorId,
							stepId, attributes.name(), output, (result != null) ? result.getClass().getName() : null,
							(thrown != null) ? thrown.getClass().getName() : null,
							(thrown != null) ? thrown.getMessage() : null, (System.nanoTime() - startedAt) / 1e9);
					if (!written) {
						status.setRollbackOnly();
						return new Object[] { "not-owned", null };
					}
					return new Object[] { "committed", thrown, result };
				});
				failure = (outcome != null) ? (Throwable) outcome[1] : null;
			}
			catch (org.springframework.transaction.TransactionException | DataAccessException ex) {
				// the commit failed: neither the step's writes nor its checkpoint are recorded
				outcome = new Object[] { "rolled-back", ex };
				failure = ex;
			}
			String state = (outcome != null) ? (String) outcome[0] : "rolled-back";
			if ("committed".equals(state)) {
				this.observer.stepCompleted(attributes.name(), failure != null,
						Duration.ofNanos(System.nanoTime() - startedAt));
				if (failure != null) {
					throw failure;
				}
				return outcome[2];
			}
			if ("not-owned".equals(state)) {
				Optional<StepInfo> existing = this.steps.find(context.workflowId(), stepId);
				if (existing.isEmpty() || !stillOwned(context)) {
					throw abandon(context, "this executor no longer owns it; transactional step '" + attributes.name()
							+ "' was rolled back");
				}
				return replay(context, existing.get(), returnType, declaredExceptions);
			}
			if (failure instanceof WorkflowAbandonedException abandoned) {
				context.abandon();
				throw abandoned;
			}
			if (interruptedByShutdown(failure)) {
				throw abandon(context, "step '" + attributes.name() + "' was interrupted by the shutdown");
			}
			if (attempt < attributes.maxAttempts() && attributes.isRetryable(failure)) {
				try {
					Thread.sleep(attributes.delayBeforeRetry(attempt).toMillis());
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					throw abandon(context, "interrupted while waiting to retry step '" + attributes.name() + "'");
				}
				checkBoundary(context);
				continue;
			}
			// rolled back for good: record the failure outside the transaction
			return checkpoint(context, stepId, attributes.name(), null, failure, null, startedAt, returnType,
					declaredExceptions);
		}
	}

	/**
	 * Runs a step body (with its retries) and checkpoints its outcome. A failure caused by
	 * the workflow being abandoned, or by the shutdown's interrupt, is not an outcome: the
	 * step is left for recovery.
	 */
	private @Nullable Object runAndCheckpoint(WorkflowExecutionContext context, int stepId, StepAttributes attributes,
			Type returnType, Class<?>[] declaredExceptions, Invocation body) throws Throwable {
		long startedAt = System.nanoTime();
		Object result = null;
		Throwable failure = null;
		try {
			result = runWithRetries(context, attributes, body);
		}
		catch (WorkflowAbandonedException ex) {
			context.abandon();
			throw ex;
		}
		catch (Throwable ex) {
			if (interruptedByShutdown(ex)) {
				throw abandon(context, "step '" + attributes.name() + "' was interrupted by the shutdown");
			}
			failure = ex;
		}
		return checkpoint(context, stepId, attributes.name(), result, failure, null, startedAt, returnType,
				declaredExceptions, this.deferCheckpoints && !context.isParallelStep());
	}

	/**
	 * Starts a step on another thread and returns at once. The step's sequence number is
	 * taken now, on the workflow's thread, so parallel steps started in a deterministic
	 * order replay in that order; each is checkpointed on its own as it completes.
	 * @return the step's outcome, live or recorded
	 */
	public CompletableFuture<@Nullable Object> startStep(StepAttributes attributes, Type returnType,
			Class<?>[] declaredExceptions, Invocation body) {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context == null || context.inStep()) {
			return CompletableFuture.supplyAsync(() -> call(body), this.stepPool);
		}
		int stepId = nextStepId(context);
		StepInfo recorded = context.recorded(stepId);
		if (recorded != null) {
			checkStepName(context, stepId, recorded, attributes.name());
			try {
				return CompletableFuture.completedFuture(replay(context, recorded, returnType, declaredExceptions));
			}
			catch (Throwable ex) {
				return CompletableFuture.failedFuture(ex);
			}
		}
		checkBoundary(context);
		CompletableFuture<@Nullable Object> outcome = new CompletableFuture<>();
		this.stepPool.execute(() -> {
			WorkflowExecutionContext stepContext = context.forParallelStep(stepId);
			WorkflowExecutionContext previous = WorkflowExecutionContext.bind(stepContext);
			try {
				outcome.complete(traced(stepContext, stepId, attributes.name(), () -> runAndCheckpoint(stepContext,
						stepId, attributes, returnType, declaredExceptions, body)));
			}
			catch (Throwable ex) {
				outcome.completeExceptionally(ex);
			}
			finally {
				WorkflowExecutionContext.bind(previous);
			}
		});
		return outcome;
	}

	private static @Nullable Object call(Invocation body) {
		try {
			return body.proceed();
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new java.util.concurrent.CompletionException(ex);
		}
	}

	private @Nullable Object runWithRetries(WorkflowExecutionContext context, StepAttributes attributes,
			Invocation body) throws Throwable {
		for (int attempt = 1;; attempt++) {
			try {
				return body.proceed();
			}
			catch (Throwable ex) {
				if (attempt >= attributes.maxAttempts() || !attributes.isRetryable(ex)
						|| ex instanceof WorkflowAbandonedException) {
					throw ex;
				}
				Duration delay = attributes.delayBeforeRetry(attempt);
				if (logger.isDebugEnabled()) {
					logger.debug("Step '" + attributes.name() + "' of workflow '" + context.workflowId()
							+ "' failed (attempt " + attempt + " of " + attributes.maxAttempts() + "), retrying in "
							+ delay.toMillis() + " ms: " + ex);
				}
				try {
					Thread.sleep(delay.toMillis());
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					throw abandon(context, "interrupted while waiting to retry step '" + attributes.name() + "'");
				}
				checkBoundary(context);
			}
		}
	}

	/**
	 * Writes a step's outcome and returns it (or throws it). When the checkpoint is
	 * refused, the outcome an earlier execution recorded for the step wins while this
	 * executor still owns the workflow; otherwise this executor lost the workflow and stops.
	 */
	private @Nullable Object checkpoint(WorkflowExecutionContext context, int stepId, String stepName,
			@Nullable Object result, @Nullable Throwable failure, @Nullable String childId, long startedAtNanos,
			Type returnType, Class<?>[] declaredExceptions) throws Throwable {
		return checkpoint(context, stepId, stepName, result, failure, childId, startedAtNanos, returnType,
				declaredExceptions, false);
	}

	/**
	 * Writes a step's outcome, or with {@code deferrable} keeps it in the context for the
	 * workflow's next durable operation or its outcome to write, and returns it (or throws
	 * it).
	 */
	private @Nullable Object checkpoint(WorkflowExecutionContext context, int stepId, String stepName,
			@Nullable Object result, @Nullable Throwable failure, @Nullable String childId, long startedAtNanos,
			Type returnType, Class<?>[] declaredExceptions, boolean deferrable) throws Throwable {
		String output = null;
		if (failure == null) {
			try {
				output = serializeValue(result, "the output of step '" + stepName + "' in workflow '"
						+ context.workflowId() + "'");
			}
			catch (DbosException ex) {
				failure = ex;
			}
		}
		String errorClass = (failure != null) ? failure.getClass().getName() : null;
		String errorMessage = (failure != null) ? failure.getMessage() : null;
		if (deferrable) {
			context.setPendingCheckpoint(new WorkflowExecutionContext.PendingCheckpoint(stepId, stepName, output,
					(result != null) ? result.getClass().getName() : null, errorClass, errorMessage, startedAtNanos));
			this.observer.stepCompleted(stepName, failure != null,
					Duration.ofNanos(System.nanoTime() - startedAtNanos));
			if (failure != null) {
				throw failure;
			}
			return result;
		}
		double seconds = (System.nanoTime() - startedAtNanos) / 1e9;
		boolean written;
		try {
			written = this.steps.insert(context.workflowId(), this.executorId, stepId, stepName, output,
					(result != null) ? result.getClass().getName() : null, errorClass, errorMessage, childId, seconds);
		}
		catch (DataAccessException ex) {
			throw abandon(context, "could not checkpoint step '" + stepName + "' (" + ex.getMessage() + ")");
		}
		if (!written) {
			Optional<StepInfo> existing = this.steps.find(context.workflowId(), stepId);
			if (existing.isEmpty() || !stillOwned(context)) {
				throw abandon(context, "this executor no longer owns it (it was adopted by another executor or is "
						+ "no longer PENDING); its checkpoint for step '" + stepName + "' was rejected");
			}
			return replay(context, existing.get(), returnType, declaredExceptions);
		}
		this.observer.stepCompleted(stepName, failure != null, Duration.ofNanos(System.nanoTime() - startedAtNanos));
		if (failure != null) {
			throw failure;
		}
		return result;
	}

	/**
	 * The sequence number of the workflow's next durable operation, after writing the
	 * checkpoint of the step before it if that is still pending.
	 */
	private int nextStepId(WorkflowExecutionContext context) {
		flushCheckpoint(context);
		return context.nextStepId();
	}

	/**
	 * Writes the checkpoint of the workflow's last step if it is still pending. The step's
	 * outcome was already handed to the workflow code, so a refused checkpoint (another
	 * executor adopted the workflow, or it was cancelled) stops this execution.
	 */
	private void flushCheckpoint(WorkflowExecutionContext context) {
		WorkflowExecutionContext.PendingCheckpoint pending = context.takePendingCheckpoint();
		if (pending == null) {
			return;
		}
		WorkflowStatusRepository.StepRecord step = pending.toRecord();
		boolean written;
		try {
			written = this.steps.insert(context.workflowId(), this.executorId, step.stepId(), step.stepName(),
					step.output(), step.outputType(), step.errorClass(), step.errorMessage(), null,
					step.secondsSinceStart());
		}
		catch (DataAccessException ex) {
			throw abandon(context, "could not checkpoint step '" + step.stepName() + "' (" + ex.getMessage() + ")");
		}
		if (!written) {
			throw abandon(context, "this executor no longer owns it (it was adopted by another executor or is no "
					+ "longer PENDING); its checkpoint for step '" + step.stepName() + "' was rejected");
		}
	}

	/**
	 * Writes a pending checkpoint before the calling workflow waits or writes outside the
	 * step sequence (a result, progress).
	 */
	private void flushCheckpointOfCaller() {
		WorkflowExecutionContext context = WorkflowExecutionContext.current();
		if (context != null && !context.inStep() && !context.isParallelStep()) {
			flushCheckpoint(context);
		}
	}

	private @Nullable Object replay(WorkflowExecutionContext context, StepInfo recorded, Type returnType,
			Class<?>[] declaredExceptions) throws Throwable {
		if (recorded.failed()) {
			throw RecordedErrors.rebuild(context.workflowId(), recorded.errorClass(), recorded.errorMessage(),
					declaredExceptions);
		}
		try {
			return this.serializer.deserialize(recorded.output(), replayType(returnType, recorded));
		}
		catch (RuntimeException ex) {
			throw new DbosSerializationException("Cannot read the recorded output of step '" + recorded.stepName()
					+ "' (#" + recorded.stepId() + ") of workflow '" + context.workflowId() + "' as " + returnType
					.getTypeName() + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * The type to read a recorded output as: the declared type, or for a lambda step (whose
	 * declared type is erased to {@code Object}) the recorded output's class.
	 */
	private static Type replayType(Type declared, StepInfo recorded) {
		if (declared != Object.class || recorded.outputType() == null) {
			return declared;
		}
		try {
			return ClassUtils.forName(recorded.outputType(), WorkflowEngine.class.getClassLoader());
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return declared;
		}
	}

	private void checkStepName(WorkflowExecutionContext context, int stepId, StepInfo recorded, String name) {
		if (!recorded.stepName().equals(name)) {
			throw new NonDeterministicWorkflowException("Workflow '" + context.workflowId() + "' ("
					+ context.workflow().name() + ") called step '" + name + "' at position " + stepId
					+ ", but the recorded execution called '" + recorded.stepName() + "' there. Workflow code must be "
					+ "deterministic; to change it while workflows are in flight, deploy it under a new application "
					+ "version.");
		}
	}

	private void checkBoundary(WorkflowExecutionContext context) {
		if (context.isAbandoned()) {
			throw new WorkflowAbandonedException(context.workflowId(), "it was abandoned earlier in this execution");
		}
		if (this.shuttingDown) {
			throw abandon(context, "this process is shutting down");
		}
		java.time.Instant deadline = context.deadline();
		if (deadline != null && java.time.Instant.now().isAfter(deadline)) {
			String owner = context.deadlineOwner();
			String reason = owner.equals(context.workflowId()) ? "its timeout expired at " + deadline
					: "the timeout of workflow '" + owner + "' expired at " + deadline;
			// the workflow whose timeout it is, and its children, this one among them
			this.workflows.cancel(owner, null, WorkflowCancelledException.class.getName(), reason, true);
			this.workflows.cancel(context.workflowId(), null, WorkflowCancelledException.class.getName(), reason, true);
			context.abandon();
			throw new WorkflowCancelledException(context.workflowId(), reason);
		}
	}

	/**
	 * Whether a failure is the shutdown interrupting running code (it stops the pool with
	 * {@code shutdownNow()}): not an outcome to record, the workflow is left for recovery.
	 */
	private boolean interruptedByShutdown(Throwable failure) {
		if (!this.shuttingDown) {
			return false;
		}
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof InterruptedException) {
				return true;
			}
		}
		return Thread.currentThread().isInterrupted();
	}

	private WorkflowAbandonedException abandon(WorkflowExecutionContext context, String reason) {
		context.abandon();
		return new WorkflowAbandonedException(context.workflowId(), reason);
	}

	// ------------------------------------------------------------------ execution

	private @Nullable Object runInline(WorkflowMethod workflow, String workflowId, @Nullable Object[] args,
			@Nullable String parentId, Invocation body, Deadline deadline) throws Throwable {
		CompletableFuture<Void> slot = new CompletableFuture<>();
		if (this.running.putIfAbsent(workflowId, slot) == null) {
			try {
				String inputs = serializeArguments(workflow, args);
				java.time.Instant startDeadline = deadline.resolve();
				WorkflowTracing.Start trace = this.tracing.start(workflow.name(), workflowId, null);
				String traceContext = trace.traceContext();
				boolean fresh = insertPending(trace, newWorkflow(workflow, workflowId, inputs, parentId, deadline,
						traceContext));
				if (fresh) {
					this.observer.workflowStarted(workflow.name());
					INLINE.set(Boolean.TRUE);
					return execute(workflow, workflowId, Map.of(), body, null, startDeadline,
							deadline.owner(workflowId, startDeadline), traceContext);
				}
				WorkflowInfo existing = findExisting(workflowId, workflow);
				if (existing.status() == WorkflowStatus.PENDING && this.executorId.equals(existing.executorId())) {
					INLINE.set(Boolean.TRUE);
					// the stored context is not read back: this run continues its caller's trace
					return execute(workflow, workflowId, recordedSteps(workflowId), body, null, existing.deadline(),
							workflowId, traceContext);
				}
				if (existing.status().isTerminal()) {
					return outcome(existing, workflow);
				}
			}
			finally {
				release(workflowId, slot);
			}
		}
		// running on another thread or in another process: its outcome is ours
		return awaitOutcome(workflowId, workflow, null, true);
	}

	private WorkflowHandle<?> startInBackground(WorkflowMethod workflow, String workflowId,
			MethodInvocation invocation, @Nullable String parentId, Deadline deadline) {
		String inputs = serializeArguments(workflow, invocation.getArguments());
		MethodInvocation clone = ((ProxyMethodInvocation) invocation).invocableClone();
		Invocation body = clone::proceed;
		CompletableFuture<Void> slot = new CompletableFuture<>();
		if (this.running.putIfAbsent(workflowId, slot) == null) {
			boolean submitted = false;
			try {
				java.time.Instant startDeadline = deadline.resolve();
				WorkflowTracing.Start trace = this.tracing.start(workflow.name(), workflowId, null);
				String traceContext = trace.traceContext();
				boolean fresh = insertPending(trace, newWorkflow(workflow, workflowId, inputs, parentId, deadline,
						traceContext));
				WorkflowInfo existing = fresh ? null : findExisting(workflowId, workflow);
				if (fresh) {
					this.observer.workflowStarted(workflow.name());
				}
				if (fresh || ownedAndPending(existing)) {
					java.time.Instant runDeadline = fresh ? startDeadline : existing.deadline();
					String owner = fresh ? deadline.owner(workflowId, startDeadline) : workflowId;
					submit(workflowId, slot, () -> execute(workflow, workflowId,
							fresh ? Map.of() : recordedSteps(workflowId), body, null, runDeadline, owner,
							traceContext));
					submitted = true;
				}
			}
			finally {
				if (!submitted) {
					release(workflowId, slot);
				}
			}
		}
		return new DefaultWorkflowHandle<>(this, workflowId, workflow);
	}

	/**
	 * Resumes a workflow this executor adopted for recovery, on the workflow pool.
	 * @param adopted the adopted workflow
	 * @return whether it was submitted (false: unknown here, given up, or already running)
	 */
	public boolean resume(AdoptedWorkflow adopted) {
		if (adopted.status() == WorkflowStatus.MAX_RECOVERY_ATTEMPTS_EXCEEDED) {
			logger.warn("Workflow '" + adopted.workflowId() + "' (" + adopted.workflowName() + ") was recovered "
					+ (adopted.recoveryAttempts() - 1) + " times without completing and is now "
					+ "MAX_RECOVERY_ATTEMPTS_EXCEEDED; fix the cause and resume it");
			return false;
		}
		if (adopted.status() == WorkflowStatus.ENQUEUED) {
			// a queued job goes back to its queue, where its limits apply
			if (adopted.queueName() != null) {
				wake(adopted.queueName());
			}
			return false;
		}
		Optional<WorkflowMethod> workflow = this.registry.find(adopted.workflowName());
		if (workflow.isEmpty()) {
			logger.error("Cannot recover workflow '" + adopted.workflowId() + "': this application defines no "
					+ "workflow named '" + adopted.workflowName() + "'. It stays PENDING.");
			return false;
		}
		CompletableFuture<Void> slot = new CompletableFuture<>();
		if (this.running.putIfAbsent(adopted.workflowId(), slot) != null) {
			return false;
		}
		try {
			submit(adopted.workflowId(), slot, () -> invokeStored(workflow.get(), adopted.workflowId(),
					adopted.inputs(), null, adopted.traceContext()));
			this.observer.workflowsRecovered(1);
			return true;
		}
		catch (RuntimeException ex) {
			release(adopted.workflowId(), slot);
			throw ex;
		}
	}

	/**
	 * Runs a stored workflow (a dequeued job, or a recovered workflow) through its bean.
	 * @param traceContext the stored trace context of a recovered workflow (a job's is in
	 * its attempt)
	 */
	private @Nullable Object invokeStored(WorkflowMethod workflow, String workflowId, @Nullable String inputs,
			@Nullable JobAttempt job, @Nullable String traceContext) throws Throwable {
		@Nullable Object[] args;
		try {
			args = this.serializer.deserializeArguments(inputs, workflow.parameterTypes());
		}
		catch (RuntimeException ex) {
			String message = "Cannot read the stored arguments of workflow '" + workflowId + "' as the "
					+ "parameters of " + workflow.describe() + ": " + ex.getMessage();
			if (job != null) {
				// never readable: dead-letter it at once
				this.queues.failAttempt(workflowId, this.executorId, job.attempt(), false, Duration.ZERO,
						DbosSerializationException.class.getName(), message);
			}
			else {
				this.workflows.complete(workflowId, this.executorId, WorkflowStatus.ERROR, null,
						DbosSerializationException.class.getName(), message);
			}
			throw new DbosSerializationException(message, ex);
		}
		Object bean = (workflow.beanName() != null) ? this.beanFactory.getBean(workflow.beanName())
				: this.beanFactory.getBean(workflow.userClass());
		Method method = AopUtils.selectInvocableMethod(workflow.method(), bean.getClass());
		ReflectionUtils.makeAccessible(method);
		DIRECTIVE.set(new ResumeDirective(workflowId, workflow.name(), job, traceContext));
		try {
			return method.invoke(bean, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getTargetException();
		}
		finally {
			DIRECTIVE.remove();
		}
	}

	private @Nullable Object resumeOwned(WorkflowMethod workflow, String workflowId, @Nullable JobAttempt job,
			@Nullable String traceContext, Invocation body) throws Throwable {
		if (job != null) {
			// just claimed by this executor (PENDING, owned, by name): no need to read it again;
			// every checkpoint stays fenced in case it is cancelled or taken meanwhile
			return execute(workflow, workflowId, job.hasSteps() ? recordedSteps(workflowId) : Map.of(), body, job,
					job.deadline(), workflowId, job.traceContext());
		}
		WorkflowInfo current = findExisting(workflowId, workflow);
		if (ownedAndPending(current)) {
			return execute(workflow, workflowId, recordedSteps(workflowId), body, job,
					(job != null && job.deadline() != null) ? job.deadline() : current.deadline(), workflowId,
					traceContext);
		}
		return current.status().isTerminal() ? outcome(current, workflow) : null;
	}

	private void submit(String workflowId, CompletableFuture<Void> slot, Invocation task) {
		try {
			this.pool.execute(() -> {
				try {
					task.proceed();
				}
				catch (WorkflowAbandonedException ex) {
					logger.info(ex.getMessage());
				}
				catch (Throwable ex) {
					logFailure(workflowId, ex);
				}
				finally {
					release(workflowId, slot);
				}
			});
		}
		catch (RejectedExecutionException ex) {
			logger.info("Workflow '" + workflowId + "' was left PENDING for recovery: this process is shutting down");
			throw ex;
		}
	}

	private void logFailure(String workflowId, Throwable failure) {
		boolean recorded;
		try {
			// an outcome, or a failed job attempt put back on its queue
			recorded = this.workflows.find(workflowId)
				.map((info) -> info.status().isTerminal() || info.status() == WorkflowStatus.ENQUEUED)
				.orElse(false);
		}
		catch (RuntimeException ex) {
			recorded = false;
		}
		if (recorded) {
			if (logger.isDebugEnabled()) {
				logger.debug("Workflow '" + workflowId + "' ended with " + failure);
			}
		}
		else {
			logger.warn("Workflow '" + workflowId + "' could not run and stays PENDING; it is retried by recovery",
					failure);
		}
	}

	/**
	 * Runs a workflow this executor owns in its trace, which continues the trace its
	 * starter stored.
	 */
	private @Nullable Object execute(WorkflowMethod workflow, String workflowId, Map<Integer, StepInfo> recorded,
			Invocation body, @Nullable JobAttempt job, java.time.@Nullable Instant deadline,
			@Nullable String deadlineOwner, @Nullable String traceContext) throws Throwable {
		WorkflowExecutionContext context = new WorkflowExecutionContext(this, workflowId, workflow, recorded);
		WorkflowTracing.Execution trace = this.tracing.execution(workflow.name(), workflowId,
				(job != null) ? job.queue().name() : null, traceContext);
		context.setTracing(trace);
		Throwable failure = null;
		try (WorkflowTracing.Scope scope = trace.open()) {
			return execute(context, body, job, deadline, deadlineOwner);
		}
		catch (Throwable ex) {
			failure = ex;
			throw ex;
		}
		finally {
			String outcome = context.tracedOutcome();
			if (outcome == null) {
				outcome = (failure == null) ? "success"
						: (failure instanceof WorkflowCancelledException) ? "cancelled"
								: (failure instanceof WorkflowAbandonedException) ? "abandoned" : "error";
			}
			trace.end(outcome, failure);
		}
	}

	private @Nullable Object execute(WorkflowExecutionContext context, Invocation body, @Nullable JobAttempt job,
			java.time.@Nullable Instant deadline, @Nullable String deadlineOwner) throws Throwable {
		WorkflowMethod workflow = context.workflow();
		String workflowId = context.workflowId();
		context.setJob(job);
		// a workflow run on the caller's thread holds it while it sleeps; one run by the engine may park
		context.setParkable(INLINE.get() == null);
		INLINE.remove();
		context.setDeadline(deadline, (deadlineOwner != null) ? deadlineOwner : workflowId);
		if (this.shuttingDown) {
			throw abandon(context, "this process is shutting down");
		}
		WorkflowExecutionContext previous = WorkflowExecutionContext.bind(context);
		Object result;
		try {
			result = body.proceed();
		}
		catch (Throwable ex) {
			if (context.isAbandoned() || ex instanceof WorkflowAbandonedException || interruptedByShutdown(ex)) {
				throw abandoned(context, ex);
			}
			return complete(context, WorkflowStatus.ERROR, null, ex, null);
		}
		finally {
			WorkflowExecutionContext.bind(previous);
		}
		if (context.isAbandoned()) {
			throw abandoned(context, null);
		}
		String output;
		try {
			output = serializeValue(result, "the result of workflow " + workflow.describe());
		}
		catch (DbosException ex) {
			return complete(context, WorkflowStatus.ERROR, null, ex, null);
		}
		return complete(context, WorkflowStatus.SUCCESS, output, null, result);
	}

	private @Nullable Object complete(WorkflowExecutionContext context, WorkflowStatus status,
			@Nullable String output, @Nullable Throwable failure, @Nullable Object result) throws Throwable {
		JobAttempt job = context.job();
		if (job != null && failure != null) {
			flushCheckpoint(context);
			return failJob(context, job, failure);
		}
		WorkflowExecutionContext.PendingCheckpoint lastStep = context.takePendingCheckpoint();
		boolean recorded;
		try {
			if (lastStep != null) {
				recorded = this.workflows.completeWithStep(context.workflowId(), this.executorId, status, output,
						(failure != null) ? failure.getClass().getName() : null,
						(failure != null) ? failure.getMessage() : null, lastStep.toRecord(),
						job != null && job.queue().concurrency() != null);
			}
			else if (job != null && job.queue().concurrency() != null) {
				recorded = this.workflows.completeAndNotify(context.workflowId(), this.executorId, status, output,
						null, null);
			}
			else {
				recorded = this.workflows.complete(context.workflowId(), this.executorId, status, output,
						(failure != null) ? failure.getClass().getName() : null,
						(failure != null) ? failure.getMessage() : null);
			}
		}
		catch (DataAccessException ex) {
			throw abandon(context, "could not record its outcome (" + ex.getMessage() + ")");
		}
		if (!recorded) {
			WorkflowInfo current = findExisting(context.workflowId(), context.workflow());
			if (!current.status().isTerminal()) {
				throw abandon(context, "this executor no longer owns it; its outcome was not recorded");
			}
			return outcome(current, context.workflow());
		}
		this.observer.workflowCompleted(context.workflow().name(), status);
		if (failure != null) {
			throw failure;
		}
		return result;
	}

	/**
	 * Records a failed attempt of a queued job: back to the queue after the retry delay, or
	 * dead-lettered when it has used its attempts.
	 */
	private @Nullable Object failJob(WorkflowExecutionContext context, JobAttempt job, Throwable failure)
			throws Throwable {
		boolean retry = job.attempt() < job.maxAttempts();
		Duration delay = retry ? job.queue().retry().delayAfter(job.attempt()) : Duration.ZERO;
		Optional<String> status;
		try {
			status = this.queues.failAttempt(context.workflowId(), this.executorId, job.attempt(), retry, delay,
					failure.getClass().getName(), failure.getMessage());
		}
		catch (DataAccessException ex) {
			throw abandon(context, "could not record its failed attempt (" + ex.getMessage() + ")");
		}
		if (status.isEmpty()) {
			WorkflowInfo current = findExisting(context.workflowId(), context.workflow());
			if (!current.status().isTerminal()) {
				throw abandon(context, "this executor no longer owns it; its failed attempt was not recorded");
			}
			return outcome(current, context.workflow());
		}
		context.setTracedOutcome(retry ? "retry" : "dead_letter");
		if (retry) {
			if (logger.isInfoEnabled()) {
				logger.info("Job '" + context.workflowId() + "' (" + context.workflow().name() + ") failed attempt "
						+ job.attempt() + " of " + job.maxAttempts() + ", retrying in " + delay.toMillis() + " ms: "
						+ failure);
			}
			wake(job.queue().name());
		}
		else {
			this.observer.workflowCompleted(context.workflow().name(), WorkflowStatus.DEAD_LETTER);
			logger.warn("Job '" + context.workflowId() + "' (" + context.workflow().name() + ") failed all "
					+ job.maxAttempts() + " attempt(s) and is dead-lettered: " + failure);
		}
		throw failure;
	}

	private WorkflowAbandonedException abandoned(WorkflowExecutionContext context, @Nullable Throwable cause) {
		WorkflowExecutionContext.PendingCheckpoint pending = context.takePendingCheckpoint();
		if (pending != null && this.shuttingDown && !context.isAbandoned()) {
			// stopped by the shutdown between a step and the next durable operation: keep the step's
			// outcome for the recovery of this workflow
			context.setPendingCheckpoint(pending);
			try {
				flushCheckpoint(context);
			}
			catch (RuntimeException ex) {
				logger.debug("Could not write the pending checkpoint of workflow '" + context.workflowId() + "'", ex);
			}
		}
		context.abandon();
		if (cause instanceof WorkflowAbandonedException abandoned) {
			return abandoned;
		}
		return new WorkflowAbandonedException(context.workflowId(),
				"it was abandoned during this execution" + ((cause != null) ? " (" + cause + ")" : ""));
	}

	// ------------------------------------------------------------------ outcomes

	/**
	 * Waits for a workflow's outcome: the local execution first, then the stored state.
	 * @param timeout the longest wait, or {@code null} to wait indefinitely
	 */
	@Nullable Object awaitOutcome(String workflowId, @Nullable WorkflowMethod workflow, @Nullable Duration timeout,
			boolean checkedExceptions) throws Throwable {
		flushCheckpointOfCaller();
		long deadline = (timeout != null) ? System.nanoTime() + timeout.toNanos() : Long.MAX_VALUE;
		PollBackoff backoff = new PollBackoff();
		while (true) {
			CompletableFuture<Void> local = this.running.get(workflowId);
			if (local != null) {
				try {
					local.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
				}
				catch (TimeoutException | ExecutionException ex) {
					// checked below
				}
			}
			WorkflowInfo current = this.workflows.find(workflowId)
				.orElseThrow(() -> new WorkflowNotFoundException("No workflow with ID '" + workflowId + "'"));
			if (current.status().isTerminal()) {
				return outcome(current, (workflow != null) ? workflow
						: this.registry.find(current.workflowName()).orElse(null), checkedExceptions);
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				throw new TimeoutException("Workflow '" + workflowId + "' is still " + current.status() + " after "
						+ timeout);
			}
			backoff.pause(remaining);
		}
	}

	private @Nullable Object outcome(WorkflowInfo info, @Nullable WorkflowMethod workflow) throws Throwable {
		return outcome(info, workflow, true);
	}

	/**
	 * The recorded outcome of a completed workflow: its result, or its exception thrown.
	 * @param checkedExceptions whether a checked exception the workflow method declares is
	 * re-created as such (for callers of the method), or wrapped (for handles)
	 */
	private @Nullable Object outcome(WorkflowInfo info, @Nullable WorkflowMethod workflow, boolean checkedExceptions)
			throws Throwable {
		return switch (info.status()) {
			case SUCCESS -> this.serializer.deserialize(info.output(),
					(workflow != null) ? workflow.returnType() : Object.class);
			case ERROR -> throw RecordedErrors.rebuild(info.workflowId(),
					(info.errorClass() != null) ? info.errorClass() : WorkflowFailedException.class.getName(),
					info.errorMessage(), (workflow != null && checkedExceptions) ? workflow.method().getExceptionTypes()
							: new Class<?>[0]);
			case DEAD_LETTER -> throw RecordedErrors.rebuild(info.workflowId(),
					(info.errorClass() != null) ? info.errorClass() : WorkflowFailedException.class.getName(),
					info.errorMessage(), (workflow != null && checkedExceptions) ? workflow.method().getExceptionTypes()
							: new Class<?>[0]);
			case CANCELLED -> throw new WorkflowCancelledException(info.workflowId(),
					(info.errorMessage() != null && !"cancelled".equals(info.errorMessage())) ? info.errorMessage()
							: null);
			case MAX_RECOVERY_ATTEMPTS_EXCEEDED ->
				throw new MaxRecoveryAttemptsExceededException(info.workflowId(), info.recoveryAttempts());
			default -> throw new IllegalStateException("Workflow '" + info.workflowId() + "' is " + info.status());
		};
	}

	private WorkflowInfo findExisting(String workflowId, WorkflowMethod workflow) {
		WorkflowInfo existing = this.workflows.find(workflowId)
			.orElseThrow(() -> new WorkflowNotFoundException("Workflow '" + workflowId + "' disappeared while "
					+ "starting it (deleted concurrently?)"));
		if (!existing.workflowName().equals(workflow.name())) {
			throw new DbosException("Workflow ID '" + workflowId + "' is already used by a workflow named '"
					+ existing.workflowName() + "', not '" + workflow.name() + "'. Workflow IDs are idempotency keys: "
					+ "use a distinct ID for a different workflow.");
		}
		return existing;
	}

	/**
	 * Whether this executor still owns the PENDING workflow, after a refused checkpoint
	 * found the step recorded. Only then is the recorded outcome replayed (an earlier
	 * execution under this executor ID recorded it); an executor that lost the workflow
	 * must stop, or it would run the remaining steps again beside their new owner: it
	 * read the recorded steps when it started and knows none of the new owner's.
	 */
	private boolean stillOwned(WorkflowExecutionContext context) {
		return this.workflows.find(context.workflowId()).map(this::ownedAndPending).orElse(false);
	}

	private boolean ownedAndPending(WorkflowInfo info) {
		return info.status() == WorkflowStatus.PENDING && this.executorId.equals(info.executorId());
	}

	private Map<Integer, StepInfo> recordedSteps(String workflowId) {
		Map<Integer, StepInfo> recorded = new HashMap<>();
		for (StepInfo step : this.steps.findAll(workflowId)) {
			recorded.put(step.stepId(), step);
		}
		return recorded;
	}

	private NewWorkflow newWorkflow(WorkflowMethod workflow, String workflowId, String inputs,
			@Nullable String parentId, Deadline deadline, @Nullable String traceContext) {
		return new NewWorkflow(workflowId, workflow.name(), workflow.userClass().getName(), workflow.beanName(),
				inputs, this.executorId, getApplicationVersion(), parentId,
				(deadline.timeout() != null) ? deadline.timeout().toMillis() : null, deadline.inherited(),
				traceContext);
	}

	/** Records a new PENDING workflow within the trace of its start. */
	private boolean insertPending(WorkflowTracing.Start trace, NewWorkflow workflow) {
		try {
			boolean inserted = this.workflows.insertPending(workflow);
			trace.end(null);
			return inserted;
		}
		catch (DataAccessException ex) {
			trace.end(ex);
			throw new DbosException("Could not record the start of workflow '" + workflow.workflowId()
					+ "' in the DBOS system database (" + ex.getMessage() + "); starting it again with the same "
					+ "workflow ID is safe", ex);
		}
		catch (RuntimeException ex) {
			trace.end(ex);
			throw ex;
		}
	}

	/**
	 * The timeout of a workflow being started and the deadline it inherits from the
	 * workflow that starts it (a child never outlives its parent's timeout).
	 */
	private record Deadline(@Nullable Duration timeout, java.time.@Nullable Instant inherited,
			@Nullable String inheritedOwner) {

		java.time.@Nullable Instant resolve() {
			java.time.Instant own = (this.timeout != null) ? java.time.Instant.now().plus(this.timeout) : null;
			if (own == null) {
				return this.inherited;
			}
			return (this.inherited != null && this.inherited.isBefore(own)) ? this.inherited : own;
		}

		/** The workflow whose timeout sets the deadline: cancelled (with its children) when it expires. */
		String owner(String workflowId, java.time.@Nullable Instant resolved) {
			return (resolved != null && resolved.equals(this.inherited) && this.inheritedOwner != null)
					? this.inheritedOwner : workflowId;
		}

	}

	// ------------------------------------------------------------------ serialization

	private String serializeArguments(WorkflowMethod workflow, @Nullable Object[] args) {
		String inputs;
		try {
			inputs = this.serializer.serializeArguments(args);
		}
		catch (ArgumentSerializationException ex) {
			int index = ex.getIndex();
			Object arg = args[index];
			String parameter = workflow.method().getParameters()[index].getName();
			throw new DbosSerializationException("Cannot start workflow " + workflow.describe() + ": argument #"
					+ index + " ('" + parameter + "', a " + ((arg != null) ? arg.getClass().getName() : "null")
					+ ") cannot be serialized: " + ex.getMessage() + ". Nothing was recorded. Pass a value Jackson "
					+ "can write (a record, a bean with properties) or an ID the workflow can load.", ex.getCause());
		}
		checkSize(inputs, "the arguments of workflow " + workflow.describe());
		return inputs;
	}

	private String serializeValue(@Nullable Object value, String what) {
		String text;
		try {
			text = this.serializer.serialize(value);
		}
		catch (RuntimeException ex) {
			throw new DbosSerializationException("Cannot serialize " + what + " (a "
					+ ((value != null) ? value.getClass().getName() : "null") + "): " + ex.getMessage(), ex);
		}
		checkSize(text, what);
		return text;
	}

	private void checkSize(String text, String what) {
		// a char takes at most 3 bytes in UTF-8: count exactly only near the limit
		if ((long) text.length() * 3 > this.maxPayloadBytes) {
			long bytes = text.getBytes(StandardCharsets.UTF_8).length;
			if (bytes > this.maxPayloadBytes) {
				throw new PayloadTooLargeException("Cannot store " + what + ": it serializes to " + bytes
						+ " bytes, more than dbos.max-payload-size (" + this.maxPayloadBytes + " bytes). Store large "
						+ "data elsewhere and pass a reference, or raise dbos.max-payload-size.");
			}
		}
	}

	// ------------------------------------------------------------------ life cycle

	/**
	 * The IDs of the workflows executing in this process.
	 * @return a snapshot of the running workflow IDs
	 */
	public Set<String> runningWorkflowIds() {
		Set<String> ids = new java.util.HashSet<>(this.claimed);
		ids.addAll(this.running.keySet());
		return ids;
	}

	/**
	 * Runs a queue worker's claim and the registration of its jobs (so no reader of
	 * {@link #runningWorkflowIds()} under {@link #withClaimsSettled} sees a job owned here
	 * but not registered).
	 * @param claim the claim and the {@link #runJob} calls
	 */
	public void claiming(Runnable claim) {
		this.claimLock.readLock().lock();
		try {
			claim.run();
		}
		finally {
			this.claimLock.readLock().unlock();
		}
	}

	/**
	 * Runs a read of this executor's PENDING workflows and running set with no claim
	 * between its commit and its jobs' registration.
	 * @param read the read
	 * @return its result
	 */
	public <T> T withClaimsSettled(java.util.function.Supplier<T> read) {
		this.claimLock.writeLock().lock();
		try {
			return read.get();
		}
		finally {
			this.claimLock.writeLock().unlock();
		}
	}

	public boolean isShuttingDown() {
		return this.shuttingDown;
	}

	/**
	 * Stops taking new work, lets running workflows reach their next step boundary (or
	 * finish) within the timeout, and leaves everything else PENDING for recovery.
	 * @param timeout how long to wait for running workflows
	 */
	public void shutdown(Duration timeout) {
		this.shuttingDown = true;
		this.pool.shutdown();
		long deadline = System.nanoTime() + timeout.toNanos();
		for (CompletableFuture<Void> execution : List.copyOf(this.running.values())) {
			try {
				execution.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
			catch (ExecutionException | TimeoutException ex) {
				// left for recovery
			}
		}
		this.pool.shutdownNow();
		this.stepPool.shutdownNow();
		this.waitNotifications.stop();
		for (java.util.concurrent.Executor executor : this.jobExecutors) {
			if (executor instanceof ExecutorService service) {
				service.shutdownNow();
			}
			else if (executor instanceof AutoCloseable closeable) {
				try {
					closeable.close();
				}
				catch (Exception ex) {
					logger.debug("Could not close a job executor", ex);
				}
			}
		}
		if (!this.running.isEmpty()) {
			logger.info("Left " + this.running.size() + " running workflow(s) PENDING for recovery at shutdown");
		}
	}

	private void release(String workflowId, CompletableFuture<Void> slot) {
		this.running.remove(workflowId, slot);
		slot.complete(null);
	}

	static @Nullable Object placeholder(Method method) {
		Class<?> type = method.getReturnType();
		return (type.isPrimitive() && type != void.class) ? Array.get(Array.newInstance(type, 1), 0) : null;
	}

	private static final class StartDirective {

		private final WorkflowOptions options;

		private final boolean background;

		private boolean consumed;

		private @Nullable WorkflowHandle<?> handle;

		StartDirective(WorkflowOptions options, boolean background) {
			this.options = options;
			this.background = background;
		}

		StartDirective consume() {
			this.consumed = true;
			return this;
		}

		void checkConsumed() {
			if (!this.consumed) {
				throw new DbosException("The call passed to Dbos did not reach a @Workflow method through its Spring "
						+ "proxy, so it ran without durability. Call the workflow on the injected bean, for example "
						+ "dbos.start(() -> orders.process(order)).");
			}
		}

	}

	private record ResumeDirective(String workflowId, String workflowName, @Nullable JobAttempt job,
			@Nullable String traceContext) {
	}

	private static final class EnqueueDirective {

		private final EnqueueOptions options;

		private final boolean captureOnly;

		private boolean consumed;

		private @Nullable WorkflowHandle<?> handle;

		private @Nullable WorkflowMethod captured;

		private @Nullable Object @Nullable [] capturedArgs;

		EnqueueDirective(EnqueueOptions options, boolean captureOnly) {
			this.options = options;
			this.captureOnly = captureOnly;
		}

		void consume() {
			this.consumed = true;
		}

		void checkConsumed() {
			if (!this.consumed) {
				throw new DbosException("The call passed to Dbos.enqueue did not reach a @Workflow method through its "
						+ "Spring proxy, so nothing was enqueued. Call the workflow on the injected bean, for example "
						+ "dbos.enqueue(EnqueueOptions.queue(\"orders\"), () -> orders.process(order)).");
			}
		}

	}

}
