package io.github.dbosspring.autoconfigure;

import io.github.dbosspring.actuate.endpoint.DbosEndpoint;
import io.github.dbosspring.queue.QueueRegistry;
import io.github.dbosspring.store.ExecutorRepository;
import io.github.dbosspring.store.QueueRepository;
import io.github.dbosspring.store.StepOutputRepository;
import io.github.dbosspring.store.WorkflowEventRepository;
import io.github.dbosspring.store.WorkflowStatusRepository;
import io.github.dbosspring.workflow.support.WorkflowEngine;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The {@code dbos} actuator endpoint, when Spring Boot Actuator is present and the
 * endpoint is available (exposed, and not switched off).
 *
 * @since 0.2.0
 */
@AutoConfiguration(after = DbosAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(WorkflowEngine.class)
@ConditionalOnAvailableEndpoint(DbosEndpoint.class)
@EnableConfigurationProperties(DbosEndpointProperties.class)
public final class DbosEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	DbosEndpoint dbosEndpoint(WorkflowEngine engine, WorkflowStatusRepository workflows, StepOutputRepository steps,
			WorkflowEventRepository events, QueueRepository queues, ExecutorRepository executors,
			QueueRegistry queueRegistry, DbosEndpointProperties properties) {
		return new DbosEndpoint(engine, workflows, steps, events, queues, executors, queueRegistry,
				properties.getShowValues(), properties.getRoles());
	}

}
