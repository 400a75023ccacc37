package io.github.dbosspring.autoconfigure;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import io.github.dbosspring.actuate.health.DbosHealthIndicator;
import io.github.dbosspring.client.DbosClient;
import io.github.dbosspring.observation.DbosMetrics;
import io.github.dbosspring.observation.ObservationWorkflowTracing;
import io.github.dbosspring.observation.StepObservationConvention;
import io.github.dbosspring.observation.WorkflowObservationConvention;
import io.github.dbosspring.observation.WorkflowStartObservationConvention;
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
 * Micrometer meters, observations (tracing spans) of workflows and steps, and the
 * {@code dbos} health indicator, when their libraries are present.
 *
 * @since 0.2.0
 */
@AutoConfiguration(after = DbosAutoConfiguration.class, afterName = {
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
		"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
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

	/**
	 * Observations of workflow starts, executions and steps; the engine and the client store
	 * each workflow's trace context with it.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ObservationRegistry.class)
	@ConditionalOnBean(ObservationRegistry.class)
	@ConditionalOnBooleanProperty(name = "dbos.observation.enabled", matchIfMissing = true)
	static class Observations {

		@Bean
		@ConditionalOnMissingBean
		ObservationWorkflowTracing dbosWorkflowTracing(ObservationRegistry registry, WorkflowEngine engine,
				ObjectProvider<DbosClient> client, ObjectProvider<WorkflowStartObservationConvention> startConvention,
				ObjectProvider<WorkflowObservationConvention> workflowConvention,
				ObjectProvider<StepObservationConvention> stepConvention) {
			ObservationWorkflowTracing tracing = new ObservationWorkflowTracing(registry);
			tracing.setStartConvention(startConvention.getIfUnique());
			tracing.setWorkflowConvention(workflowConvention.getIfUnique());
			tracing.setStepConvention(stepConvention.getIfUnique());
			engine.setTracing(tracing);
			client.ifAvailable((available) -> available.setTracing(tracing));
			return tracing;
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
