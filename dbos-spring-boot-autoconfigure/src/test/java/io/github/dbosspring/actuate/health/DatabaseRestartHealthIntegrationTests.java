package io.github.dbosspring.actuate.health;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.github.dbosspring.autoconfigure.DbosAutoConfiguration;
import io.github.dbosspring.autoconfigure.DbosObservabilityAutoConfiguration;
import io.github.dbosspring.embedded.PersistentEmbeddedPostgres;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.QueueWorkflows;
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
import static org.awaitility.Awaitility.await;

/**
 * The {@code dbos} health follows a real outage of the system database: a PostgreSQL
 * server this test owns (never a shared one) is stopped and started again on the same
 * port and data directory while the application runs. The health goes DOWN and back UP,
 * and the engine itself works again afterwards (a workflow runs, the queue worker takes
 * a job, the notification listener reconnects).
 */
class DatabaseRestartHealthIntegrationTests {

	private static final Duration DEADLINE = Duration.ofSeconds(60);

	@Test
	@Timeout(240)
	void healthIsDownWhileTheDatabaseIsStoppedAndUpWhenItIsBackAndTheEngineWorksAgain(@TempDir Path dataDirectory)
			throws IOException {
		int port = freePort();
		PersistentEmbeddedPostgres postgres = PersistentEmbeddedPostgres.start(dataDirectory, port);
		try {
			new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
						JdbcTemplateAutoConfiguration.class, JdbcClientAutoConfiguration.class,
						DbosAutoConfiguration.class, DbosObservabilityAutoConfiguration.class))
				.withBean(QueueWorkflows.class)
				.withPropertyValues("spring.datasource.url=" + postgres.getJdbcUrl(),
						"spring.datasource.username=postgres",
						// a health check while the database is down waits this long (ms) for a connection
						"spring.datasource.hikari.connection-timeout=2000", "dbos.executor-id=restart-1",
						"dbos.recovery.interval=1s", "dbos.queues.plain.worker-concurrency=2")
				.run((context) -> {
					DbosHealthIndicator indicator = context.getBean(DbosHealthIndicator.class);
					Dbos dbos = context.getBean(Dbos.class);
					QueueWorkflows workflows = context.getBean(QueueWorkflows.class);
					assertThat(dbos.run(WorkflowOptions.withId("before"), () -> workflows.greet("before")))
						.isEqualTo("hello before");
					await().atMost(DEADLINE).untilAsserted(() -> assertThat(indicator.health(true))
						.satisfies((health) -> assertThat(health.getStatus()).isEqualTo(Status.UP))
						.satisfies((health) -> assertThat(health.getDetails()).containsEntry("worker", "running")
							.containsEntry("notificationListener", "connected")));

					postgres.close();
					await().atMost(DEADLINE)
						.untilAsserted(() -> assertThat(indicator.health(true).getStatus()).isEqualTo(Status.DOWN));

					PersistentEmbeddedPostgres restarted = PersistentEmbeddedPostgres.start(dataDirectory, port);
					try {
						await().atMost(DEADLINE).untilAsserted(() -> assertThat(indicator.health(true))
							.satisfies((health) -> assertThat(health.getStatus()).isEqualTo(Status.UP))
							.satisfies((health) -> assertThat(health.getDetails()).containsEntry("worker", "running")
								.containsEntry("notificationListener", "connected")));
						assertThat(dbos.run(WorkflowOptions.withId("after"), () -> workflows.greet("after")))
							.isEqualTo("hello after");
						assertThat(dbos.enqueue(EnqueueOptions.queue("plain"), () -> workflows.greet("queued"))
							.getResult(DEADLINE)).isEqualTo("hello queued");
						Health health = indicator.health(true);
						assertThat(health.getStatus()).isEqualTo(Status.UP);
					}
					finally {
						context.close();
						restarted.close();
					}
				});
		}
		finally {
			postgres.close();
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
