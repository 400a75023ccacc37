package io.github.dbosspring.benchmarks;

import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The application under test: the starter's auto-configuration and one workflow that
 * calls a no-op step a given number of times, so that everything it costs is the
 * engine's (start record, one checkpoint per step, completion).
 *
 * @since 0.1.0
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class NoOpWorkflowApplication {

	@Bean
	NoOpSteps noOpSteps() {
		return new NoOpSteps();
	}

	@Bean
	NoOpWorkflows noOpWorkflows(NoOpSteps steps) {
		return new NoOpWorkflows(steps);
	}

	/**
	 * A step that does nothing: its cost is the checkpoint alone.
	 */
	public static class NoOpSteps {

		@Step(name = "no-op")
		public void noOp() {
		}

	}

	/**
	 * A workflow of {@code steps} no-op steps, on a bean other than the steps' so that
	 * every step call goes through the step's proxy.
	 */
	public static class NoOpWorkflows {

		private final NoOpSteps steps;

		public NoOpWorkflows(NoOpSteps steps) {
			this.steps = steps;
		}

		@Workflow(name = "no-op-steps")
		public int run(int steps) {
			for (int i = 0; i < steps; i++) {
				this.steps.noOp();
			}
			return steps;
		}

	}

}
