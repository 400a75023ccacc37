package io.github.dbosspring.observation;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.actuate.health.DbosHealthIndicator;
import io.github.dbosspring.autoconfigure.DbosAutoConfiguration;
import io.github.dbosspring.autoconfigure.DbosObservabilityAutoConfiguration;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.QueueWorkflows;
import io.github.dbosspring.store.DbosSchema;
import io.github.dbosspring.store.WorkflowStatusRepository;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.WorkflowOptions;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Micrometer meters after running workflows and jobs, and the {@code dbos} health.
 */
class ObservabilityIntegrationTests {

	private static ApplicationContextRunner runner;

	@BeforeAll
	static void database() {
		runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					JdbcTemplateAutoConfiguration.class, JdbcClientAutoConfiguration.class, DbosAutoConfiguration.class,
					DbosObservabilityAutoConfiguration.class))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withBean(QueueWorkflows.class)
			.withPropertyValues("spring.datasource.url=" + TestDatabase.newDatabaseUrl(), "dbos.recovery.interval=1h",
					"dbos.queues.plain.worker-concurrency=2");
	}

	@Test
	void metersCountWorkflowsStepsAndJobs() {
		runner.run((context) -> {
			Dbos dbos = context.getBean(Dbos.class);
			QueueWorkflows workflows = context.getBean(QueueWorkflows.class);
			dbos.run(WorkflowOptions.withId("metered-1"), () -> workflows.greet("m1"));
			dbos.enqueue(EnqueueOptions.queue("plain"), () -> workflows.greet("m2")).getResult(Duration.ofSeconds(30));
			MeterRegistry registry = context.getBean(MeterRegistry.class);

			assertThat(registry.get("dbos.workflows.started").tag("workflow.name", "greet").counter().count())
				.isEqualTo(2);
			assertThat(registry.get("dbos.workflows.completed")
				.tag("workflow.name", "greet")
				.tag("status", "SUCCESS")
				.counter()
				.count()).isEqualTo(2);
			assertThat(registry.get("dbos.steps").tag("step.name", "hello").tag("outcome", "success").timer().count())
				.isEqualTo(2);
			assertThat(registry.get("dbos.queue.enqueue-to-start").tag("queue.name", "plain").timer().count())
				.isEqualTo(1);
			// the gauge keeps reading after a garbage collection (it held its cache weakly and read NaN)
			System.gc();
			assertThat(registry.get("dbos.queue.depth").tag("queue.name", "plain").gauge().value()).isZero();
		});
	}

	@Test
	void healthIsUpWithWorkerDetails() {
		runner.run((context) -> {
			Health health = context.getBean(DbosHealthIndicator.class).health(true);
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("worker", "running").containsKey("runningJobs");
		});
		runner.withPropertyValues("dbos.worker.notifications=false")
			.run((context) -> assertThat(context.getBean(DbosHealthIndicator.class).health(true).getDetails())
				.containsEntry("notificationListener", "disabled"));
		runner.withPropertyValues("management.health.dbos.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(DbosHealthIndicator.class));
	}

	@Test
	void healthIsDownWhileTheSystemDatabaseIsUnreachable() {
		WorkflowStatusRepository unreachable = new WorkflowStatusRepository(
				TestDatabase.dataSource("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1"), new DbosSchema("dbos"));
		Health health = new DbosHealthIndicator(unreachable, null, Duration.ofHours(1)).health(true);
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
	}

}
