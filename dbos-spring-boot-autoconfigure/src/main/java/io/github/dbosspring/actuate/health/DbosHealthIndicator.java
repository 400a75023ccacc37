package io.github.dbosspring.actuate.health;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.queue.support.QueueWorker;
import io.github.dbosspring.store.WorkflowStatusRepository;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code dbos} health: DOWN while the system database is unreachable (each check
 * queries it, so the health is UP again as soon as it is back); otherwise UP, with details
 * on the queue worker (running, notification listener connected) and the age of the
 * oldest waiting or running workflow, flagged as {@code stuck} past a threshold. A check
 * while the database is unreachable takes up to the connection pool's connection timeout.
 *
 * @since 0.2.0
 */
public class DbosHealthIndicator extends AbstractHealthIndicator {

	private final WorkflowStatusRepository workflows;

	private final @Nullable QueueWorker worker;

	private final Duration stuckThreshold;

	public DbosHealthIndicator(WorkflowStatusRepository workflows, @Nullable QueueWorker worker,
			Duration stuckThreshold) {
		super("DBOS health check failed");
		this.workflows = workflows;
		this.worker = worker;
		this.stuckThreshold = stuckThreshold;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		Double oldest = this.workflows.oldestPendingAgeSeconds().orElse(null);
		builder.up();
		if (oldest != null) {
			builder.withDetail("oldestPendingAgeSeconds", Math.round(oldest * 10) / 10.0);
			builder.withDetail("stuck", oldest > this.stuckThreshold.toSeconds());
		}
		if (this.worker != null) {
			builder.withDetail("worker", this.worker.isRunning() ? "running" : "stopped");
			builder.withDetail("notificationListener", !this.worker.usesNotifications() ? "disabled"
					: this.worker.isListening() ? "connected" : "disconnected");
			builder.withDetail("runningJobs", this.worker.getRunningJobs());
		}
		else {
			builder.withDetail("worker", "disabled");
		}
	}

}
