package io.github.dbosspring.workflow;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;
import io.github.dbosspring.workflow.support.WorkflowEngine;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Streams: a workflow appends values and closes the stream; readers see each value while
 * the workflow still runs, and the stream ends at its close (or when the workflow ends).
 */
@SpringBootTest(classes = TestWorkflowApplication.class, properties = "dbos.recovery.interval=1h")
@Import(StreamIntegrationTests.Writers.class)
class StreamIntegrationTests {

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private Dbos dbos;

	@Autowired
	private Writers writers;

	@Test
	void readerSeesValuesAsTheyArriveAndEndsAtTheClose() throws Exception {
		WorkflowHandle<String> handle = this.dbos.start(WorkflowOptions.withId("stream-1"),
				() -> this.writers.write("stream-1", 5, true));

		Iterator<String> values = this.dbos.readStream("stream-1", "tokens", String.class).iterator();
		assertThat(values.next()).isEqualTo("token-0");
		assertThat(handle.getStatus().status()).as("first value read while the workflow runs")
			.isEqualTo(WorkflowStatus.PENDING);
		List<String> rest = new java.util.ArrayList<>();
		values.forEachRemaining(rest::add);
		assertThat(rest).containsExactly("token-1", "token-2", "token-3", "token-4");
		assertThat(handle.getResult(Duration.ofSeconds(30))).isEqualTo("wrote 5");
		assertThat(this.dbos.listSteps("stream-1")).extracting(StepInfo::stepName)
			.filteredOn((name) -> name.startsWith("DBOS."))
			.containsExactly(WorkflowEngine.WRITE_STREAM_STEP, WorkflowEngine.WRITE_STREAM_STEP,
					WorkflowEngine.WRITE_STREAM_STEP, WorkflowEngine.WRITE_STREAM_STEP, WorkflowEngine.WRITE_STREAM_STEP,
					WorkflowEngine.CLOSE_STREAM_STEP);
		// read again from the start, after the fact
		assertThat(this.dbos.readStream("stream-1", "tokens", String.class).toList()).hasSize(5);
	}

	@Test
	void streamOfAWorkflowThatEndsWithoutClosingItEnds() throws Exception {
		this.dbos.run(WorkflowOptions.withId("stream-open"), () -> this.writers.write("stream-open", 2, false));

		assertThat(this.dbos.readStream("stream-open", "tokens", String.class).toList())
			.containsExactly("token-0", "token-1");
		assertThat(this.dbos.readStream("no-such-workflow", "tokens", String.class).toList()).isEmpty();
	}

	@Test
	void writingOutsideAWorkflowIsAClearError() {
		assertThatIllegalStateException().isThrownBy(() -> Dbos.writeStream("tokens", "x"))
			.withMessageContaining("workflow");
	}

	@Component
	public static class Writers {

		@Autowired
		@Lazy
		private Writers self;

		@Workflow(name = "writer")
		public String write(String id, int count, boolean close) throws InterruptedException {
			for (int i = 0; i < count; i++) {
				Dbos.writeStream("tokens", this.self.produce(i));
			}
			if (close) {
				Dbos.closeStream("tokens");
			}
			return "wrote " + count;
		}

		@Step
		public String produce(int i) throws InterruptedException {
			Thread.sleep(150);
			return "token-" + i;
		}

	}

}
