package io.github.dbosspring.sample;

import org.junit.jupiter.api.Test;

import io.github.dbosspring.client.DbosClient;
import io.github.dbosspring.test.TestDatabase;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What each {@code sample.role} starts, against a real PostgreSQL.
 */
class SampleRoleIntegrationTests {

	private static final String DATABASE = TestDatabase.newDatabaseUrl();

	@Test
	void webRoleHasTheControllerAndTheClientButNoWorkflowAndNoWorker() {
		try (ConfigurableApplicationContext context = start("web", "server.port=0")) {
			assertThat(context.getBeansOfType(WorkflowController.class)).hasSize(1);
			assertThat(context.getBeansOfType(DbosClient.class)).hasSize(1);
			assertThat(context.getBeansOfType(QueueWorker.class)).isEmpty();
			assertThat(context.getBeansOfType(QueueWorkerSteps.class)).isEmpty();
			assertThat(context.getBeansOfType(io.github.dbosspring.queue.support.QueueWorker.class)).isEmpty();
			assertThat(context.getEnvironment().getProperty("dbos.worker.enabled")).isEqualTo("false");
			assertThat(context.getEnvironment().getProperty("dbos.executor-id")).isEqualTo("sample-web");
			assertThat(context).isInstanceOf(WebServerApplicationContext.class);
		}
	}

	@Test
	void workerRoleHasTheWorkflowAndTheWorkerButNoControllerAndNoWebServer() {
		try (ConfigurableApplicationContext context = start("worker", "spring.main.keep-alive=false")) {
			assertThat(context.getBeansOfType(QueueWorker.class)).hasSize(1);
			assertThat(context.getBeansOfType(QueueWorkerSteps.class)).hasSize(1);
			assertThat(context.getBeansOfType(io.github.dbosspring.queue.support.QueueWorker.class)).hasSize(1);
			assertThat(context.getBeansOfType(WorkflowController.class)).isEmpty();
			assertThat(context.getEnvironment().getProperty("dbos.executor-id")).isEqualTo("sample-worker");
			assertThat(context).isNotInstanceOf(WebServerApplicationContext.class);
		}
	}

	@Test
	void defaultRoleAllHasEverything() {
		try (ConfigurableApplicationContext context = start(null, "server.port=0")) {
			assertThat(context.getBean(SampleProperties.class).role()).isEqualTo(SampleRole.ALL);
			assertThat(context.getBeansOfType(WorkflowController.class)).hasSize(1);
			assertThat(context.getBeansOfType(QueueWorker.class)).hasSize(1);
			assertThat(context.getBeansOfType(io.github.dbosspring.queue.support.QueueWorker.class)).hasSize(1);
			assertThat(context.getEnvironment().getProperty("dbos.executor-id")).isEqualTo("sample-all");
		}
	}

	private static ConfigurableApplicationContext start(String role, String... properties) {
		SpringApplicationBuilder builder = new SpringApplicationBuilder(SampleApplication.class)
			.properties("spring.datasource.url=" + DATABASE)
			.properties(properties);
		return (role != null) ? builder.run("--sample.role=" + role) : builder.run();
	}

}
