package io.github.dbosspring.queue.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.dbosspring.queue.Queue;
import io.github.dbosspring.queue.QueueRegistry;
import io.github.dbosspring.queue.UnknownQueueException;
import io.github.dbosspring.store.NotificationListener;
import io.github.dbosspring.store.QueueRepository;
import io.github.dbosspring.store.QueueRepository.Claim;
import io.github.dbosspring.store.QueueRepository.ClaimedJob;
import io.github.dbosspring.workflow.support.WorkflowEngine;

import org.springframework.context.SmartLifecycle;

/**
 * Drains queues in this process: one dispatcher thread dequeues due jobs in short
 * transactions (several per round trip when capacity allows) and hands them to the
 * worker pool; no connection or lock is held while a job runs.
 *
 * <p>Wake-up: a notification on the queue channel (another process enqueued, or freed
 * capacity of a globally limited queue), an enqueue or completion in this process, the
 * due time of a delayed job or of a rate-limit window, and, as the fallback for missed
 * notifications, a jittered poll.
 *
 * @since 0.2.0
 */
public class QueueWorker implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(QueueWorker.class);

	/**
	 * How many poll intervals an idle queue waits at most between two polls while the
	 * notification listener is connected.
	 */
	static final long IDLE_BACKOFF_MAX = 5;

	/** Stops before the recovery runner (which shuts the engine down). */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

	private static final Duration UNKNOWN_SWEEP_INTERVAL = Duration.ofSeconds(30);

	private final WorkflowEngine engine;

	private final QueueRepository repository;

	private final QueueRegistry queues;

	private final Executor pool;

	private final Settings settings;

	private final @Nullable NotificationListener listener;

	private final Map<String, AtomicInteger> runningByQueue = new ConcurrentHashMap<>();

	private final AtomicInteger running = new AtomicInteger();

	// when to look at each queue again (nanoTime), or a wake-up stamp: a distinct value below any
	// nanoTime, so a dequeue that read the queue's entry replaces it only if no wake-up came since
	private final Map<String, Long> dueAt = new ConcurrentHashMap<>();

	private final AtomicLong wakeups = new AtomicLong(Long.MIN_VALUE);

	// queues whose last dequeue may have left due jobs behind (it was capped by capacity)
	private final Set<String> backlogged = ConcurrentHashMap.newKeySet();

	// consecutive polls of each queue that found nothing due while notifications arrive
	private final Map<String, Integer> idlePolls = new ConcurrentHashMap<>();

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition signal = this.lock.newCondition();

	private boolean signalled;

	private volatile boolean active;

	private volatile boolean listening;

	private @Nullable Thread dispatcher;

	private final Set<String> claimFailuresLogged = ConcurrentHashMap.newKeySet();

	private long nextUnknownSweep;

	/**
	 * Creates a worker.
	 * @param engine the engine that runs the jobs
	 * @param repository the queue tables
	 * @param queues the declared queues
	 * @param pool the threads jobs run on
	 * @param settings the worker settings
	 */
	public QueueWorker(WorkflowEngine engine, QueueRepository repository, QueueRegistry queues, Executor pool,
			Settings settings) {
		this.engine = engine;
		this.repository = repository;
		this.queues = queues;
		this.pool = pool;
		this.settings = settings;
		this.listener = settings.notifications() ? new NotificationListener(repository.getNotificationDataSource(),
				repository.getChannel(), this::onNotification, this::wakeAll) : null;
	}

	@Override
	public void start() {
		if (this.active) {
			return;
		}
		for (String name : this.settings.queueNames()) {
			this.queues.get(name);
		}
		this.active = true;
		this.engine.setQueueWakeup(this::wake);
		this.engine.setEnqueueWakeup(this::wakeAfterEnqueue);
		this.engine.addJobExecutor(this.pool);
		// a worker with nothing to serve does not hold a listening connection
		if (this.listener != null && (!servedQueues().isEmpty() || this.queues.isAutoCreate())) {
			this.listener.start();
			this.listening = true;
		}
		Thread thread = new Thread(this::dispatch, "dbos-queue-dispatcher");
		thread.setDaemon(true);
		this.dispatcher = thread;
		thread.start();
	}

	/**
	 * Stops claiming and lets running jobs finish within the shutdown timeout. What still
	 * runs then is stopped at its next step by the engine's shutdown and left for
	 * recovery.
	 */
	@Override
	public void stop() {
		if (!this.active) {
			return;
		}
		this.active = false;
		signal();
		Thread thread = this.dispatcher;
		if (thread != null) {
			try {
				thread.join(5_000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		if (this.listener != null) {
			this.listener.stop();
		}
		long deadline = System.nanoTime() + this.settings.shutdownTimeout().toNanos();
		this.lock.lock();
		try {
			while (this.running.get() > 0) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					logger.info("Stopping with " + this.running.get() + " job(s) still running; they stop at their "
							+ "next step and are resumed by recovery");
					break;
				}
				this.signal.awaitNanos(remaining);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public boolean isRunning() {
		return this.active;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Whether the notification listener is connected (always false with notifications off).
	 * @return whether notifications are received
	 */
	public boolean isListening() {
		return this.listener != null && this.listener.isConnected();
	}

	/**
	 * Whether this worker listens for notifications at all: not with notifications off,
	 * nor when it has no queue to serve (it then holds no listening connection).
	 * @return whether a notification listener runs
	 */
	public boolean usesNotifications() {
		return this.listening;
	}

	/**
	 * The jobs running in this process.
	 * @return the number of running jobs
	 */
	public int getRunningJobs() {
		return this.running.get();
	}

	/**
	 * Tells the worker that a queue may have work now.
	 * @param queueName the queue
	 */
	public void wake(String queueName) {
		if (!serves(queueName)) {
			return;
		}
		markDue(queueName);
		signal();
	}

	private void markDue(String queueName) {
		this.dueAt.put(queueName, this.wakeups.incrementAndGet());
	}

	/**
	 * An enqueue in this process committed: while the listener is connected the enqueue's
	 * notification wakes the queue (reading it now as well would cost a second, empty
	 * dequeue for the same job).
	 */
	private void wakeAfterEnqueue(String queueName) {
		if (!isListening()) {
			wake(queueName);
		}
	}

	private void wakeAll() {
		for (Queue queue : servedQueues()) {
			markDue(queue.name());
		}
		signal();
	}

	private void onNotification(String queueName) {
		if (this.queues.isAutoCreate() && this.settings.queueNames().isEmpty() && !queueName.isEmpty()) {
			this.queues.get(queueName);
		}
		wake(queueName);
	}

	private boolean serves(String queueName) {
		if (this.settings.queueNames().isEmpty()) {
			try {
				this.queues.get(queueName);
				return true;
			}
			catch (UnknownQueueException ex) {
				return false;
			}
		}
		return this.settings.queueNames().contains(queueName);
	}

	private List<Queue> servedQueues() {
		if (this.settings.queueNames().isEmpty()) {
			return this.queues.all();
		}
		List<Queue> served = new ArrayList<>();
		for (String name : this.settings.queueNames()) {
			served.add(this.queues.get(name));
		}
		return served;
	}

	private void signal() {
		this.lock.lock();
		try {
			this.signalled = true;
			this.signal.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	private void dispatch() {
		String[] workflowNames = this.engine.workflowNameArray();
		while (this.active) {
			long now = System.nanoTime();
			long wakeAt = now + jittered(this.settings.pollInterval());
			for (Queue queue : servedQueues()) {
				if (!this.active || this.engine.isShuttingDown()) {
					break;
				}
				Long due = this.dueAt.get(queue.name());
				if (due != null && due > now) {
					wakeAt = Math.min(wakeAt, due);
					continue;
				}
				long next = drain(queue, workflowNames, now);
				// a wake-up during the dequeue (a notification, a finished job) keeps the queue due
				boolean kept = (due != null) ? this.dueAt.replace(queue.name(), due, next)
						: this.dueAt.putIfAbsent(queue.name(), next) == null;
				wakeAt = kept ? Math.min(wakeAt, next) : now;
			}
			sweepUnknownWorkflows(workflowNames);
			await(wakeAt);
		}
	}

	/**
	 * Claims what the queue and this worker's capacity allow.
	 * @return when to look at the queue again (nanoTime)
	 */
	private long drain(Queue queue, String[] workflowNames, long now) {
		AtomicInteger queueRunning = this.runningByQueue.computeIfAbsent(queue.name(), (key) -> new AtomicInteger());
		int free = Math.min(queue.localLimit(this.settings.concurrency()) - queueRunning.get(),
				this.settings.concurrency() - this.running.get());
		long poll = jittered(this.settings.pollInterval());
		if (free <= 0) {
			// a completion here wakes the queue
			this.backlogged.add(queue.name());
			return now + poll;
		}
		Claim[] claimed = new Claim[1];
		try {
			int wanted = Math.min(free, this.settings.claimBatchSize());
			this.engine.claiming(() -> {
				Claim result = this.repository.claim(queue, this.engine.getExecutorId(),
						this.engine.getApplicationVersion(), workflowNames, wanted);
				for (ClaimedJob job : result.jobs()) {
					queueRunning.incrementAndGet();
					this.running.incrementAndGet();
					this.engine.runJob(queue, job, this.pool, () -> finished(queue, queueRunning));
				}
				claimed[0] = result;
			});
			if (this.claimFailuresLogged.remove(queue.name())) {
				logger.info("Dequeuing from queue '" + queue.name() + "' works again");
			}
		}
		catch (RuntimeException ex) {
			if (this.claimFailuresLogged.add(queue.name())) {
				logger.warn("Could not dequeue from queue '" + queue.name() + "' (" + ex.getMessage() + "); retrying",
						ex);
			}
			return now + Math.min(poll, TimeUnit.MILLISECONDS.toNanos(500));
		}
		Claim claim = claimed[0];
		if (!claim.exhausted()) {
			this.backlogged.add(queue.name());
			return now;
		}
		this.backlogged.remove(queue.name());
		if (claim.retryInMillis() >= 0) {
			this.idlePolls.remove(queue.name());
			return now + Math.min(poll, TimeUnit.MILLISECONDS.toNanos(claim.retryInMillis()));
		}
		if (claim.jobs().isEmpty() && isListening()) {
			// nothing due, and a notification wakes the queue when there is: the poll is only a safety
			// net: an idle queue waits longer and longer between polls, up to IDLE_BACKOFF_MAX intervals
			int idle = this.idlePolls.merge(queue.name(), 1, Integer::sum);
			return now + poll * Math.min(1L << Math.min(idle, 4), IDLE_BACKOFF_MAX);
		}
		this.idlePolls.remove(queue.name());
		return now + poll;
	}

	private void finished(Queue queue, AtomicInteger queueRunning) {
		queueRunning.decrementAndGet();
		this.running.decrementAndGet();
		// the freed capacity matters when the last dequeue left due jobs behind, or for a queue
		// with queue-wide limits (a job elsewhere may be waiting for it); otherwise a new job
		// announces itself
		if (queue.needsQueueLock() || this.backlogged.contains(queue.name())) {
			markDue(queue.name());
		}
		this.lock.lock();
		try {
			this.signalled = true;
			this.signal.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	private void sweepUnknownWorkflows(String[] workflowNames) {
		if (this.settings.unknownWorkflowGracePeriod() == null) {
			return;
		}
		long now = System.nanoTime();
		if (now - this.nextUnknownSweep < 0) {
			return;
		}
		long interval = Math.max(Duration.ofSeconds(1).toNanos(), Math.min(UNKNOWN_SWEEP_INTERVAL.toNanos(),
				this.settings.unknownWorkflowGracePeriod().toNanos() / 2));
		this.nextUnknownSweep = now + interval;
		String[] queueNames = servedQueues().stream().map(Queue::name).toArray(String[]::new);
		if (queueNames.length == 0) {
			return;
		}
		try {
			List<String[]> deadLettered = this.repository.deadLetterUnknown(queueNames, workflowNames,
					this.settings.unknownWorkflowGracePeriod(), this.engine.getApplicationVersion(),
					"io.github.dbosspring.workflow.WorkflowNotFoundException",
					"No worker defines workflow '{workflow}': worker '" + this.engine.getExecutorId()
							+ "' (application version " + this.engine.getApplicationVersion() + ") serves this queue "
							+ "but has no such workflow, and the job waited longer than "
							+ "dbos.worker.unknown-workflow-grace-period. Deploy a worker that defines it, then "
							+ "replay the dead letter.");
			for (String[] job : deadLettered) {
				logger.warn("Dead-lettered job '" + job[0] + "': no worker defines workflow '" + job[1] + "'");
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Could not sweep jobs of unknown workflows", ex);
		}
	}

	private void await(long wakeAt) {
		this.lock.lock();
		try {
			while (this.active && !this.signalled) {
				long remaining = wakeAt - System.nanoTime();
				if (remaining <= 0) {
					break;
				}
				this.signal.awaitNanos(remaining);
			}
			this.signalled = false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.active = false;
		}
		finally {
			this.lock.unlock();
		}
	}

	private static long jittered(Duration interval) {
		long nanos = interval.toNanos();
		return nanos / 2 + ThreadLocalRandom.current().nextLong(Math.max(1, nanos));
	}

	/**
	 * Worker settings.
	 * @param queueNames the queues served, or empty for all declared queues
	 * @param concurrency the most jobs running at once in this process
	 * @param claimBatchSize the most jobs claimed per round trip
	 * @param pollInterval the fallback poll interval (jittered)
	 * @param notifications whether to listen for notifications
	 * @param unknownWorkflowGracePeriod how long a job of a workflow no worker here defines
	 * waits before it is dead-lettered, or {@code null} to never dead-letter it
	 * @param shutdownTimeout how long a stopping worker waits for its running jobs
	 */
	public record Settings(Set<String> queueNames, int concurrency, int claimBatchSize, Duration pollInterval,
			boolean notifications, @Nullable Duration unknownWorkflowGracePeriod, Duration shutdownTimeout) {
	}

}
