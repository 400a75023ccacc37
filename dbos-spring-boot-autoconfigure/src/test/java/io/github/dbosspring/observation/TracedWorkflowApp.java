package io.github.dbosspring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import io.github.dbosspring.autoconfigure.DbosAutoConfiguration;
import io.github.dbosspring.autoconfigure.DbosObservabilityAutoConfiguration;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;
import io.github.dbosspring.workflow.WorkflowOptions;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The traced workflows of {@link TracingIntegrationTests}, and the JVM of its crash test:
 * inside a span of its own it starts workflow {@code traced-crash-1}, prints the span's
 * trace ID ({@code TRACE=...}), and blocks in the workflow's second step
 * ({@code traced.block-second-step}) until the test kills it.
 */
@SpringBootConfiguration
// only what it needs: it starts faster than with every auto-configuration of the test classpath
@ImportAutoConfiguration({ DataSourceAutoConfiguration.class, JdbcTemplateAutoConfiguration.class,
		JdbcClientAutoConfiguration.class, DbosAutoConfiguration.class, DbosObservabilityAutoConfiguration.class })
@Import({ TracedWorkflowApp.TracedWorkflows.class, TracedWorkflowApp.TracedSteps.class,
		TracedWorkflowApp.TracedParents.class })
public class TracedWorkflowApp {

	@Bean
	TestTracing testTracing() {
		return new TestTracing();
	}

	@Bean
	ObservationRegistry observationRegistry(TestTracing tracing) {
		return tracing.registry();
	}

	public static void main(String[] args) throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(TracedWorkflowApp.class)
			.web(WebApplicationType.NONE)
			.run(args);
		TestTracing tracing = context.getBean(TestTracing.class);
		Dbos dbos = context.getBean(Dbos.class);
		TracedWorkflows workflows = context.getBean(TracedWorkflows.class);
		Observation caller = Observation.start("crash-caller", tracing.registry());
		try (Observation.Scope scope = caller.openScope()) {
			System.out.println("TRACE=" + tracing.currentTraceId());
			dbos.start(WorkflowOptions.withId("traced-crash-1"), () -> workflows.twoSteps("crash"));
		}
		caller.stop();
		Thread.sleep(Long.MAX_VALUE);
	}

	@Component
	public static class TracedWorkflows {

		private final TracedSteps steps;

		public TracedWorkflows(TracedSteps steps) {
			this.steps = steps;
		}

		@Workflow(name = "traced")
		public String twoSteps(String input) {
			return this.steps.first(input) + this.steps.second(input);
		}

	}

	@Component
	public static class TracedParents {

		private final TracedWorkflows workflows;

		public TracedParents(TracedWorkflows workflows) {
			this.workflows = workflows;
		}

		@Workflow(name = "traced-parent")
		public String parent(String input) {
			// a child workflow, run inline as a step of this one
			return "parent(" + this.workflows.twoSteps(input) + ")";
		}

	}

	@Component
	public static class TracedSteps {

		private final boolean blockSecondStep;

		public TracedSteps(Environment environment) {
			this.blockSecondStep = environment.getProperty("traced.block-second-step", Boolean.class, false);
		}

		@Step
		public String first(String input) {
			return "first(" + input + ")";
		}

		@Step
		public String second(String input) {
			if (this.blockSecondStep) {
				System.out.println("IN-SECOND-STEP");
				try {
					Thread.sleep(Long.MAX_VALUE);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException("Interrupted in the blocking step", ex);
				}
			}
			return "second(" + input + ")";
		}

	}

}
