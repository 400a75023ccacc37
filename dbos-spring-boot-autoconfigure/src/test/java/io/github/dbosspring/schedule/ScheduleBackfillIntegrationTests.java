package io.github.dbosspring.schedule;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.dbosspring.autoconfigure.DbosAutoConfiguration;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Lazy;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ticks missed while no process ran: skipped by default, run at the next start with
 * {@code backfill} (the most recent 100 at most).
 */
class ScheduleBackfillIntegrationTests {

	@Test
	void ticksMissedWhileDownAreSkippedByDefault() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		JdbcClient jdbc = ledger(url);
		ApplicationContextRunner runner = runner(url, false);
		runner.run((context) -> awaitTicks(jdbc, 2));
		Instant stopped = lastTick(jdbc);
		Thread.sleep(4000);
		runner.run((context) -> awaitTicks(jdbc, ticks(jdbc) + 2));

		List<Instant> ticks = allTicks(jdbc);
		long gaps = gapsOfMoreThanOneSecond(ticks);
		System.out.println("schedule-skip: ticks=" + ticks.size() + " stopped-after=" + stopped + " gaps=" + gaps);
		assertThat(ticks).doesNotHaveDuplicates();
		assertThat(gaps).as("the ticks of the downtime did not run").isEqualTo(1);
	}

	@Test
	void ticksMissedWhileDownRunAtTheNextStartWithBackfill() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		JdbcClient jdbc = ledger(url);
		ApplicationContextRunner runner = runner(url, true);
		runner.run((context) -> awaitTicks(jdbc, 2));
		Thread.sleep(4000);
		runner.run((context) -> awaitTicks(jdbc, ticks(jdbc) + 6));

		List<Instant> ticks = allTicks(jdbc);
		long span = ChronoUnit.SECONDS.between(ticks.get(0), ticks.get(ticks.size() - 1)) + 1;
		System.out.println("schedule-backfill: ticks=" + ticks.size() + " span-seconds=" + span);
		assertThat(ticks).doesNotHaveDuplicates();
		assertThat(gapsOfMoreThanOneSecond(ticks)).as("every tick of the downtime ran").isZero();
		assertThat(ticks).hasSize((int) span);
	}

	@Test
	void backfillRunsTheMostRecentHundredMissedTicks() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		JdbcClient jdbc = ledger(url);
		ApplicationContextRunner runner = runner(url, true);
		runner.run((context) -> awaitTicks(jdbc, 1));
		// as if the last tick had run 300 seconds ago: copy the recorded workflow under that tick's ID (the
		// ticks of the first run, inside the backfilled window, are not run again: their IDs exist)
		Instant old = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(300);
		jdbc.sql("CREATE TEMP TABLE old_tick AS SELECT * FROM dbos.workflow_status WHERE workflow_name = 'backfilled' "
				+ "LIMIT 1; UPDATE old_tick SET workflow_id = ?, created_at = created_at + interval '1 hour'; "
				+ "INSERT INTO dbos.workflow_status SELECT * FROM old_tick")
			.params(WorkflowScheduler.workflowId("backfilled", old))
			.update();
		Instant restarted = Instant.now();
		runner.run((context) -> awaitTicks(jdbc, 101));

		List<Instant> ticks = allTicks(jdbc);
		List<Instant> backfilled = ticks.stream().filter((tick) -> tick.isBefore(restarted.minusSeconds(1))).toList();
		System.out.println("schedule-backfill-cap: missed=~300 backfilled=" + backfilled.size() + " first="
				+ backfilled.get(0) + " restarted=" + restarted);
		assertThat(ticks).doesNotHaveDuplicates();
		assertThat(ticks.get(0)).as("the oldest missed ticks are skipped").isAfter(old.plusSeconds(150));
		assertThat(gapsOfMoreThanOneSecond(ticks)).as("the most recent ones all ran").isZero();
		assertThat(ticks.size()).isBetween(WorkflowScheduler.MAX_BACKFILL, WorkflowScheduler.MAX_BACKFILL + 30);
	}

	private static ApplicationContextRunner runner(String url, boolean backfill) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					JdbcTemplateAutoConfiguration.class, JdbcClientAutoConfiguration.class, DbosAutoConfiguration.class))
			.withBean(BackfillWorkflows.class)
			.withPropertyValues("spring.datasource.url=" + url, "dbos.schedules.[backfilled].cron=* * * * * *",
					"dbos.schedules.[backfilled].backfill=" + backfill, "dbos.worker.enabled=false");
	}

	private static JdbcClient ledger(String url) {
		JdbcClient jdbc = JdbcClient.create(TestDatabase.dataSource(url));
		jdbc.sql("CREATE TABLE backfill_ledger (tick timestamptz NOT NULL)").update();
		return jdbc;
	}

	private static void awaitTicks(JdbcClient jdbc, long count) throws InterruptedException {
		long deadline = System.nanoTime() + 60_000_000_000L;
		while (ticks(jdbc) < count) {
			assertThat(System.nanoTime()).as("%s ticks recorded within 60 s", count).isLessThan(deadline);
			Thread.sleep(100);
		}
	}

	private static long ticks(JdbcClient jdbc) {
		return jdbc.sql("SELECT count(*) FROM backfill_ledger").query(Long.class).single();
	}

	private static Instant lastTick(JdbcClient jdbc) {
		return jdbc.sql("SELECT max(tick) FROM backfill_ledger").query(Timestamp.class).single().toInstant();
	}

	private static List<Instant> allTicks(JdbcClient jdbc) {
		return jdbc.sql("SELECT tick FROM backfill_ledger ORDER BY tick")
			.query(Timestamp.class)
			.list()
			.stream()
			.map(Timestamp::toInstant)
			.toList();
	}

	private static long gapsOfMoreThanOneSecond(List<Instant> ticks) {
		long gaps = 0;
		for (int i = 1; i < ticks.size(); i++) {
			if (ChronoUnit.SECONDS.between(ticks.get(i - 1), ticks.get(i)) > 1) {
				gaps++;
			}
		}
		return gaps;
	}

	/**
	 * A workflow scheduled by properties; each tick records its time.
	 */
	static class BackfillWorkflows {

		private final JdbcClient jdbc;

		private final BackfillWorkflows self;

		BackfillWorkflows(JdbcClient jdbc, @Lazy BackfillWorkflows self) {
			this.jdbc = jdbc;
			this.self = self;
		}

		@Workflow(name = "backfilled")
		public void backfilled(Instant scheduledTime) {
			this.self.record(scheduledTime);
		}

		@Step
		public void record(Instant scheduledTime) {
			this.jdbc.sql("INSERT INTO backfill_ledger (tick) VALUES (?)").params(Timestamp.from(scheduledTime)).update();
		}

	}

}
