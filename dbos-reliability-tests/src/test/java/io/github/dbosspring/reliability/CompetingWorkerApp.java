package io.github.dbosspring.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.queue.EnqueueRequest;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The JVMs of {@link CompetingWorkersSuiteTests}. {@code work.mode=worker} serves the
 * queue {@code jobs} until killed, after recording itself in {@code competing_ready};
 * {@code work.mode=produce} (its worker off) waits until {@code work.workers} workers are
 * ready, enqueues {@code work.jobs} jobs whose durations derive from {@code work.seed},
 * and exits. A job is one step that records its execution in {@code competing_ledger}
 * (worker, database-clock start and end), so overlap and re-runs are computed in SQL.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(CompetingWorkerApp.CompetingJobs.class)
public class CompetingWorkerApp {

	static final String LEDGER = """
			CREATE TABLE competing_ledger (id bigserial PRIMARY KEY, job text NOT NULL, worker text NOT NULL,
				millis int NOT NULL, started_at timestamptz NOT NULL DEFAULT clock_timestamp(), ended_at timestamptz);
			CREATE TABLE competing_ready (worker text PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp());
			CREATE TABLE competing_kills (worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())""";

	static final int MIN_MILLIS = 30;

	static final int MAX_MILLIS = 120;

	public static void main(String[] args) throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(CompetingWorkerApp.class)
			.web(WebApplicationType.NONE)
			.run(args);
		Environment environment = context.getEnvironment();
		JdbcClient jdbc = context.getBean(JdbcClient.class);
		String executor = environment.getRequiredProperty("dbos.executor-id");
		System.out.println("READY pid=" + ProcessHandle.current().pid());
		if (!"produce".equals(environment.getProperty("work.mode"))) {
			jdbc.sql("INSERT INTO competing_ready (worker) VALUES (?)").param(executor).update();
			Thread.sleep(Long.MAX_VALUE);
		}
		int workers = environment.getRequiredProperty("work.workers", Integer.class);
		while (jdbc.sql("SELECT count(*) FROM competing_ready").query(Integer.class).single() < workers) {
			Thread.sleep(10);
		}
		Dbos dbos = context.getBean(Dbos.class);
		CompetingJobs jobs = context.getBean(CompetingJobs.class);
		Random random = new Random(environment.getRequiredProperty("work.seed", Long.class));
		int count = environment.getRequiredProperty("work.jobs", Integer.class);
		for (int start = 0; start < count; start += 100) {
			List<EnqueueRequest> batch = new ArrayList<>();
			for (int i = start; i < Math.min(count, start + 100); i++) {
				String id = "job-" + i;
				int millis = MIN_MILLIS + random.nextInt(MAX_MILLIS - MIN_MILLIS + 1);
				batch.add(EnqueueRequest.of(EnqueueOptions.queue("jobs").withWorkflowId(id), () -> jobs.job(id, millis)));
			}
			dbos.enqueueAll(batch);
		}
		System.out.println("ENQUEUED " + count);
		context.close();
		System.exit(0);
	}

	@Component
	public static class CompetingJobs {

		private final JdbcClient jdbc;

		private final String worker;

		private final CompetingJobs self;

		public CompetingJobs(JdbcClient jdbc, Environment environment, @Lazy CompetingJobs self) {
			this.jdbc = jdbc;
			this.worker = environment.getProperty("dbos.executor-id", "unknown");
			this.self = self;
		}

		@Workflow(name = "competing-job")
		public String job(String id, int millis) throws InterruptedException {
			return this.self.work(id, millis);
		}

		@Step
		public String work(String id, int millis) throws InterruptedException {
			long entry = this.jdbc
				.sql("INSERT INTO competing_ledger (job, worker, millis) VALUES (?, ?, ?) RETURNING id")
				.params(id, this.worker, millis)
				.query(Long.class)
				.single();
			Thread.sleep(millis);
			this.jdbc.sql("UPDATE competing_ledger SET ended_at = clock_timestamp() WHERE id = ?").param(entry).update();
			return this.worker;
		}

	}

}
