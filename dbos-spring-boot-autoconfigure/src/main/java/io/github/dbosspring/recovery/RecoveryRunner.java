package io.github.dbosspring.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.dbosspring.store.ExecutorRepository;
import io.github.dbosspring.store.WorkflowStatusRepository;
import io.github.dbosspring.store.WorkflowStatusRepository.AdoptedWorkflow;
import io.github.dbosspring.workflow.WorkflowStatus;
import io.github.dbosspring.workflow.support.WorkflowEngine;

import org.springframework.context.SmartLifecycle;

/**
 * Resumes interrupted workflows. At startup it re-takes this executor's own PENDING
 * workflows (for a stable {@code dbos.executor-id}); then, periodically, it adopts the
 * PENDING workflows of executors whose heartbeat is older than the executor timeout and
 * re-takes own workflows that stopped running here (for example after the database was
 * unreachable). Only workflows of the running application version are recovered.
 *
 * <p>On shutdown it stops the engine gracefully and unregisters the executor so that
 * other executors adopt what is left at once.
 *
 * @since 0.1.0
 */
public class RecoveryRunner implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RecoveryRunner.class);

	private static final int BATCH = 100;

	/** Starts after the web server, stops after its graceful shutdown. */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;

	private final WorkflowEngine engine;

	private final WorkflowStatusRepository workflows;

	private final ExecutorRepository executors;

	private final ExecutorHeartbeat heartbeat;

	private final Settings settings;

	private volatile ScheduledExecutorService scheduler;

	private volatile boolean running;

	public RecoveryRunner(WorkflowEngine engine, WorkflowStatusRepository workflows, ExecutorRepository executors,
			ExecutorHeartbeat heartbeat, Settings settings) {
		this.engine = engine;
		this.workflows = workflows;
		this.executors = executors;
		this.heartbeat = heartbeat;
		this.settings = settings;
	}

	@Override
	public void start() {
		this.heartbeat.register(this.engine.getApplicationVersion());
		this.running = true;
		ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "dbos-recovery");
			thread.setDaemon(true);
			return thread;
		});
		this.scheduler = scheduler;
		long heartbeatMillis = this.settings.heartbeatInterval().toMillis();
		scheduler.scheduleWithFixedDelay(this.heartbeat::beat, heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
		if (this.settings.enabled()) {
			scheduler.execute(this::recoverAtStartup);
			long intervalMillis = this.settings.interval().toMillis();
			scheduler.scheduleWithFixedDelay(this::recoverPeriodically, intervalMillis, intervalMillis,
					TimeUnit.MILLISECONDS);
		}
	}

	private void recoverAtStartup() {
		try {
			this.executors.removeSilentFor(24);
			int resumed = reclaimOwn() + adoptFromDeadExecutors();
			if (resumed > 0) {
				logger.info("Recovering " + resumed + " interrupted workflow(s) on executor '"
						+ this.engine.getExecutorId() + "'");
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Startup recovery failed; it is retried every " + this.settings.interval().toSeconds() + " s: "
					+ ex.getMessage());
		}
	}

	private void recoverPeriodically() {
		try {
			int resumed = adoptFromDeadExecutors() + reclaimOwn();
			if (resumed > 0) {
				logger.info("Recovering " + resumed + " workflow(s) of stopped executors on executor '"
						+ this.engine.getExecutorId() + "'");
			}
		}
		catch (RuntimeException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Recovery pass failed: " + ex.getMessage());
			}
		}
	}

	/**
	 * Runs one recovery pass now.
	 * @return how many workflows were resumed
	 */
	public int recoverNow() {
		return adoptFromDeadExecutors() + reclaimOwn();
	}

	private int adoptFromDeadExecutors() {
		int resumed = 0;
		while (this.running && !this.engine.isShuttingDown()) {
			List<AdoptedWorkflow> batch = this.workflows.adoptFromDeadExecutors(this.engine.getExecutorId(),
					this.engine.getApplicationVersion(), this.settings.executorTimeout().toMillis() / 1000.0,
					this.settings.maxAttempts(), BATCH);
			resumed += resume(batch);
			if (batch.size() < BATCH) {
				break;
			}
		}
		return resumed;
	}

	private int reclaimOwn() {
		// candidates first, then the running set: a workflow that starts here after the
		// query already holds its slot, so it is never taken twice
		// (a queue worker's claim commits before its jobs hold their slots: no claim is between
		// its commit and that registration while the candidates are read)
		List<String> candidates = this.engine.withClaimsSettled(() -> {
			List<String> pending = new ArrayList<>(this.workflows.findPendingOwnedBy(this.engine.getExecutorId()));
			Set<String> runningHere = this.engine.runningWorkflowIds();
			pending.removeAll(runningHere);
			return pending;
		});
		return resume(this.workflows.reclaimOwn(candidates, this.engine.getExecutorId(),
				this.engine.getApplicationVersion(), this.settings.maxAttempts()));
	}

	private int resume(List<AdoptedWorkflow> adopted) {
		Set<String> requeued = new TreeSet<>();
		int jobs = 0;
		for (AdoptedWorkflow workflow : adopted) {
			if (workflow.status() == WorkflowStatus.ENQUEUED && workflow.queueName() != null) {
				requeued.add(workflow.queueName());
				jobs++;
			}
		}
		if (jobs > 0) {
			logger.info("Recovering " + jobs + " interrupted job(s): back on queue(s) " + requeued);
		}
		try {
			this.workflows.announceRequeued(requeued);
		}
		catch (RuntimeException ex) {
			logger.debug("Could not announce the jobs put back on queues " + requeued + " (workers find them at "
					+ "their next poll): " + ex.getMessage());
		}
		int resumed = 0;
		for (AdoptedWorkflow workflow : adopted) {
			try {
				if (this.engine.resume(workflow)) {
					resumed++;
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Could not resume workflow '" + workflow.workflowId() + "': " + ex.getMessage());
			}
		}
		return resumed;
	}

	@Override
	public void stop() {
		this.running = false;
		ScheduledExecutorService scheduler = this.scheduler;
		if (scheduler != null) {
			scheduler.shutdownNow();
		}
		this.engine.shutdown(this.settings.shutdownTimeout());
		this.heartbeat.unregister();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Recovery settings.
	 *
	 * @param enabled whether workflows are recovered (heartbeats are sent regardless)
	 * @param interval how often to look for work of dead executors
	 * @param heartbeatInterval how often this executor's heartbeat is refreshed
	 * @param executorTimeout heartbeat age after which an executor is presumed dead
	 * @param maxAttempts recoveries after which a workflow is given up
	 * @param shutdownTimeout how long running workflows may take to stop at shutdown
	 */
	public record Settings(boolean enabled, Duration interval, Duration heartbeatInterval, Duration executorTimeout,
			int maxAttempts, Duration shutdownTimeout) {
	}

}
