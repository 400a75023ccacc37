package io.github.dbosspring.schedule;

import java.time.Instant;

import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;
import io.github.dbosspring.workflow.WorkflowSchedule;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * A JVM with a workflow scheduled every second; each run records its tick and executor in
 * {@code tick_ledger}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(ScheduleTestApp.Ticks.class)
public class ScheduleTestApp {

	public static void main(String[] args) throws Exception {
		new SpringApplicationBuilder(ScheduleTestApp.class).web(WebApplicationType.NONE).run(args);
		System.out.println("READY pid=" + ProcessHandle.current().pid());
		Thread.sleep(Long.MAX_VALUE);
	}

	@Component
	public static class Ticks {

		private final JdbcClient jdbc;

		private final String executor;

		private final Ticks self;

		public Ticks(JdbcClient jdbc, Environment environment, @Lazy Ticks self) {
			this.jdbc = jdbc;
			this.executor = environment.getProperty("dbos.executor-id", "unknown");
			this.self = self;
		}

		@Workflow(name = "everySecond")
		@WorkflowSchedule(cron = "* * * * * *")
		public void everySecond(Instant scheduledTime) {
			this.self.record(scheduledTime);
		}

		@Step
		public void record(Instant scheduledTime) {
			this.jdbc.sql("INSERT INTO tick_ledger (tick, executor) VALUES (?, ?)")
				.params(java.sql.Timestamp.from(scheduledTime), this.executor)
				.update();
		}

	}

}
