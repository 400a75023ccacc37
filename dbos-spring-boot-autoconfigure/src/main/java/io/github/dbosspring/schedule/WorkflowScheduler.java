package io.github.dbosspring.schedule;

import java.lang.reflect.Method;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.store.WorkflowStatusRepository;
import io.github.dbosspring.workflow.WorkflowSchedule;
import io.github.dbosspring.workflow.support.WorkflowEngine;
import io.github.dbosspring.workflow.support.WorkflowMethod;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.scheduling.support.CronExpression;

/**
 * Starts scheduled workflows at their cron ticks. Every process runs this scheduler; the
 * workflow ID of a tick ({@code sched:<name>:<tick>}) makes the tick run once across them.
 *
 * @since 0.2.0
 */
public class WorkflowScheduler implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(WorkflowScheduler.class);

	/** The most missed ticks run by a backfill. */
	public static final int MAX_BACKFILL = 100;

	private final WorkflowEngine engine;

	private final WorkflowStatusRepository workflows;

	private final List<Schedule> extraSchedules;

	private volatile boolean running;

	private @Nullable Thread thread;

	/**
	 * Creates a scheduler for the {@code @WorkflowSchedule} methods and the given schedules.
	 * @param engine the engine
	 * @param workflows the workflow table (to find the last tick for a backfill)
	 * @param extraSchedules schedules declared in properties
	 */
	public WorkflowScheduler(WorkflowEngine engine, WorkflowStatusRepository workflows, List<Schedule> extraSchedules) {
		this.engine = engine;
		this.workflows = workflows;
		this.extraSchedules = extraSchedules;
	}

	/**
	 * The workflow ID of a tick.
	 * @param workflowName the workflow
	 * @param tick the tick's scheduled time
	 * @return the ID
	 */
	public static String workflowId(String workflowName, Instant tick) {
		return "sched:" + workflowName + ":" + tick;
	}

	List<Schedule> schedules() {
		List<Schedule> schedules = new ArrayList<>(this.extraSchedules);
		for (WorkflowMethod workflow : this.engine.getRegistry().all()) {
			WorkflowSchedule annotation = AnnotatedElementUtils.findMergedAnnotation(workflow.method(),
					WorkflowSchedule.class);
			if (annotation != null) {
				schedules.add(new Schedule(workflow.name(), annotation.cron(), annotation.zone(), annotation.queue(),
						annotation.backfill()));
			}
		}
		return schedules;
	}

	@Override
	public void start() {
		List<Schedule> schedules = schedules();
		List<Ticker> tickers = new ArrayList<>();
		for (Schedule schedule : schedules) {
			WorkflowMethod workflow = this.engine.getRegistry().find(schedule.workflowName())
				.orElseThrow(() -> new IllegalStateException("Schedule of '" + schedule.workflowName() + "': this "
						+ "application defines no workflow with that name"));
			Method method = workflow.method();
			if (method.getParameterCount() > 1
					|| (method.getParameterCount() == 1 && method.getParameterTypes()[0] != Instant.class)) {
				throw new IllegalStateException("Scheduled workflow " + workflow.describe() + " must take no "
						+ "arguments or one java.time.Instant (the tick's time)");
			}
			CronExpression cron;
			ZoneId zone;
			try {
				cron = CronExpression.parse(schedule.cron());
				zone = schedule.zone().isEmpty() ? ZoneOffset.UTC : ZoneId.of(schedule.zone());
			}
			catch (RuntimeException ex) {
				throw new IllegalStateException("Invalid schedule of workflow " + workflow.describe() + ": "
						+ ex.getMessage(), ex);
			}
			if (!schedule.queue().isEmpty()) {
				try {
					this.engine.getQueueRegistry().get(schedule.queue());
				}
				catch (io.github.dbosspring.queue.UnknownQueueException ex) {
					throw new IllegalStateException("Invalid schedule of workflow " + workflow.describe()
							+ ": its ticks are enqueued on queue '" + schedule.queue() + "', which is not declared. "
							+ ex.getMessage(), ex);
				}
			}
			tickers.add(new Ticker(schedule, workflow, cron, zone, firstTick(schedule, cron, zone)));
		}
		if (tickers.isEmpty()) {
			return;
		}
		this.running = true;
		Thread scheduler = new Thread(() -> run(tickers), "dbos-scheduler");
		scheduler.setDaemon(true);
		this.thread = scheduler;
		scheduler.start();
	}

	/**
	 * The tick after which this process starts ticks: now, or for a backfill the last tick
	 * recorded, moved forward so that at most {@link #MAX_BACKFILL} missed ticks (the most
	 * recent ones) run.
	 */
	private Instant firstTick(Schedule schedule, CronExpression cron, ZoneId zone) {
		Instant now = Instant.now();
		if (!schedule.backfill()) {
			return now;
		}
		Instant last = this.workflows.lastScheduledTick(schedule.workflowName());
		if (last == null) {
			return now;
		}
		Deque<Instant> missed = new ArrayDeque<>();
		long dropped = 0;
		ZonedDateTime tick = cron.next(last.atZone(zone));
		while (tick != null && !tick.toInstant().isAfter(now)) {
			missed.addLast(tick.toInstant());
			if (missed.size() > MAX_BACKFILL) {
				last = missed.removeFirst();
				dropped++;
			}
			tick = cron.next(tick);
		}
		if (dropped > 0) {
			logger.warn("Schedule of '" + schedule.workflowName() + "' missed more than " + MAX_BACKFILL
					+ " ticks; the backfill skips the " + dropped + " oldest and runs the most recent " + MAX_BACKFILL
					+ " (from " + missed.peekFirst() + ")");
		}
		return last;
	}

	private void run(List<Ticker> tickers) {
		while (this.running) {
			Instant now = Instant.now();
			Instant wake = now.plusSeconds(60);
			for (Ticker ticker : tickers) {
				while (this.running) {
					ZonedDateTime next = ticker.cron.next(ticker.last.atZone(ticker.zone));
					if (next == null) {
						break;
					}
					Instant tick = next.toInstant();
					if (tick.isAfter(now)) {
						if (tick.isBefore(wake)) {
							wake = tick;
						}
						break;
					}
					fire(ticker, tick);
					ticker.last = tick;
				}
			}
			long millis = Math.max(1, wake.toEpochMilli() - System.currentTimeMillis());
			try {
				Thread.sleep(Math.min(millis, 60_000));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private void fire(Ticker ticker, Instant tick) {
		String id = workflowId(ticker.schedule.workflowName(), tick);
		Object[] args = (ticker.workflow.method().getParameterCount() == 1) ? new Object[] { tick } : new Object[0];
		try {
			if (!ticker.schedule.queue().isEmpty()) {
				this.engine.enqueue(EnqueueOptions.queue(ticker.schedule.queue()).withWorkflowId(id),
						ticker.schedule.workflowName(), args);
			}
			else {
				this.engine.startByName(ticker.workflow, id, args);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not start scheduled workflow '" + id + "'", ex);
		}
	}

	@Override
	public void stop() {
		this.running = false;
		Thread scheduler = this.thread;
		if (scheduler != null) {
			scheduler.interrupt();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// stops before the queue worker and the recovery runner
		return SmartLifecycle.DEFAULT_PHASE - 512;
	}

	/**
	 * A schedule.
	 * @param workflowName the workflow to start
	 * @param cron the cron expression (with seconds)
	 * @param zone the zone ID, empty for UTC
	 * @param queue the queue to enqueue on, empty to start directly
	 * @param backfill whether missed ticks run
	 */
	public record Schedule(String workflowName, String cron, String zone, String queue, boolean backfill) {
	}

	private static final class Ticker {

		private final Schedule schedule;

		private final WorkflowMethod workflow;

		private final CronExpression cron;

		private final ZoneId zone;

		private Instant last;

		Ticker(Schedule schedule, WorkflowMethod workflow, CronExpression cron, ZoneId zone, Instant last) {
			this.schedule = schedule;
			this.workflow = workflow;
			this.cron = cron;
			this.zone = zone;
			this.last = last;
		}

	}

}
