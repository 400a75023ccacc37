package io.github.dbosspring.observation;

import java.time.Duration;
import java.util.List;

import brave.handler.MutableSpan;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.dbosspring.autoconfigure.DbosAutoConfiguration;
import io.github.dbosspring.autoconfigure.DbosObservabilityAutoConfiguration;
import io.github.dbosspring.client.DbosClient;
import io.github.dbosspring.queue.EnqueueOptions;
import io.github.dbosspring.test.ChildJvm;
import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.WorkflowHandle;
import io.github.dbosspring.workflow.WorkflowOptions;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Spans of workflows and steps with Micrometer Tracing (Brave): a workflow continues the
 * trace of the code that started or enqueued it, in the worker that runs it and after a
 * crash of the process that started it.
 */
class TracingIntegrationTests {

	private static String url;

	private final TestTracing tracing = new TestTracing();

	@BeforeAll
	static void database() {
		url = TestDatabase.newDatabaseUrl();
	}

	private ApplicationContextRunner runner(String databaseUrl, ObservationRegistry registry) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					JdbcTemplateAutoConfiguration.class, JdbcClientAutoConfiguration.class, DbosAutoConfiguration.class,
					DbosObservabilityAutoConfiguration.class))
			.withBean(ObservationRegistry.class, () -> registry)
			.withUserConfiguration(TracedWorkflowApp.TracedWorkflows.class, TracedWorkflowApp.TracedSteps.class,
					TracedWorkflowApp.TracedParents.class)
			.withPropertyValues("spring.datasource.url=" + databaseUrl, "dbos.application-version=traced-test",
					"dbos.queues.traced.worker-concurrency=2");
	}

	@Test
	void workflowAndItsStepsAreSpansOfTheCallersTrace() {
		runner(url, this.tracing.registry()).run((context) -> {
			Dbos dbos = context.getBean(Dbos.class);
			TracedWorkflowApp.TracedWorkflows workflows = context.getBean(TracedWorkflowApp.TracedWorkflows.class);
			String[] result = new String[1];
			MutableSpan caller = this.tracing.inSpan("caller", () -> result[0] = dbos
				.run(WorkflowOptions.withId("inline-1"), () -> workflows.twoSteps("a")));
			assertThat(result[0]).isEqualTo("first(a)second(a)");

			MutableSpan start = this.tracing.span("start traced");
			MutableSpan workflow = this.tracing.span("workflow traced");
			MutableSpan first = this.tracing.span("step first");
			MutableSpan second = this.tracing.span("step second");
			assertThat(List.of(start, workflow, first, second)).extracting(MutableSpan::traceId)
				.containsOnly(caller.traceId());
			assertThat(start.parentId()).isEqualTo(caller.id());
			assertThat(workflow.parentId()).isEqualTo(start.id());
			assertThat(first.parentId()).isEqualTo(workflow.id());
			assertThat(second.parentId()).isEqualTo(workflow.id());
			assertThat(workflow.tags()).containsEntry("workflow.name", "traced")
				.containsEntry("workflow.id", "inline-1")
				.containsEntry("queue.name", "none")
				.containsEntry("outcome", "success");
			assertThat(second.tags()).containsEntry("step.name", "second")
				.containsEntry("outcome", "success")
				.containsEntry("step.id", "1");
			assertThat(storedTraceContext(url, "inline-1")).contains(caller.traceId());
		});
	}

	@Test
	void childWorkflowContinuesTheTraceOfItsParent() {
		runner(url, this.tracing.registry()).run((context) -> {
			Dbos dbos = context.getBean(Dbos.class);
			TracedWorkflowApp.TracedParents parents = context.getBean(TracedWorkflowApp.TracedParents.class);
			MutableSpan caller = this.tracing.inSpan("caller",
					() -> dbos.run(WorkflowOptions.withId("parent-1"), () -> parents.parent("p")));

			MutableSpan parent = this.tracing.span("workflow traced-parent");
			MutableSpan childStart = this.tracing.span("start traced");
			MutableSpan child = this.tracing.span("workflow traced");
			assertThat(List.of(parent, childStart, child)).extracting(MutableSpan::traceId)
				.containsOnly(caller.traceId());
			assertThat(childStart.parentId()).isEqualTo(parent.id());
			assertThat(child.parentId()).isEqualTo(childStart.id());
			assertThat(child.tags()).containsEntry("workflow.id", "parent-1-0");
			assertThat(this.tracing.spans("step second")).singleElement()
				.satisfies((step) -> assertThat(step.parentId()).isEqualTo(child.id()));
			assertThat(storedTraceContext(url, "parent-1-0")).contains(caller.traceId());
		});
	}

	@Test
	void queuedWorkflowContinuesTheTraceOfItsEnqueuer() {
		runner(url, this.tracing.registry()).run((context) -> {
			Dbos dbos = context.getBean(Dbos.class);
			DbosClient client = context.getBean(DbosClient.class);
			TracedWorkflowApp.TracedWorkflows workflows = context.getBean(TracedWorkflowApp.TracedWorkflows.class);
			@SuppressWarnings("unchecked")
			WorkflowHandle<String>[] handles = new WorkflowHandle[2];
			MutableSpan enqueuer = this.tracing.inSpan("enqueuer",
					() -> handles[0] = dbos.enqueue(EnqueueOptions.queue("traced").withWorkflowId("queued-1"),
							() -> workflows.twoSteps("q")));
			MutableSpan clientCaller = this.tracing.inSpan("client-caller",
					() -> handles[1] = client.enqueue(EnqueueOptions.queue("traced").withWorkflowId("queued-2"),
							String.class, "traced", "c"));
			assertThat(handles[0].getResult(Duration.ofSeconds(30))).isEqualTo("first(q)second(q)");
			assertThat(handles[1].getResult(Duration.ofSeconds(30))).isEqualTo("first(c)second(c)");
			await().atMost(Duration.ofSeconds(10)).until(() -> this.tracing.spans("step second").size() == 2);

			for (MutableSpan caller : List.of(enqueuer, clientCaller)) {
				List<MutableSpan> trace = inTrace(caller.traceId());
				MutableSpan enqueue = named(trace, "enqueue traced");
				MutableSpan workflow = named(trace, "workflow traced");
				assertThat(enqueue.parentId()).isEqualTo(caller.id());
				assertThat(enqueue.tags()).containsEntry("queue.name", "traced");
				assertThat(workflow.parentId()).isEqualTo(enqueue.id());
				assertThat(workflow.tags()).containsEntry("queue.name", "traced").containsEntry("outcome", "success");
				assertThat(trace).filteredOn((span) -> span.name().startsWith("step "))
					.hasSize(2)
					.allSatisfy((step) -> assertThat(step.parentId()).isEqualTo(workflow.id()));
			}
		});
	}

	@Test
	@Timeout(120)
	void workflowRecoveredAfterItsProcessWasKilledContinuesTheTraceItWasStartedIn() throws Exception {
		String crashUrl = TestDatabase.newDatabaseUrl();
		String traceId;
		try (ChildJvm starter = ChildJvm.start("traced-crash", TracedWorkflowApp.class,
				"--spring.datasource.url=" + crashUrl, "--dbos.executor-id=traced-victim",
				"--dbos.application-version=traced-test", "--traced.block-second-step=true",
				"--spring.main.banner-mode=off", "--logging.level.root=WARN")) {
			assertThat(starter.awaitOutput("IN-SECOND-STEP", Duration.ofSeconds(90))).as(starter.output()).isTrue();
			traceId = starter.output().lines()
				.filter((line) -> line.startsWith("TRACE="))
				.map((line) -> line.substring("TRACE=".length()).trim())
				.findFirst()
				.orElseThrow();
			starter.kill();
		}
		assertThat(storedTraceContext(crashUrl, "traced-crash-1")).contains(traceId);

		// the same executor ID: the restarted executor takes its interrupted workflow back at once
		ApplicationContextRunner restarted = runner(crashUrl, this.tracing.registry())
			.withPropertyValues("dbos.executor-id=traced-victim");
		restarted.run((context) -> {
			Dbos dbos = context.getBean(Dbos.class);
			assertThat(dbos.<String>retrieveWorkflow("traced-crash-1").getResult(Duration.ofSeconds(30)))
				.isEqualTo("first(crash)second(crash)");
			await().atMost(Duration.ofSeconds(10)).until(() -> !this.tracing.spans("workflow traced").isEmpty());

			MutableSpan workflow = this.tracing.span("workflow traced");
			assertThat(workflow.traceId()).isEqualTo(traceId);
			assertThat(workflow.parentId()).as("the start span of the killed process")
				.isNotNull()
				.isNotIn(this.tracing.spans().stream().map(MutableSpan::id).toList());
			assertThat(storedTraceContext(crashUrl, "traced-crash-1")).contains(workflow.parentId());
			// the first step was recorded before the kill: replayed, not run (no span)
			assertThat(this.tracing.spans("step first")).isEmpty();
			MutableSpan second = this.tracing.span("step second");
			assertThat(second.traceId()).isEqualTo(traceId);
			assertThat(second.parentId()).isEqualTo(workflow.id());
		});
	}

	@Test
	void withObservationsOffNoSpanIsMadeAndNoTraceContextStored() {
		runner(url, this.tracing.registry()).withPropertyValues("dbos.observation.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(ObservationWorkflowTracing.class);
			runTraced(context.getBean(Dbos.class), context.getBean(TracedWorkflowApp.TracedWorkflows.class), "off-1");
		});
		runner(url, ObservationRegistry.NOOP).run((context) -> runTraced(context.getBean(Dbos.class),
				context.getBean(TracedWorkflowApp.TracedWorkflows.class), "noop-1"));

		assertThat(this.tracing.spans()).extracting(MutableSpan::name).containsOnly("caller off-1", "caller noop-1");
		assertThat(storedTraceContext(url, "off-1")).isNull();
		assertThat(storedTraceContext(url, "noop-1")).isNull();
	}

	private void runTraced(Dbos dbos, TracedWorkflowApp.TracedWorkflows workflows, String workflowId) {
		this.tracing.inSpan("caller " + workflowId,
				() -> dbos.run(WorkflowOptions.withId(workflowId), () -> workflows.twoSteps("x")));
	}

	private List<MutableSpan> inTrace(String traceId) {
		return this.tracing.spans().stream().filter((span) -> traceId.equals(span.traceId())).toList();
	}

	private static MutableSpan named(List<MutableSpan> spans, String name) {
		List<MutableSpan> named = spans.stream().filter((span) -> name.equals(span.name())).toList();
		assertThat(named).as("spans named '%s' in %s", name, spans).hasSize(1);
		return named.get(0);
	}

	private static @Nullable String storedTraceContext(String databaseUrl, String workflowId) {
		List<String> stored = JdbcClient.create(TestDatabase.dataSource(databaseUrl))
			.sql("SELECT trace_context FROM dbos.workflow_status WHERE workflow_id = ?")
			.param(workflowId)
			.query(String.class)
			.list();
		assertThat(stored).as("workflow '%s'", workflowId).hasSize(1);
		return stored.get(0);
	}

}
