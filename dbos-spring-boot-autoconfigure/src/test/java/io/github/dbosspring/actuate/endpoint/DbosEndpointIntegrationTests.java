package io.github.dbosspring.actuate.endpoint;

import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.actuate.endpoint.DbosEndpoint.Summary;
import io.github.dbosspring.actuate.endpoint.DbosEndpoint.WorkflowDetail;
import io.github.dbosspring.actuate.endpoint.DbosEndpoint.WorkflowList;
import io.github.dbosspring.autoconfigure.DbosAutoConfiguration;
import io.github.dbosspring.autoconfigure.DbosEndpointAutoConfiguration;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.QueueWorkflows;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code dbos} actuator endpoint: present only when exposed, read operations over real
 * PostgreSQL, values hidden unless {@code dbos.actuator.show-values} allows them.
 */
class DbosEndpointIntegrationTests {

	private static ApplicationContextRunner runner;

	@BeforeAll
	static void database() {
		String url = TestDatabase.newDatabaseUrl();
		runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					JdbcTemplateAutoConfiguration.class, JdbcClientAutoConfiguration.class, DbosAutoConfiguration.class,
					DbosEndpointAutoConfiguration.class))
			.withBean(QueueWorkflows.class)
			.withPropertyValues("spring.datasource.url=" + url, "dbos.recovery.interval=1h",
					"dbos.queues.plain.worker-concurrency=2", "dbos.executor-id=endpoint-1");
	}

	@Test
	void endpointIsAbsentUnlessExposed() {
		runner.run((context) -> assertThat(context).doesNotHaveBean(DbosEndpoint.class));
		runner.withPropertyValues("management.endpoints.web.exposure.include=dbos")
			.run((context) -> assertThat(context).hasSingleBean(DbosEndpoint.class));
	}

	@Test
	void readOperationsShowSummaryListsAndOneWorkflowWithValuesHidden() {
		runner.withPropertyValues("management.endpoints.web.exposure.include=dbos").run((context) -> {
			Dbos dbos = context.getBean(Dbos.class);
			QueueWorkflows workflows = context.getBean(QueueWorkflows.class);
			dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("endpoint-wf"), () -> workflows.greet("secret"))
				.getResult(Duration.ofSeconds(30));
			DbosEndpoint endpoint = context.getBean(DbosEndpoint.class);

			Summary summary = endpoint.summary();
			assertThat(summary.executorId()).isEqualTo("endpoint-1");
			assertThat(summary.workflowsByStatus().get("SUCCESS")).isPositive();
			assertThat(summary.queues()).singleElement().satisfies((queue) -> {
				assertThat(queue.name()).isEqualTo("plain");
				assertThat(queue.workerConcurrency()).isEqualTo(2);
				assertThat(queue.backlog()).isZero();
				assertThat(queue.workflowsByStatus().get("SUCCESS")).isPositive();
			});
			assertThat(summary.executors()).extracting(DbosEndpoint.ExecutorView::executorId).contains("endpoint-1");

			WorkflowList list = endpoint.section("workflows", SecurityContext.NONE, "success", "plain", null, 10, 0);
			assertThat(list.workflows()).filteredOn((workflow) -> workflow.workflowId().equals("endpoint-wf"))
				.singleElement().satisfies((workflow) -> {
				assertThat(workflow.workflowId()).isEqualTo("endpoint-wf");
				assertThat(workflow.status()).isEqualTo(WorkflowStatus.SUCCESS);
				assertThat(workflow.inputs()).isEqualTo(DbosEndpoint.HIDDEN);
				assertThat(workflow.output()).isEqualTo(DbosEndpoint.HIDDEN);
				});
			assertThat(endpoint.section("dead-letters", SecurityContext.NONE, null, null, null, null, null).workflows())
				.isEmpty();
			assertThat(endpoint.section("nonsense", SecurityContext.NONE, null, null, null, null, null)).isNull();

			WorkflowDetail detail = endpoint.workflow("workflows", "endpoint-wf", SecurityContext.NONE);
			assertThat(detail.steps()).singleElement().satisfies((step) -> {
				assertThat(step.stepName()).isEqualTo("hello");
				assertThat(step.status()).isEqualTo("SUCCESS");
				assertThat(step.output()).isEqualTo(DbosEndpoint.HIDDEN);
			});
			assertThat(endpoint.workflow("workflows", "no-such-workflow", SecurityContext.NONE)).isNull();
		});
	}

	@Test
	void valuesAreShownWhenConfigured() {
		runner.withPropertyValues("management.endpoints.web.exposure.include=dbos", "dbos.actuator.show-values=always")
			.run((context) -> {
				Dbos dbos = context.getBean(Dbos.class);
				QueueWorkflows workflows = context.getBean(QueueWorkflows.class);
				dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("shown-wf"), () -> workflows.greet("visible"))
					.getResult(Duration.ofSeconds(30));
				WorkflowDetail detail = context.getBean(DbosEndpoint.class)
					.workflow("workflows", "shown-wf", SecurityContext.NONE);
				assertThat(detail.workflow().inputs()).isEqualTo("[\"visible\"]");
				assertThat(detail.workflow().output()).isEqualTo("\"hello visible\"");
			});
	}

}
