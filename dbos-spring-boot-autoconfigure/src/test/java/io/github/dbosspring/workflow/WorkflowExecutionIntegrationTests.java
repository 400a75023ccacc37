package io.github.dbosspring.workflow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.TestWorkflowApplication.Ledger;
import io.github.dbosspring.workflow.TestWorkflowApplication.Order;
import io.github.dbosspring.workflow.TestWorkflowApplication.OrderSteps;
import io.github.dbosspring.workflow.TestWorkflowApplication.OrderWorkflows;
import io.github.dbosspring.workflow.TestWorkflowApplication.PaymentDeclinedException;
import io.github.dbosspring.workflow.TestWorkflowApplication.Receipt;
import io.github.dbosspring.workflow.support.WorkflowEngine;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The execution guarantees of workflows and steps against a real PostgreSQL: checkpoints,
 * idempotent IDs, replay, errors, retries, serialization.
 */
@SpringBootTest(classes = TestWorkflowApplication.class)
class WorkflowExecutionIntegrationTests {

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private Dbos dbos;

	@Autowired
	private OrderWorkflows workflows;

	@Autowired
	private OrderSteps steps;

	@Autowired
	private Ledger ledger;

	@Autowired
	private WorkflowEngine engine;

	@Autowired
	private JdbcClient jdbc;

	@BeforeEach
	void reset() {
		this.ledger.reset();
	}

	@Test
	void workflowCheckpointsEveryStepInOrderAndRecordsItsResult() {
		Receipt receipt = this.dbos.run(WorkflowOptions.withId("order-1"),
				() -> this.workflows.process(new Order("o1", 2)));

		assertThat(receipt).isEqualTo(new Receipt("o1", List.of("paid-o1", "shipped-2")));
		assertThat(this.dbos.listSteps("order-1")).extracting(StepInfo::stepId, StepInfo::stepName)
			.containsExactly(org.assertj.core.groups.Tuple.tuple(0, "reserve"),
					org.assertj.core.groups.Tuple.tuple(1, "charge"), org.assertj.core.groups.Tuple.tuple(2, "ship"));
		assertThat(this.dbos.listSteps("order-1").get(1).output()).isEqualTo("\"paid-o1\"");
		WorkflowInfo info = this.dbos.getWorkflow("order-1").orElseThrow();
		assertThat(info.status()).isEqualTo(WorkflowStatus.SUCCESS);
		assertThat(info.workflowName()).isEqualTo("process-order");
		assertThat(info.executorId()).isEqualTo(this.engine.getExecutorId());
		assertThat(info.applicationVersion()).isEqualTo(this.engine.getApplicationVersion());
		assertThat(info.inputs()).isEqualTo("[{\"id\":\"o1\",\"quantity\":2}]");
		assertThat(info.completedAt()).isNotNull();
	}

	@Test
	void directCallOfWorkflowMethodRunsDurablyWithGeneratedId() {
		Receipt receipt = this.workflows.process(new Order("direct", 1));

		assertThat(receipt.orderId()).isEqualTo("direct");
		List<WorkflowInfo> runs = this.dbos.listWorkflows(WorkflowQuery.all().withName("process-order"));
		WorkflowInfo run = runs.stream().filter((w) -> w.inputs().contains("direct")).findFirst().orElseThrow();
		assertThat(run.workflowId()).hasSize(36);
		assertThat(this.dbos.listSteps(run.workflowId())).hasSize(3);
	}

	@Test
	void secondRunWithSameIdReturnsFirstResultWithoutRunningTheBodyAgain() {
		Receipt first = this.dbos.run(WorkflowOptions.withId("order-2"), () -> this.workflows.process(new Order("o2", 1)));
		Receipt second = this.dbos.run(WorkflowOptions.withId("order-2"),
				() -> this.workflows.process(new Order("o2", 1)));

		assertThat(second).isEqualTo(first);
		assertThat(this.ledger.count("process:o2")).isEqualTo(1);
		assertThat(this.ledger.count("charge:o2")).isEqualTo(1);
	}

