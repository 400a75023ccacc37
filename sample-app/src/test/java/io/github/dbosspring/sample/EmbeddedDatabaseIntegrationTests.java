package io.github.dbosspring.sample;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.dbosspring.embedded.PersistentEmbeddedPostgres;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.StepInfo;
import io.github.dbosspring.workflow.WorkflowInfo;
import io.github.dbosspring.workflow.WorkflowOptions;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With no database configured the sample runs on an embedded PostgreSQL whose data
 * survives a restart of the application.
 */
class EmbeddedDatabaseIntegrationTests {

	@TempDir
	private Path dataDir;

	@Test
	void workflowRecordedOnTheEmbeddedDatabaseIsFoundAfterARestart() throws Exception {
		try (ConfigurableApplicationContext context = startApplication()) {
			PersistentEmbeddedPostgres postgres = context.getBean(PersistentEmbeddedPostgres.class);
			assertThat(postgres.getDataDirectory()).isEqualTo(this.dataDir.toAbsolutePath().normalize());
			assertThat(context.getBeansOfType(DataSource.class)).hasSize(1);
			QueueWorker queueWorker = context.getBean(QueueWorker.class);

			int result = context.getBean(Dbos.class)
				.run(WorkflowOptions.withId("survives-restart"), () -> queueWorker.run(3));

			assertThat(result).isEqualTo(3);
		}
		// the server this context started is stopped, so the next start reads the data from disk
		assertThat(this.dataDir.resolve("postmaster.pid")).doesNotExist();

		try (ConfigurableApplicationContext context = startApplication()) {
			Dbos dbos = context.getBean(Dbos.class);
			Optional<WorkflowInfo> workflow = dbos.getWorkflow("survives-restart");

			assertThat(workflow).hasValueSatisfying((info) -> {
				assertThat(info.status()).isEqualTo(WorkflowStatus.SUCCESS);
				assertThat(info.output()).isEqualTo("3");
			});
			assertThat(dbos.listSteps("survives-restart")).filteredOn((step) -> step.stepName().equals("step"))
				.extracting(StepInfo::output)
				.containsExactly("1", "2", "3");
			assertThat(dbos.getEvent("survives-restart", WorkflowProgress.EVENT, WorkflowProgress.class, Duration.ZERO))
				.contains(new WorkflowProgress(3, 3));
		}
	}

	private ConfigurableApplicationContext startApplication() {
		return new SpringApplicationBuilder(SampleApplication.class)
			.properties("dbos.embedded.data-dir=" + this.dataDir, "server.port=0", "sample.step-duration=10ms")
			.run();
	}

}
