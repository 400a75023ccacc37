package io.github.dbosspring.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The JVMs of the competing-workers tests. {@code work.mode=worker} drains the queue
 * {@code jobs} until killed; {@code work.mode=produce} enqueues {@code work.jobs} jobs in
 * batches (its worker is off) and exits. Each job has two steps; each step records its
 * execution in {@code job_ledger} (worker, database-clock start and end), so overlap and
 * re-runs are computed in SQL.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(QueueWorkerTestApp.Jobs.class)
public class QueueWorkerTestApp {

	public static final String LEDGER = """
			CREATE TABLE job_ledger (id bigserial PRIMARY KEY, job text NOT NULL, step int NOT NULL,
				worker text NOT NULL, started_at timestamptz NOT NULL DEFAULT clock_timestamp(), ended_at timestamptz);
			CREATE TABLE job_kills (worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())""";

	public static void main(String[] args) throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(QueueWorkerTestApp.class)
			.web(WebApplicationType.NONE)
			.run(args);
		Environment environment = context.getEnvironment();
		System.out.println("READY pid=" + ProcessHandle.current().pid());
		if ("produce".equals(environment.getProperty("work.mode"))) {
			Dbos dbos = context.getBean(Dbos.class);
			Jobs jobs = context.getBean(Jobs.class);
			int count = environment.getProperty("work.jobs", Integer.class, 100);
			for (int start = 0; start < count; start += 250) {
				List<EnqueueRequest> batch = new ArrayList<>();
				for (int i = start; i < Math.min(count, start + 250); i++) {
					String id = "job-" + i;
					batch.add(EnqueueRequest.of(EnqueueOptions.queue("jobs").withWorkflowId(id), () -> jobs.job(id)));
				}
				dbos.enqueueAll(batch);
			}
			System.out.println("ENQUEUED " + count);
			context.close();
			System.exit(0);
		}
		Thread.sleep(Long.MAX_VALUE);
	}

	@Component
	public static class Jobs {

		private final JdbcClient jdbc;

		private final String worker;

		private final long minMillis;

		private final long maxMillis;

		private Jobs self;

		public Jobs(JdbcClient jdbc, Environment environment,
				@org.springframework.context.annotation.Lazy Jobs self) {
			this.jdbc = jdbc;
			this.worker = environment.getProperty("dbos.executor-id", "unknown");
			this.minMillis = environment.getProperty("work.min-millis", Long.class, 5L);
			this.maxMillis = environment.getProperty("work.max-millis", Long.class, 20L);
			this.self = self;
		}

		@Workflow(name = "job")
		public String job(String id) throws InterruptedException {
			return this.self.effect(id, 0) + this.self.effect(id, 1);
		}

		@Step
		public String effect(String id, int step) throws InterruptedException {
			long entry = this.jdbc.sql("INSERT INTO job_ledger (job, step, worker) VALUES (?, ?, ?) RETURNING id")
				.params(id, step, this.worker)
				.query(Long.class)
				.single();
			Thread.sleep(ThreadLocalRandom.current().nextLong(this.minMillis, this.maxMillis + 1));
			this.jdbc.sql("UPDATE job_ledger SET ended_at = clock_timestamp() WHERE id = ?").param(entry).update();
			return Integer.toString(step);
		}

	}

}