	@Test
	void concurrentStartsWithSameIdExecuteTheWorkflowExactlyOnce() throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(8);
		try {
			List<Future<String>> results = new ArrayList<>();
			for (int i = 0; i < 8; i++) {
				Callable<String> call = () -> this.dbos.run(WorkflowOptions.withId("slow-1"),
						() -> this.workflows.slow("s1", 300));
				results.add(threads.submit(call));
			}
			Set<String> distinct = new java.util.HashSet<>();
			for (Future<String> result : results) {
				distinct.add(result.get(30, TimeUnit.SECONDS));
			}
			assertThat(distinct).containsExactly("slow-s1-slow-1");
			assertThat(this.ledger.count("slow:s1")).isEqualTo(1);
		}
		finally {
			threads.shutdownNow();
		}
	}

	@Test
	void backgroundStartReturnsHandleBeforeCompletion() throws Exception {
		WorkflowHandle<String> handle = this.dbos.start(WorkflowOptions.withId("bg-1"),
				() -> this.workflows.slow("bg", 200));

		assertThat(handle.getWorkflowId()).isEqualTo("bg-1");
		assertThat(handle.getStatus().status()).isEqualTo(WorkflowStatus.PENDING);
		assertThatExceptionOfType(TimeoutException.class).isThrownBy(() -> handle.getResult(Duration.ofMillis(10)));
		assertThat(handle.getResult(Duration.ofSeconds(30))).isEqualTo("slow-bg-bg-1");
		assertThat(handle.getStatus().status()).isEqualTo(WorkflowStatus.SUCCESS);
		assertThat(this.dbos.<String>retrieveWorkflow("bg-1").getResult()).isEqualTo("slow-bg-bg-1");
	}

	@Test
	void backgroundStartWithUsedIdDoesNotRunAgain() throws Exception {
		this.dbos.run(WorkflowOptions.withId("bg-2"), () -> this.workflows.slow("bg2", 1));
		WorkflowHandle<String> again = this.dbos.start(WorkflowOptions.withId("bg-2"),
				() -> this.workflows.slow("bg2", 1));

		assertThat(again.getResult()).isEqualTo("slow-bg2-bg-2");
		assertThat(this.ledger.count("slow:bg2")).isEqualTo(1);
	}

	@Test
	void primitiveResultsWorkInBackgroundAndInline() {
		assertThat(this.dbos.start(() -> this.workflows.primitive(21)).getResult()).isEqualTo(42);
		assertThat(this.workflows.primitive(4)).isEqualTo(8);
	}

	@Test
	void exceptionEndsWorkflowInErrorAndIsRethrownEverywhere() {
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("fails-1"), () -> this.workflows.fails("f1")))
			.withMessage("boom f1");

		WorkflowInfo info = this.dbos.getWorkflow("fails-1").orElseThrow();
		assertThat(info.status()).isEqualTo(WorkflowStatus.ERROR);
		assertThat(info.errorClass()).isEqualTo(IllegalStateException.class.getName());
		assertThat(info.errorMessage()).isEqualTo("boom f1");
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> this.dbos.retrieveWorkflow("fails-1").getResult())
			.withMessage("boom f1");
		// a second run with the same ID re-throws the recorded exception without running again
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("fails-1"), () -> this.workflows.fails("f1")))
			.withMessage("boom f1");
		assertThat(this.ledger.count("fails:f1")).isEqualTo(1);
		assertThat(this.ledger.count("charge:f1")).isEqualTo(1);
	}

	@Test
	void checkedExceptionIsRecordedAndRethrownAsDeclaredType() {
		assertThatExceptionOfType(PaymentDeclinedException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("declines-1"), () -> this.workflows.declines("d1")))
			.withMessage("declined d1");
		// the declared checked exception comes back from the record as the same type
		assertThatExceptionOfType(PaymentDeclinedException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("declines-1"), () -> this.workflows.declines("d1")))
			.withMessage("declined d1");
		// a handle's getResult() declares no checked exception: the original is named
		assertThatExceptionOfType(WorkflowFailedException.class)
			.isThrownBy(() -> this.dbos.retrieveWorkflow("declines-1").getResult())
			.satisfies((ex) -> assertThat(ex.getErrorClass()).isEqualTo(PaymentDeclinedException.class.getName()))
			.withMessageContaining("declined d1");
		assertThat(this.ledger.count("declines:d1")).isEqualTo(1);
	}

	@Test
	void stepIsRetriedWithExponentialBackoffUntilItSucceeds() {
		String result = this.dbos.run(WorkflowOptions.withId("retry-1"), () -> this.workflows.retrying("r1", 2));

		assertThat(result).isEqualTo("ok after 3");
		assertThat(this.ledger.count("flaky:r1")).isEqualTo(3);
		List<Long> times = this.ledger.attemptTimes();
		assertThat(times).hasSize(3);
		// interval 100ms, backoff 2: at least 100ms before the second attempt, 200ms before the third
		assertThat(Duration.ofNanos(times.get(1) - times.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(100));
		assertThat(Duration.ofNanos(times.get(2) - times.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(200));
		// one checkpoint for the step, holding the final outcome
		assertThat(this.dbos.listSteps("retry-1")).singleElement()
			.satisfies((step) -> assertThat(step.output()).isEqualTo("\"ok after 3\""));
	}

	@Test
	void stepThatExhaustsItsAttemptsRecordsTheLastFailure() {
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("retry-2"), () -> this.workflows.retrying("r2", 5)))
			.withMessage("flaky failure 3");
		assertThat(this.ledger.count("flaky:r2")).isEqualTo(3);
		StepInfo step = this.dbos.listSteps("retry-2").get(0);
		assertThat(step.failed()).isTrue();
		assertThat(step.errorClass()).isEqualTo(IllegalStateException.class.getName());
		assertThat(step.errorMessage()).isEqualTo("flaky failure 3");
	}

	@Test
	void nonRetryableExceptionIsNotRetried() {
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("retry-3"), () -> this.workflows.rejecting("x")));
		assertThat(this.ledger.count("rejects:x")).isEqualTo(1);
	}

	@Test
	void genericArgumentsAndResultsRoundTripThroughTheDatabase() {
		List<Order> orders = List.of(new Order("g1", 2), new Order("g2", 1));
		Map<String, List<Order>> live = this.dbos.run(WorkflowOptions.withId("generic-1"),
				() -> this.workflows.generic(orders, Optional.of("L")));
		Map<String, List<Order>> stored = this.dbos.<Map<String, List<Order>>>retrieveWorkflow("generic-1").getResult();

		assertThat(stored).isEqualTo(live);
		assertThat(stored.get("L:g1")).containsExactly(new Order("g1-0", 1), new Order("g1-1", 1));
		assertThat(stored.get("L:g1").get(0)).isInstanceOf(Order.class);

		assertThat(this.dbos.<Optional<Receipt>>retrieveWorkflow(
				this.dbos.start(() -> this.workflows.maybe("m1")).getWorkflowId())
			.getResult()).contains(new Receipt("m1", List.of()));
		assertThat(this.dbos.start(() -> this.workflows.maybe(null)).getResult()).isEmpty();
		assertThat(this.dbos.start(() -> this.workflows.nullable(null)).getResult()).isNull();
	}

	@Test
	void recordedStepOutputsAreReplayedWithTheirGenericTypes() {
		// the same workflow run again after its steps were recorded, as recovery does
		this.jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, executor_id, "
				+ "application_version) VALUES ('generic-replay', 'PENDING', 'OrderWorkflows.generic', ?, ?, ?)")
			.params("[[{\"id\":\"g9\",\"quantity\":2}],\"R\"]", this.engine.getExecutorId(),
					this.engine.getApplicationVersion())
			.update();
		this.jdbc.sql("INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name, output) "
				+ "VALUES ('generic-replay', 0, 'split', '[{\"id\":\"recorded\",\"quantity\":7}]')")
			.update();

		Map<String, List<Order>> result = this.dbos.run(WorkflowOptions.withId("generic-replay"),
				() -> this.workflows.generic(List.of(new Order("g9", 2)), Optional.of("R")));

		assertThat(result.get("R:g9")).containsExactly(new Order("recorded", 7));
		assertThat(this.ledger.count("split:g9")).isZero();
	}

	@Test
	void stepRecordedUnderAnotherNameIsNonDeterminismError() {
		this.jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, executor_id, "
				+ "application_version) VALUES ('nondet-1', 'PENDING', 'process-order', ?, ?, ?)")
			.params("[{\"id\":\"n1\",\"quantity\":1}]", this.engine.getExecutorId(), this.engine.getApplicationVersion())
			.update();
		this.jdbc.sql("INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name, output) "
				+ "VALUES ('nondet-1', 0, 'somethingElse', '\"x\"')")
			.update();

		assertThatExceptionOfType(NonDeterministicWorkflowException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("nondet-1"),
					() -> this.workflows.process(new Order("n1", 1))))
			.withMessageContaining("'reserve'")
			.withMessageContaining("'somethingElse'")
			.withMessageContaining("position 0");
		assertThat(this.ledger.count("reserve:n1")).isZero();
		assertThat(this.dbos.getWorkflow("nondet-1").orElseThrow().errorClass())
			.isEqualTo(NonDeterministicWorkflowException.class.getName());
	}

	@Test
	void childWorkflowIsRecordedAsStepOfItsParent() {
		String result = this.dbos.run(WorkflowOptions.withId("parent-1"), () -> this.workflows.parent("p1"));

		assertThat(result).isEqualTo("paid-p1-a+other");
		List<StepInfo> parentSteps = this.dbos.listSteps("parent-1");
		assertThat(parentSteps).extracting(StepInfo::stepName).containsExactly("ChildWorkflows.child", "otherStep");
		assertThat(parentSteps.get(0).childWorkflowId()).isEqualTo("parent-1-0");
		WorkflowInfo child = this.dbos.getWorkflow("parent-1-0").orElseThrow();
		assertThat(child.parentWorkflowId()).isEqualTo("parent-1");
		assertThat(child.status()).isEqualTo(WorkflowStatus.SUCCESS);
		assertThat(this.dbos.listSteps("parent-1-0")).extracting(StepInfo::stepName).containsExactly("charge");
	}

	@Test
	void recordedChildIsNotStartedAgainWhenParentIsReplayed() {
		this.jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, executor_id, "
				+ "application_version) VALUES ('parent-2', 'PENDING', 'OrderWorkflows.parent', '[\"p2\"]', ?, ?)")
			.params(this.engine.getExecutorId(), this.engine.getApplicationVersion())
			.update();
		this.jdbc.sql("INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name, output, child_workflow_id) "
				+ "VALUES ('parent-2', 0, 'ChildWorkflows.child', '\"recorded-child\"', 'parent-2-0')")
			.update();

		String result = this.dbos.run(WorkflowOptions.withId("parent-2"), () -> this.workflows.parent("p2"));

		assertThat(result).isEqualTo("recorded-child+other");
		assertThat(this.ledger.count("child:p2-a")).isZero();
		assertThat(this.dbos.getWorkflow("parent-2-0")).isEmpty();
	}

	@Test
	void unserializableArgumentFailsTheStartNamingWorkflowAndArgumentAndWritesNothing() {
		int before = this.dbos.listWorkflows(WorkflowQuery.all().withName("OrderWorkflows.echo")).size();

		assertThatExceptionOfType(DbosSerializationException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("unserializable-1"),
					() -> this.workflows.echo(new Unreadable())))
			.withMessageContaining("'OrderWorkflows.echo'")
			.withMessageContaining("argument #0 ('value', a " + Unreadable.class.getName() + ")")
			.withMessageContaining("cannot read me")
			.withMessageContaining("Nothing was recorded");
		assertThat(this.dbos.getWorkflow("unserializable-1")).isEmpty();
		assertThat(this.dbos.listWorkflows(WorkflowQuery.all().withName("OrderWorkflows.echo"))).hasSize(before);
	}

	@Test
	void oversizedArgumentIsRejectedBeforeAnythingIsWritten() {
		String big = "x".repeat(1024 * 1024 + 1);

		assertThatExceptionOfType(PayloadTooLargeException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("too-big-1"), () -> this.workflows.nullable(big)))
			.withMessageContaining("dbos.max-payload-size")
			.withMessageContaining("OrderWorkflows.nullable");
		assertThat(this.dbos.getWorkflow("too-big-1")).isEmpty();
	}

	@Test
	void hostileWorkflowIdsAreStoredAndReadBackUnchanged() {
		List<String> ids = List.of("it's", "a\"b", "x'); DROP TABLE dbos.workflow_status; --", "100%", "under_score",
				"back\\slash", "id\nwith\nnewlines", "\uD83D\uDE80 emoji \u00e9", "x".repeat(300), " padded ");
		for (String id : ids) {
			assertThat(this.dbos.run(WorkflowOptions.withId(id), () -> this.workflows.nullable(id))).isEqualTo(id);
			assertThat(this.dbos.getWorkflow(id)).hasValueSatisfying((info) -> {
				assertThat(info.workflowId()).isEqualTo(id);
				assertThat(info.status()).isEqualTo(WorkflowStatus.SUCCESS);
			});
			assertThat(this.dbos.<String>retrieveWorkflow(id).getResult()).isEqualTo(id);
		}
		// LIKE wildcards in an ID are data, not patterns
		assertThat(this.dbos.getWorkflow("100")).isEmpty();
		assertThat(this.dbos.getWorkflow("under%")).isEmpty();
	}

	@Test
	void workflowIdWithNulIsRejectedClearlyBeforeReachingTheDatabase() {
		assertThatIllegalArgumentException().isThrownBy(() -> WorkflowOptions.withId("nul\u0000id"))
			.withMessageContaining("must not contain the NUL character");
	}

	@Test
	void idUsedByAnotherWorkflowIsRejected() {
		this.dbos.run(WorkflowOptions.withId("taken-1"), () -> this.workflows.nullable("a"));

		assertThatExceptionOfType(DbosException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("taken-1"), () -> this.workflows.echo("b")))
			.withMessageContaining("already used by a workflow named 'OrderWorkflows.nullable'");
	}

	@Test
	void lambdaStepsAreCheckpointedWithTheirNamesAndRetries() {
		String result = this.dbos.run(WorkflowOptions.withId("lambda-1"), () -> this.workflows.lambdas("l1"));

		assertThat(result).isEqualTo("2:l1-b:Order:retried");
		assertThat(this.dbos.listSteps("lambda-1")).extracting(StepInfo::stepName)
			.containsExactly("make-order", "split-lambda", "flaky-lambda");
		assertThat(this.dbos.listSteps("lambda-1").get(0).outputType()).isEqualTo(Order.class.getName());
		assertThat(this.ledger.count("flaky-lambda:l1")).isEqualTo(2);
	}

	@Test
	void recordedLambdaStepsAreReplayedWithTheirTypesAndNotRunAgain() {
		this.jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, executor_id, "
				+ "application_version) VALUES ('lambda-replay', 'PENDING', 'OrderWorkflows.lambdas', '[\"r1\"]', ?, ?)")
			.params(this.engine.getExecutorId(), this.engine.getApplicationVersion())
			.update();
		this.jdbc.sql("INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name, output, output_type) VALUES "
				+ "('lambda-replay', 0, 'make-order', '{\"id\":\"rec\",\"quantity\":5}', ?), "
				+ "('lambda-replay', 1, 'split-lambda', '[{\"id\":\"p0\",\"quantity\":1},{\"id\":\"p1\",\"quantity\":1}]', "
				+ "'java.util.ImmutableCollections$List12')")
			.param(Order.class.getName())
			.update();

		String result = this.dbos.run(WorkflowOptions.withId("lambda-replay"), () -> this.workflows.lambdas("r1"));

		assertThat(result).isEqualTo("5:p1:Order:retried");
		assertThat(this.ledger.count("make-order:r1")).isZero();
		assertThat(this.ledger.count("split-lambda:r1")).isZero();
	}

	@Test
	void parallelStepsAreCheckpointedInCallOrderAndOneFailureKeepsTheOthers() {
		String result = this.dbos.run(WorkflowOptions.withId("par-1"), () -> this.workflows.parallel("p1"));

		assertThat(result).isEqualTo("A@par-1;!b failed;C@par-1;");
		List<StepInfo> steps = this.dbos.listSteps("par-1");
		assertThat(steps).extracting(StepInfo::stepId, StepInfo::stepName)
			.containsExactly(org.assertj.core.groups.Tuple.tuple(0, "par-a"),
					org.assertj.core.groups.Tuple.tuple(1, "par-b"), org.assertj.core.groups.Tuple.tuple(2, "par-c"));
		assertThat(steps.get(1).failed()).isTrue();
		assertThat(steps.get(1).errorMessage()).isEqualTo("b failed");
		assertThat(steps.get(2).output()).isEqualTo("\"C@par-1\"");
	}

	@Test
	void recoveryReplaysParallelStepsInTheSameOrderAndRunsOnlyTheMissingOnes() {
		this.jdbc.sql("INSERT INTO dbos.workflow_status (workflow_id, status, workflow_name, inputs, executor_id, "
				+ "application_version) VALUES ('par-replay', 'PENDING', 'OrderWorkflows.parallel', '[\"p2\"]', ?, ?)")
			.params(this.engine.getExecutorId(), this.engine.getApplicationVersion())
			.update();
		this.jdbc.sql("INSERT INTO dbos.step_outputs (workflow_id, step_id, step_name, output, output_type, error_class, "
				+ "error_message) VALUES ('par-replay', 0, 'par-a', '\"A-recorded\"', 'java.lang.String', null, null), "
				+ "('par-replay', 1, 'par-b', null, null, 'java.lang.IllegalStateException', 'b failed (recorded)')")
			.update();

		String result = this.dbos.run(WorkflowOptions.withId("par-replay"), () -> this.workflows.parallel("p2"));

		assertThat(result).isEqualTo("A-recorded;!b failed (recorded);C@par-replay;");
		assertThat(this.ledger.count("par-a:p2")).isZero();
		assertThat(this.ledger.count("par-b:p2")).isZero();
		assertThat(this.ledger.count("par-c:p2")).isEqualTo(1);
		assertThat(this.dbos.listSteps("par-replay")).extracting(StepInfo::stepName)
			.containsExactly("par-a", "par-b", "par-c");
	}

	@Test
	void lambdaStepOutsideWorkflowJustRuns() {
		assertThat(Dbos.runStep("plain", () -> "ran")).isEqualTo("ran");
	}

	@Test
	void stepCalledOutsideWorkflowJustRuns() {
		assertThat(this.steps.charge(new Order("plain", 1))).isEqualTo("paid-plain");
		assertThat(this.ledger.count("charge:plain")).isEqualTo(1);
		assertThat(Dbos.workflowId()).isNull();
	}

	@Test
	void callThatReachesNoWorkflowIsAClearError() {
		assertThatThrownBy(() -> this.dbos.start(() -> "not a workflow")).isInstanceOf(DbosException.class)
			.hasMessageContaining("did not reach a @Workflow method");
	}

	@Test
	void unknownWorkflowIdIsAClearError() {
		assertThatExceptionOfType(WorkflowNotFoundException.class)
			.isThrownBy(() -> this.dbos.retrieveWorkflow("no-such-workflow"))
			.withMessageContaining("no-such-workflow");
	}

	@Test
	void listWorkflowsFiltersByNameStatusAndTimeAndPages() {
		java.time.Instant start = this.jdbc.sql("SELECT clock_timestamp()").query(java.time.OffsetDateTime.class)
			.single()
			.toInstant();
		for (int i = 0; i < 3; i++) {
			int n = i;
			this.dbos.run(WorkflowOptions.withId("list-ok-" + i), () -> this.workflows.primitive(n));
		}
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("list-err"), () -> this.workflows.fails("l")));

		WorkflowQuery recent = WorkflowQuery.all().createdBetween(start, null);
		assertThat(this.dbos.listWorkflows(recent.withName("OrderWorkflows.primitive")))
			.extracting(WorkflowInfo::workflowId)
			.containsExactly("list-ok-2", "list-ok-1", "list-ok-0");
		assertThat(this.dbos.listWorkflows(recent.withName("OrderWorkflows.primitive").orderOldestFirst().limit(2)))
			.extracting(WorkflowInfo::workflowId)
			.containsExactly("list-ok-0", "list-ok-1");
		assertThat(this.dbos.listWorkflows(recent.withName("OrderWorkflows.primitive").limit(2).offset(2)))
			.extracting(WorkflowInfo::workflowId)
			.containsExactly("list-ok-0");
		assertThat(this.dbos.listWorkflows(recent.withStatus(WorkflowStatus.ERROR))).extracting(WorkflowInfo::workflowId)
			.contains("list-err")
			.doesNotContain("list-ok-0");
		assertThat(this.dbos.listWorkflows(recent.createdBetween(null, start))).extracting(WorkflowInfo::workflowId)
			.doesNotContain("list-ok-0", "list-err");
	}

	public static class Unreadable {

		public String getValue() {
			throw new IllegalStateException("cannot read me");
		}

	}

}
