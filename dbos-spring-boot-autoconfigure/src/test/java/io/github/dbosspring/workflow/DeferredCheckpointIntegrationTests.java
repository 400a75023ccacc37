package io.github.dbosspring.workflow;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Deferred step checkpoints ({@code dbos.defer-step-checkpoints}, on by default): a step's
 * checkpoint is written when the workflow's next durable operation starts, and the last
 * step's checkpoint commits with the workflow's outcome, in the same transaction (same
 * {@code xmin}).
 */
@SpringBootTest(classes = DeferredCheckpointIntegrationTests.App.class)
class DeferredCheckpointIntegrationTests {

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private Dbos dbos;

	@Autowired
	private Flows flows;

	@Autowired
	private JdbcClient jdbc;

	@BeforeEach
	void reset() {
		Flows.OBSERVED.clear();
	}

	@Test
	void stepCheckpointIsWrittenWhenTheNextStepStartsAndTheLastOneWithTheOutcome() {
		String result = this.dbos.run(WorkflowOptions.withId("deferred-1"), this.flows::twoSteps);

		assertThat(result).isEqualTo("ab");
		// workflow code between the steps ran before step 0 was recorded; step 1 saw it recorded
		assertThat(Flows.OBSERVED).containsEntry("deferred-1:after-first", 0L).containsEntry("deferred-1:in-second",
				1L);
		assertThat(this.dbos.listSteps("deferred-1")).extracting(StepInfo::stepName, StepInfo::output)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("first", "\"a\""),
					org.assertj.core.groups.Tuple.tuple("second", "\"b\""));
		assertThat(this.dbos.getWorkflow("deferred-1").orElseThrow().status()).isEqualTo(WorkflowStatus.SUCCESS);
		String outcomeXmin = workflowXmin(this.jdbc, "deferred-1");
		assertThat(stepXmin(this.jdbc, "deferred-1", 1)).isEqualTo(outcomeXmin);
		assertThat(stepXmin(this.jdbc, "deferred-1", 0)).isNotEqualTo(outcomeXmin);
	}

	@Test
	void durableOperationWritesThePendingCheckpointFirst() {
		this.dbos.run(WorkflowOptions.withId("deferred-event"), this.flows::stepThenEvent);

		assertThat(Flows.OBSERVED).containsEntry("deferred-event:after-event", 1L);
		assertThat(this.dbos.getEvent("deferred-event", "k", String.class, java.time.Duration.ZERO)).contains("v");
		assertThat(this.dbos.listSteps("deferred-event")).extracting(StepInfo::stepName).first().isEqualTo("first");
	}

	@Test
	void failedLastStepIsRecordedWithTheWorkflowsError() {
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("deferred-error"), this.flows::failingLastStep))
			.withMessage("declined");

		WorkflowInfo info = this.dbos.getWorkflow("deferred-error").orElseThrow();
		assertThat(info.status()).isEqualTo(WorkflowStatus.ERROR);
		StepInfo step = this.dbos.listSteps("deferred-error").get(1);
		assertThat(step.stepName()).isEqualTo("failing");
		assertThat(step.errorClass()).isEqualTo(IllegalStateException.class.getName());
		assertThat(stepXmin(this.jdbc, "deferred-error", 1)).isEqualTo(workflowXmin(this.jdbc, "deferred-error"));
		// a second start returns the recorded error without running anything again
		int runs = Flows.FAILING_RUNS.get();
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("deferred-error"), this.flows::failingLastStep));
		assertThat(Flows.FAILING_RUNS.get()).isEqualTo(runs);
	}

	@Test
	void withDeferralOffEveryStepIsRecordedBeforeTheWorkflowGoesOn() {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.properties("spring.datasource.url=" + TestDatabase.newDatabaseUrl(), "dbos.defer-step-checkpoints=false")
			.run()) {
			Dbos immediate = context.getBean(Dbos.class);
			Flows flows = context.getBean(Flows.class);
			JdbcClient jdbc = context.getBean(JdbcClient.class);

			assertThat(immediate.run(WorkflowOptions.withId("immediate-1"), flows::twoSteps)).isEqualTo("ab");

			assertThat(Flows.OBSERVED).containsEntry("immediate-1:after-first", 1L);
			assertThat(stepXmin(jdbc, "immediate-1", 1)).isNotEqualTo(workflowXmin(jdbc, "immediate-1"));
		}
	}

	static long stepRows(JdbcClient jdbc, String workflowId) {
		return jdbc.sql("SELECT count(*) FROM dbos.step_outputs WHERE workflow_id = ?")
			.param(workflowId)
			.query(Long.class)
			.single();
	}

	private static String stepXmin(JdbcClient jdbc, String workflowId, int stepId) {
		return jdbc.sql("SELECT xmin::text FROM dbos.step_outputs WHERE workflow_id = ? AND step_id = ?")
			.params(workflowId, stepId)
			.query(String.class)
			.single();
	}

	private static String workflowXmin(JdbcClient jdbc, String workflowId) {
		return jdbc.sql("SELECT xmin::text FROM dbos.workflow_status WHERE workflow_id = ?")
			.param(workflowId)
			.query(String.class)
			.single();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class App {

		@Bean
		Steps deferredSteps(JdbcClient jdbc) {
			return new Steps(jdbc);
		}

		@Bean
		Flows deferredFlows(Steps steps, Dbos dbos, JdbcClient jdbc) {
			return new Flows(steps, dbos, jdbc);
		}

	}

	public static class Steps {

		private final JdbcClient jdbc;

		public Steps(JdbcClient jdbc) {
			this.jdbc = jdbc;
		}

		@Step(name = "first")
		public String first() {
			return "a";
		}

		@Step(name = "second")
		public String second() {
			String id = Dbos.workflowId();
			Flows.OBSERVED.put(id + ":in-second", stepRows(this.jdbc, id));
			return "b";
		}

		@Step(name = "failing")
		public String failing() {
			Flows.FAILING_RUNS.incrementAndGet();
			throw new IllegalStateException("declined");
		}

	}

	public static class Flows {

		static final Map<String, Long> OBSERVED = new ConcurrentHashMap<>();

		static final java.util.concurrent.atomic.AtomicInteger FAILING_RUNS = new java.util.concurrent.atomic.AtomicInteger();

		private final Steps steps;

		private final Dbos dbos;

		private final JdbcClient jdbc;

		public Flows(Steps steps, Dbos dbos, JdbcClient jdbc) {
			this.steps = steps;
			this.dbos = dbos;
			this.jdbc = jdbc;
		}

		@Workflow(name = "deferred-two-steps")
		public String twoSteps() {
			String id = Dbos.workflowId();
			String a = this.steps.first();
			OBSERVED.put(id + ":after-first", stepRows(this.jdbc, id));
			return a + this.steps.second();
		}

		@Workflow(name = "deferred-step-then-event")
		public String stepThenEvent() {
			String id = Dbos.workflowId();
			this.steps.first();
			this.dbos.setEvent("k", "v");
			// the step's own row (setEvent records an entry of its own after it)
			OBSERVED.put(id + ":after-event", this.jdbc
				.sql("SELECT count(*) FROM dbos.step_outputs WHERE workflow_id = ? AND step_name = 'first'")
				.param(id)
				.query(Long.class)
				.single());
			return "done";
		}

		@Workflow(name = "deferred-failing-last-step")
		public String failingLastStep() {
			this.steps.first();
			return this.steps.failing();
		}

	}

}
