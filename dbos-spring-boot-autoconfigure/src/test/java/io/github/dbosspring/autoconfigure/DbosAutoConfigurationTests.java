package io.github.dbosspring.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.github.dbosspring.embedded.PersistentEmbeddedPostgres;
import io.github.dbosspring.queue.Queue;
import io.github.dbosspring.queue.QueueRegistry;
import io.github.dbosspring.queue.UnknownQueueException;
import io.github.dbosspring.queue.support.QueueWorker;
import io.github.dbosspring.recovery.RecoveryRunner;
import io.github.dbosspring.serialization.DbosSerializer;
import io.github.dbosspring.serialization.JacksonDbosSerializer;
import io.github.dbosspring.store.DbosSchemaMigrator;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;
import io.github.dbosspring.workflow.WorkflowOptions;
import io.github.dbosspring.workflow.WorkflowStatus;
import io.github.dbosspring.workflow.support.WorkflowEngine;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Conditions and fail-fast validation of the auto-configuration.
 */
@ExtendWith(OutputCaptureExtension.class)
class DbosAutoConfigurationTests {

	private static String url;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, JacksonAutoConfiguration.class,
				DbosDataSourceAutoConfiguration.class, DbosAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=" + url, "dbos.recovery.interval=1h");

	@BeforeAll
	static void database() {
		url = TestDatabase.newDatabaseUrl();
	}

