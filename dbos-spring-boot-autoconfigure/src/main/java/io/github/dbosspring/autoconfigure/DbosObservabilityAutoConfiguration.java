package io.github.dbosspring.autoconfigure;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;

import io.github.dbosspring.actuate.health.DbosHealthIndicator;
import io.github.dbosspring.observation.DbosMetrics;
import io.github.dbosspring.queue.Queue;
import io.github.dbosspring.queue.QueueRegistry;
import io.github.dbosspring.queue.support.QueueWorker;
import io.github.dbosspring.store.WorkflowStatusRepository;
import io.github.dbosspring.workflow.support.WorkflowEngine;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Micrometer meters and the {@code dbos} health indicator, when their libraries are
 * present.
 *
 * @since 0.2.0
 */
@AutoConfiguration(after = DbosAutoConfiguration.class, afterName = {
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnBean(WorkflowEngine.class)
public final class DbosObservabilityAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBean(MeterRegistry.class)
	@ConditionalOnBooleanProperty(name = "dbos.metrics.enabled", matchIfMissing = true)
	static class Metrics {

		@Bean
		@ConditionalOnMissingBean
		DbosMetrics dbosMetrics(MeterRegistry registry, WorkflowEngine engine, QueueRegistry queues,
				WorkflowStatusRepository workflows) {
			DbosMetrics metrics = new DbosMetrics(registry, queues.all().stream().map(Queue::name).toList(),
					workflows::countEnqueuedByQueue);
			engine.setObserver(metrics);
			return metrics;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	@ConditionalOnEnabledHealthIndicator("dbos")
	static class Health {

		@Bean
		@ConditionalOnMissingBean(name = "dbosHealthIndicator")
		DbosHealthIndicator dbosHealthIndicator(WorkflowStatusRepository workflows,
				ObjectProvider<QueueWorker> worker) {
			return new DbosHealthIndicator(workflows, worker.getIfAvailable(), Duration.ofHours(1));
		}

	}

}
