package io.github.dbosspring.reliability;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;
import io.github.dbosspring.workflow.WorkflowSchedule;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The application of {@link BadInputSuiteTests}: workflows that take and return values
 * Jackson cannot write, a polymorphic argument stored with its class name, and a plain
 * echo whose step records every run in {@code bad_input_ledger} (with the database clock).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ BadInputTestApp.BadInputWorkflows.class, BadInputTestApp.BadInputSteps.class })
public class BadInputTestApp {

	/** The queue that ordinary jobs of the suite use. */
	public static final String QUEUE = "bad-input";

	@Component
	public static class BadInputWorkflows {

		private final BadInputSteps steps;

		public BadInputWorkflows(BadInputSteps steps) {
			this.steps = steps;
		}

		@Workflow(name = "echo")
		public String echo(String value) {
			return this.steps.record(value);
		}

		@Workflow(name = "take")
		public String take(Unwritable value) {
			return this.steps.record("take");
		}

		@Workflow(name = "give")
		public Unwritable give(String value) {
			this.steps.record(value);
			return new Unwritable();
		}

		@Workflow(name = "tick")
		public String tick(Instant at) {
			return this.steps.record(at.toString());
		}

		@Workflow(name = "grow")
		public int grow(int size) {
			return this.steps.grow(size).length();
		}

		@Workflow(name = "handle-event")
		public String handle(Event event) {
			return this.steps.record(event.describe());
		}

	}

	@Component
	public static class BadInputSteps {

		private final JdbcClient jdbc;

		public BadInputSteps(JdbcClient jdbc) {
			this.jdbc = jdbc;
		}

		@Step
		public String record(String value) {
			this.jdbc.sql("INSERT INTO bad_input_ledger (workflow_id, value) VALUES (?, ?)")
				.params(Dbos.workflowId(), value)
				.update();
			return value;
		}

		@Step
		public String grow(int size) {
			return "z".repeat(size);
		}

	}

	/** Not part of the application: a schedule whose ticks go to a queue nobody declared. */
	public static class MisdirectedSchedule {

		@Workflow(name = "misdirected")
		@WorkflowSchedule(cron = "0 0 1 * * *", queue = "no-such-queue")
		public void run() {
		}

	}

	/** A value whose only property cannot be read, so Jackson cannot write it. */
	public static class Unwritable {

		public String getSecret() {
			throw new IllegalStateException("the secret cannot be read");
		}

	}

	/**
	 * A polymorphic argument: stored with the name of its class, as events of a
	 * versioned schema often are.
	 */
	@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS)
	public interface Event {

		String describe();

	}

	public record OrderPlaced(long orderId) implements Event {

		@Override
		public String describe() {
			return "order " + this.orderId;
		}

	}

}