	@Test
	void runWithDataSourceShouldProvideEngineFacadeAndRecoveryOnTheApplicationDatabase() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(Dbos.class)
				.hasSingleBean(WorkflowEngine.class)
				.hasSingleBean(RecoveryRunner.class)
				.hasSingleBean(DbosSchemaMigrator.class)
				.hasSingleBean(JacksonDbosSerializer.class)
				.doesNotHaveBean(PersistentEmbeddedPostgres.class);
			assertThat(context.getBean(DbosSystemDatabase.class).getDataSource().unwrap(HikariDataSource.class))
				.isSameAs(context.getBean(DataSource.class));
			JdbcClient jdbc = JdbcClient.create(context.getBean(DataSource.class));
			assertThat(jdbc.sql("SELECT count(*) FROM dbos.dbos_schema_history WHERE success")
				.query(Integer.class)
				.single()).isPositive();
		});
	}

	@Test
	void runWhenDisabledShouldBackOffCompletely() {
		this.runner.withPropertyValues("dbos.enabled=false").run((context) -> assertThat(context)
			.doesNotHaveBean(Dbos.class)
			.doesNotHaveBean(WorkflowEngine.class)
			.doesNotHaveBean(DbosSchemaMigrator.class));
	}

	@Test
	void runWhenUserDefinesSerializerOrFacadeShouldBackOff() {
		this.runner.withUserConfiguration(CustomBeans.class).run((context) -> {
			assertThat(context).hasSingleBean(DbosSerializer.class).hasSingleBean(Dbos.class);
			assertThat(context.getBean(DbosSerializer.class)).isSameAs(context.getBean(CustomBeans.class).serializer);
			assertThat(context.getBean(Dbos.class)).isInstanceOf(CustomDbos.class);
		});
	}

	@Test
	void runWithCustomSchemaShouldMigrateIntoIt() {
		this.runner.withPropertyValues("dbos.schema=custom_dbos", "dbos.executor-id=custom-1")
			.withUserConfiguration(Workflows.class)
			.run((context) -> {
				Dbos dbos = context.getBean(Dbos.class);
				Workflows workflows = context.getBean(Workflows.class);
				assertThat(dbos.run(WorkflowOptions.withId("in-custom"), () -> workflows.twice(21))).isEqualTo(42);
				JdbcClient jdbc = JdbcClient.create(context.getBean(DataSource.class));
				assertThat(jdbc.sql("SELECT status FROM custom_dbos.workflow_status WHERE workflow_id = 'in-custom'")
					.query(String.class)
					.single()).isEqualTo(WorkflowStatus.SUCCESS.name());
				assertThat(context.getBean(WorkflowEngine.class).getExecutorId()).isEqualTo("custom-1");
			});
	}

	@Test
	void runWithSeparateSystemDatabaseShouldKeepDbosTablesThere() {
		String systemUrl = TestDatabase.newDatabaseUrl();
		this.runner.withPropertyValues("dbos.datasource.url=" + systemUrl).run((context) -> {
			HikariDataSource system = context.getBean(DbosSystemDatabase.class)
				.getDataSource()
				.unwrap(HikariDataSource.class);
			assertThat(system).isNotSameAs(context.getBean(DataSource.class));
			assertThat(system.getJdbcUrl()).isEqualTo(systemUrl);
		});
	}

	@Test
	void runWithInvalidSchemaNameShouldFailNamingTheProperty() {
		this.runner.withPropertyValues("dbos.schema=bad-name; DROP TABLE x").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("dbos.schema")
				.hasMessageContaining("lower-case PostgreSQL identifier");
		});
	}

	@Test
	void runWithMalformedValuesShouldFailNamingTheProperty() {
		this.runner.withPropertyValues("dbos.recovery.max-attempts=0")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("dbos.recovery.max-attempts"));
		this.runner.withPropertyValues("dbos.recovery.executor-timeout=1s", "dbos.recovery.heartbeat-interval=1s")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("dbos.recovery.executor-timeout")
				.hasMessageContaining("twice dbos.recovery.heartbeat-interval"));
		this.runner.withPropertyValues("dbos.max-payload-size=lots")
			.run((context) -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining("Failed to bind properties under 'dbos.max-payload-size'"));
		this.runner.withPropertyValues("dbos.executor-id= ")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("dbos.executor-id"));
	}

	@Test
	void runShouldDeclareQueuesFromPropertiesAndBeansAndStartTheWorker() {
		this.runner
			.withPropertyValues("dbos.queues.defaults.max-attempts=7", "dbos.queues.emails.concurrency=4",
					"dbos.queues.emails.worker-concurrency=2", "dbos.queues.emails.limit=50",
					"dbos.queues.emails.period=1m", "dbos.queues.emails.retry.initial-delay=2s",
					"dbos.queues.reports.priority-enabled=true")
			.withBean(Queue.class, () -> Queue.named("from-bean").withPartitioned(true))
			.run((context) -> {
				assertThat(context).hasSingleBean(QueueWorker.class);
				assertThat(context.getBean(QueueWorker.class).isRunning()).isTrue();
				QueueRegistry queues = context.getBean(QueueRegistry.class);
				Queue emails = queues.get("emails");
				assertThat(emails.concurrency()).isEqualTo(4);
				assertThat(emails.workerConcurrency()).isEqualTo(2);
				assertThat(emails.limit()).isEqualTo(50);
				assertThat(emails.period()).isEqualTo(Duration.ofMinutes(1));
				assertThat(emails.maxAttempts()).isEqualTo(7);
				assertThat(emails.retry().initialDelay()).isEqualTo(Duration.ofSeconds(2));
				assertThat(queues.get("reports").priorityEnabled()).isTrue();
				assertThat(queues.get("from-bean").partitioned()).isTrue();
				assertThat(queues.all()).extracting(Queue::name)
					.containsExactlyInAnyOrder("emails", "reports", "from-bean");
				assertThatExceptionOfType(UnknownQueueException.class).isThrownBy(() -> queues.get("defaults"));
			});
	}

	@Test
	void runWithWorkerDisabledShouldNotStartAWorkerButStillEnqueue() {
		this.runner.withPropertyValues("dbos.worker.enabled=false", "dbos.queues.auto-create=true")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(QueueWorker.class).hasSingleBean(Dbos.class);
				assertThat(context.getBean(QueueRegistry.class).get("anything").maxAttempts())
					.isEqualTo(Queue.DEFAULT_MAX_ATTEMPTS);
			});
	}

	@Test
	void runWithMalformedQueueOrWorkerValuesShouldFailNamingTheProperty() {
		this.runner.withPropertyValues("dbos.queues.emails.concurrency=0")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("dbos.queues.emails.concurrency"));
		this.runner.withPropertyValues("dbos.queues.emails.period=-1s")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("dbos.queues.emails.period"));
		this.runner.withPropertyValues("dbos.queues.emails.retry.multiplier=0.5")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("dbos.queues.emails.retry"));
		this.runner.withPropertyValues("dbos.queues.emails.limit=many")
			.run((context) -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining("Failed to bind properties under 'dbos.queues.emails.limit'"));
		this.runner.withPropertyValues("dbos.worker.concurrency=0")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("dbos.worker.concurrency"));
		this.runner.withPropertyValues("dbos.worker.poll-interval=0s")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("dbos.worker.poll-interval"));
	}

	@Test
	void runWithFinalWorkflowMethodShouldFailAtStartup() {
		this.runner.withUserConfiguration(FinalWorkflowConfiguration.class)
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("@Workflow method " + FinalWorkflow.class.getName() + "#run is final")
				.hasMessageContaining("cannot intercept it"));
	}

	@Test
	void runWithPrivateOrStaticStepMethodShouldFailAtStartup() {
		this.runner.withUserConfiguration(PrivateStepConfiguration.class)
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("@Step method " + PrivateStep.class.getName() + "#hidden is private"));
		this.runner.withUserConfiguration(StaticStepConfiguration.class)
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("@Step method " + StaticStep.class.getName() + "#shared is static"));
	}

	@Test
	void runWithWorkflowCallingItsOwnStepThroughThisShouldWarnAtStartup(CapturedOutput output) {
		this.runner.withUserConfiguration(SelfCallingConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(output).contains("Workflow method " + SelfCalling.class.getName()
					+ " calls its own @Step method through 'this' (run -> helper)");
			assertThat(output).doesNotContain("(run -> notAStep)");
		});
	}

	@Test
	void runWithComponentCallingItsOwnStepThroughThisShouldCheckpointThatStep(CapturedOutput output) {
		this.runner.withBean(SelfCallingComponent.class).run((context) -> {
			Dbos dbos = context.getBean(Dbos.class);
			SelfCallingComponent bean = context.getBean(SelfCallingComponent.class);
			assertThat(dbos.run(WorkflowOptions.withId("self-1"), () -> bean.run("a"))).isEqualTo("step(a)+step(b)");
			assertThat(dbos.listSteps("self-1")).extracting(io.github.dbosspring.workflow.StepInfo::stepName)
				.containsExactly("helper", "helper");
			assertThat(bean.calls()).isEqualTo(2);
			// a second run replays the recorded self-called steps instead of running them
			assertThat(dbos.run(WorkflowOptions.withId("self-1"), () -> bean.run("a"))).isEqualTo("step(a)+step(b)");
			assertThat(bean.calls()).isEqualTo(2);
			// outside a workflow the step just runs
			assertThat(bean.helper("plain")).isEqualTo("step(plain)");
			assertThat(output).doesNotContain("calls its own @Step method through 'this'");
		});
	}

	@Test
	void runWithSelfInvocationDisabledShouldKeepThePlainClass() {
		this.runner.withBean(SelfCallingComponent.class)
			.withPropertyValues("dbos.self-invocation.enabled=false")
			.run((context) -> {
				Dbos dbos = context.getBean(Dbos.class);
				SelfCallingComponent bean = context.getBean(SelfCallingComponent.class);
				dbos.run(WorkflowOptions.withId("self-off"), () -> bean.run("a"));
				assertThat(dbos.listSteps("self-off")).isEmpty();
			});
	}

	@Test
	void runWithTwoWorkflowsOfTheSameNameShouldFailAtStartup() {
		this.runner.withUserConfiguration(DuplicateNames.class)
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("Two workflows are named 'same'"));
	}

	@Test
	void runWithoutAnyDatabaseShouldStartEmbeddedPostgresWhoseDataSurvivesRestarts(@TempDir Path dataDir) {
		ApplicationContextRunner embedded = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, JacksonAutoConfiguration.class,
					DbosDataSourceAutoConfiguration.class, DbosAutoConfiguration.class))
			.withPropertyValues("dbos.embedded.data-dir=" + dataDir, "dbos.executor-id=embedded-1")
			.withUserConfiguration(Workflows.class);
		embedded.run((context) -> {
			assertThat(context).hasSingleBean(PersistentEmbeddedPostgres.class);
			assertThat(context.getBean(PersistentEmbeddedPostgres.class).getDataDirectory()).isEqualTo(dataDir);
			Dbos dbos = context.getBean(Dbos.class);
			Workflows workflows = context.getBean(Workflows.class);
			assertThat(dbos.run(WorkflowOptions.withId("survives"), () -> workflows.twice(5))).isEqualTo(10);
		});
		embedded.run((context) -> {
			Dbos dbos = context.getBean(Dbos.class);
			assertThat(dbos.getWorkflow("survives")).hasValueSatisfying((info) -> {
				assertThat(info.status()).isEqualTo(WorkflowStatus.SUCCESS);
				assertThat(info.output()).isEqualTo("10");
			});
		});
	}

	@Test
	void runWithEmbeddedDisabledAndNoDatabaseShouldFailWithAClearMessage() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DbosDataSourceAutoConfiguration.class, DbosAutoConfiguration.class))
			.withPropertyValues("dbos.embedded.enabled=false")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("set spring.datasource.url or dbos.datasource.url"));
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomBeans {

		final DbosSerializer serializer = new JacksonDbosSerializer(new tools.jackson.databind.json.JsonMapper());

		@Bean
		DbosSerializer customSerializer() {
			return this.serializer;
		}

		@Bean
		Dbos customDbos(WorkflowEngine engine) {
			return new CustomDbos(engine);
		}

	}

	static class CustomDbos extends Dbos {

		CustomDbos(WorkflowEngine engine) {
			super(engine);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Workflows {

		@Workflow
		public int twice(int value) {
			return value * 2;
		}

	}

	static class FinalWorkflow {

		@Workflow
		public final String run() {
			return "x";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FinalWorkflowConfiguration {

		@Bean
		FinalWorkflow finalWorkflow() {
			return new FinalWorkflow();
		}

	}

	static class PrivateStep {

		@Step
		private String hidden() {
			return "x";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PrivateStepConfiguration {

		@Bean
		PrivateStep privateStep() {
			return new PrivateStep();
		}

	}

	static class StaticStep {

		@Step
		public static String shared() {
			return "x";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class StaticStepConfiguration {

		@Bean
		StaticStep staticStep() {
			return new StaticStep();
		}

	}

	static class SelfCalling {

		@Workflow
		public String run() {
			return helper() + notAStep();
		}

		@Step
		public String helper() {
			return "h";
		}

		public String notAStep() {
			return "n";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SelfCallingConfiguration {

		@Bean
		SelfCalling selfCalling() {
			return new SelfCalling();
		}

	}

	public static class SelfCallingComponent {

		private final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

		@Workflow
		public String run(String first) {
			return helper(first) + "+" + helper("b");
		}

		@Step
		public String helper(String value) {
			this.calls.incrementAndGet();
			return "step(" + value + ")";
		}

		public int calls() {
			return this.calls.get();
		}

	}

	static class NamedA {

		@Workflow(name = "same")
		public String a() {
			return "a";
		}

	}

	static class NamedB {

		@Workflow(name = "same")
		public String b() {
			return "b";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DuplicateNames {

		@Bean
		NamedA namedA() {
			return new NamedA();
		}

		@Bean
		NamedB namedB() {
			return new NamedB();
		}

	}

}
