package io.github.dbosspring.workflow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.TestWorkflowApplication.OrderWorkflows;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No database connection is held while user code runs: 50 workflows whose steps sleep run
 * concurrently on a pool of 2 connections.
 */
@SpringBootTest(classes = TestWorkflowApplication.class,
		properties = { "spring.datasource.hikari.maximum-pool-size=2", "spring.datasource.hikari.connection-timeout=5000",
				"dbos.workflow-pool-size=50", "dbos.recovery.interval=1h" })
class SmallPoolIntegrationTests {

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private Dbos dbos;

	@Autowired
	private OrderWorkflows workflows;

	@Test
	void fiftyConcurrentWorkflowsCompleteOnTwoConnections() throws Exception {
		List<WorkflowHandle<String>> handles = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			String id = "small-pool-" + i;
			handles.add(this.dbos.start(WorkflowOptions.withId(id), () -> this.workflows.slow(id, 200)));
		}
		for (int i = 0; i < 50; i++) {
			assertThat(handles.get(i).getResult(Duration.ofSeconds(60))).isEqualTo("slow-small-pool-" + i + "-small-pool-" + i);
		}
		assertThat(this.dbos.listWorkflows(WorkflowQuery.all().withStatus(WorkflowStatus.SUCCESS))).hasSize(50);
	}

}
