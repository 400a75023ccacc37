package io.github.dbosspring.actuate.endpoint;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.dbosspring.actuate.endpoint.DbosEndpoint.ControlResult;
import io.github.dbosspring.autoconfigure.DbosAutoConfiguration;
import io.github.dbosspring.autoconfigure.DbosEndpointAutoConfiguration;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.QueueWorkflows;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The endpoint's write operations: read-only by default, idempotent, audited.
 */
@ExtendWith(OutputCaptureExtension.class)
class DbosEndpointWriteTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, JdbcTemplateAutoConfiguration.class,
				JdbcClientAutoConfiguration.class, DbosAutoConfiguration.class, DbosEndpointAutoConfiguration.class))
		.withBean(QueueWorkflows.class)
		.withPropertyValues("spring.datasource.url=" + TestDatabase.newDatabaseUrl(), "dbos.recovery.interval=1h",
				"dbos.queues.plain.worker-concurrency=2", "dbos.queues.dlq.max-attempts=1",
				"management.endpoints.web.exposure.include=dbos");

	@Test
	void endpointIsReadOnlyUnlessAccessIsUnrestricted() {
		assertThat(DbosEndpoint.class.getAnnotation(Endpoint.class).defaultAccess()).isEqualTo(Access.READ_ONLY);
	}

	@Test
	void cancelResumeForkAndReplayAreIdempotentAndAudited(CapturedOutput output) {
		this.runner.run((context) -> {
			Dbos dbos = context.getBean(Dbos.class);
			QueueWorkflows workflows = context.getBean(QueueWorkflows.class);
			DbosEndpoint endpoint = context.getBean(DbosEndpoint.class);
			dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("delayed").withDelay(Duration.ofMinutes(5)),
					() -> workflows.greet("later"));

			ControlResult cancelled = endpoint.control("workflows", "delayed", "cancel", SecurityContext.NONE, null);
			assertThat(cancelled.outcome()).isEqualTo("cancelled");
			assertThat(endpoint.control("workflows", "delayed", "cancel", SecurityContext.NONE, null).outcome())
				.startsWith("unchanged");
			assertThat(dbos.getWorkflow("delayed").orElseThrow().status()).isEqualTo(WorkflowStatus.CANCELLED);

			assertThat(endpoint.control("workflows", "delayed", "resume", SecurityContext.NONE, null).outcome())
				.isEqualTo("resumed");
			// back on its queue (without its delay), so a worker may already run it
			assertThat(dbos.retrieveWorkflow("delayed").getResult(Duration.ofSeconds(30))).isEqualTo("hello later");

			dbos.enqueue(EnqueueOptions.queue("plain").withWorkflowId("done"), () -> workflows.greet("done"))
				.getResult(Duration.ofSeconds(30));
			ControlResult forked = endpoint.control("workflows", "done", "fork", SecurityContext.NONE, 0);
			assertThat(forked.newWorkflowId()).isNotNull();
			assertThat(dbos.retrieveWorkflow(forked.newWorkflowId()).getResult(Duration.ofSeconds(30)))
				.isEqualTo("hello done");

			workflows.failTimes("dead-ep", 1);
			try {
				dbos.enqueue(EnqueueOptions.queue("dlq").withWorkflowId("dead-ep"), () -> workflows.flaky("dead-ep"))
					.getResult(Duration.ofSeconds(30));
			}
			catch (IllegalStateException expected) {
				// dead-lettered
			}
			assertThat(endpoint.control("dead-letters", "dead-ep", "replay", SecurityContext.NONE, null).outcome())
				.isEqualTo("replayed");
			assertThat(dbos.retrieveWorkflow("dead-ep").getResult(Duration.ofSeconds(30))).isEqualTo("ok dead-ep");

			assertThat(endpoint.control("workflows", "no-such-workflow", "cancel", SecurityContext.NONE, null)).isNull();
			assertThatExceptionOfType(InvalidEndpointRequestException.class)
				.isThrownBy(() -> endpoint.control("workflows", "done", "explode", SecurityContext.NONE, null));
		});
		assertThat(output).contains("actuator dbos: cancel of workflow 'delayed' by anonymous: cancelled")
			.contains("actuator dbos: replay of workflow 'dead-ep' by anonymous: replayed");
	}

}
