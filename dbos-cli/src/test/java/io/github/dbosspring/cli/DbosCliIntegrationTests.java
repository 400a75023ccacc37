package io.github.dbosspring.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.client.DbosClient;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.store.DbosSchema;
import io.github.dbosspring.store.DbosSchemaMigrator;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.WorkflowStatus;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI against real PostgreSQL with no application running: each command's output and
 * exit code.
 */
class DbosCliIntegrationTests {

	private static String url;

	private static DbosClient client;

	private static JdbcClient jdbc;

	@BeforeAll
	static void database() {
		url = TestDatabase.newDatabaseUrl();
		DataSource dataSource = TestDatabase.dataSource(url);
		new DbosSchemaMigrator(dataSource, new DbosSchema("dbos")).migrate();
		client = new DbosClient(dataSource);
		jdbc = JdbcClient.create(dataSource);
		client.enqueue(EnqueueOptions.queue("reports").withWorkflowId("cli-1"), "monthlyReport", "2026-11");
		client.enqueue(EnqueueOptions.queue("reports").withWorkflowId("cli-2"), "monthlyReport", "2026-10");
		jdbc.sql("UPDATE dbos.workflow_status SET status = 'DEAD_LETTER', error_class = 'java.lang.IllegalStateException', "
				+ "error_message = 'boom' WHERE workflow_id = 'cli-2'").update();
	}

	@Test
	void statusListAndShowDescribeTheWorkflows() {
		Result status = run("status");
		assertThat(status.code()).isZero();
		assertThat(status.out()).contains("reports").contains("ENQUEUED").contains("DEAD_LETTER");

		Result list = run("list", "--queue", "reports", "--status", "enqueued");
		assertThat(list.code()).isZero();
		assertThat(list.out()).contains("cli-1").doesNotContain("cli-2");

		Result show = run("show", "cli-2");
		assertThat(show.code()).isZero();
		assertThat(show.out()).contains("monthlyReport").contains("DEAD_LETTER").contains("boom");

		Result deadLetters = run("dead-letters", "--queue", "reports");
		assertThat(deadLetters.out()).contains("cli-2").doesNotContain("cli-1");
	}

	@Test
	void cancelResumeForkAndReplaySteerWorkflows() {
		client.enqueue(EnqueueOptions.queue("reports").withWorkflowId("cli-steer"), "monthlyReport", "x");
		assertThat(run("cancel", "cli-steer").code()).isZero();
		assertThat(status("cli-steer")).isEqualTo(WorkflowStatus.CANCELLED);
		Result again = run("cancel", "cli-steer");
		assertThat(again.code()).isZero();
		assertThat(again.out()).contains("nothing changed");
		assertThat(run("resume", "cli-steer").code()).isZero();
		assertThat(status("cli-steer")).isEqualTo(WorkflowStatus.ENQUEUED);

		Result fork = run("fork", "cli-steer", "--from-step", "0");
		assertThat(fork.code()).isZero();
		String forkId = fork.out().trim().substring(fork.out().trim().lastIndexOf(' ') + 1);
		assertThat(status(forkId)).isEqualTo(WorkflowStatus.ENQUEUED);

		client.enqueue(EnqueueOptions.queue("reports").withWorkflowId("cli-dead"), "monthlyReport", "y");
		jdbc.sql("UPDATE dbos.workflow_status SET status = 'DEAD_LETTER' WHERE workflow_id = 'cli-dead'").update();
		assertThat(run("replay", "cli-dead").code()).isZero();
		assertThat(status("cli-dead")).isEqualTo(WorkflowStatus.ENQUEUED);
	}

	@Test
	void exitCodesTellWhatWentWrong() {
		Result unknown = run("show", "no-such-workflow");
		assertThat(unknown.code()).isEqualTo(DbosCli.NOT_FOUND);
		assertThat(unknown.err()).contains("no-such-workflow");
		client.enqueue(EnqueueOptions.queue("reports").withWorkflowId("cli-done"), "monthlyReport", "z");
		jdbc.sql("UPDATE dbos.workflow_status SET status = 'SUCCESS' WHERE workflow_id = 'cli-done'").update();
		Result notResumable = run("resume", "cli-done");
		assertThat(notResumable.code()).isEqualTo(DbosCli.INVALID_STATE);
		assertThat(notResumable.err()).contains("completed successfully");
		assertThat(run("replay", "cli-done").code()).isEqualTo(DbosCli.INVALID_STATE);
		assertThat(run("explode").code()).isEqualTo(DbosCli.USAGE);
		assertThat(run("fork", "cli-1").code()).isEqualTo(DbosCli.USAGE);
		assertThat(run("show").code()).isEqualTo(DbosCli.USAGE);
		assertThat(new DbosCli(stream(), stream()).run(new String[] { "status" }, null)).isEqualTo(DbosCli.USAGE);
		Result unreachable = new Result(new DbosCli(stream(), stream())
			.run(new String[] { "--url", "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1", "status" }, null), "",
				"");
		assertThat(unreachable.code()).isEqualTo(DbosCli.DATABASE);
	}

	private static WorkflowStatus status(String id) {
		return client.getWorkflow(id).orElseThrow().status();
	}

	private static PrintStream stream() {
		return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
	}

	private static Result run(String... args) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		int code = new DbosCli(new PrintStream(out, true, StandardCharsets.UTF_8),
				new PrintStream(err, true, StandardCharsets.UTF_8)).run(args, url);
		return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
	}

	record Result(int code, String out, String err) {
	}

}
