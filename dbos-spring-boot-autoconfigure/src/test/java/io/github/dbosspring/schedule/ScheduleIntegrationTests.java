package io.github.dbosspring.schedule;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.dbosspring.test.ChildJvm;
import io.github.dbosspring.test.TestDatabase;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A workflow scheduled every second, with two JVMs up: every tick runs exactly once, none
 * is skipped while they run.
 */
class ScheduleIntegrationTests {

	@Test
	@Timeout(180)
	void everyTickRunsExactlyOnceWithTwoJvmsUp() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		JdbcClient jdbc = JdbcClient.create(TestDatabase.dataSource(url));
		jdbc.sql("CREATE TABLE tick_ledger (tick timestamptz NOT NULL, executor text NOT NULL)").update();
		List<ChildJvm> jvms = new ArrayList<>();
		try {
			for (String executor : List.of("sched-a", "sched-b")) {
				jvms.add(ChildJvm.start("schedule-" + executor, ScheduleTestApp.class, "--spring.datasource.url=" + url,
						"--dbos.executor-id=" + executor, "--spring.main.banner-mode=off", "--logging.level.root=WARN"));
			}
			for (ChildJvm jvm : jvms) {
				assertThat(jvm.awaitOutput("READY", Duration.ofSeconds(90))).as(jvm.output()).isTrue();
			}
			Thread.sleep(6000);
		}
		finally {
			for (ChildJvm jvm : jvms) {
				jvm.close();
			}
		}
		// ticks that both JVMs were up for: from the later start to the first kill
		long ticks = jdbc.sql("SELECT count(*) FROM tick_ledger").query(Long.class).single();
		long distinct = jdbc.sql("SELECT count(DISTINCT tick) FROM tick_ledger").query(Long.class).single();
		long span = jdbc.sql("SELECT extract(epoch FROM max(tick) - min(tick))::bigint + 1 FROM tick_ledger")
			.query(Long.class)
			.single();
		List<String> executors = jdbc.sql("SELECT DISTINCT executor_id FROM dbos.workflow_status "
				+ "WHERE workflow_name = 'everySecond' ORDER BY 1").query(String.class).list();
		System.out.println("schedule: ticks=" + ticks + " distinct=" + distinct + " span-seconds=" + span
				+ " executors=" + executors);
		assertThat(ticks).isGreaterThanOrEqualTo(5);
		assertThat(ticks).as("each tick ran once").isEqualTo(distinct);
		assertThat(distinct).as("no tick skipped between the first and the last").isEqualTo(span);
		// every recorded tick is a workflow with the tick's time in its ID
		assertThat(jdbc.sql("SELECT count(*) FROM tick_ledger l WHERE NOT EXISTS (SELECT 1 FROM dbos.workflow_status w "
				+ "WHERE w.workflow_id = 'sched:everySecond:' || to_char(l.tick AT TIME ZONE 'UTC', "
				+ "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))").query(Long.class).single()).isZero();
	}

}
