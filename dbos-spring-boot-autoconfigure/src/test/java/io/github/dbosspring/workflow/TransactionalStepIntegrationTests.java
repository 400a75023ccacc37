package io.github.dbosspring.workflow;

import java.time.Duration;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.dbosspring.recovery.CrashTestApp;
import io.github.dbosspring.test.ChildJvm;
import io.github.dbosspring.test.TestDatabase;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Lazy;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Exactly-once transactional steps: a {@code @Step} that is {@code @Transactional} on the
 * DBOS system database writes its checkpoint in its own transaction, so the business write
 * and the checkpoint commit together or not at all.
 */
@SpringBootTest(classes = TestWorkflowApplication.class, properties = "dbos.recovery.interval=1h")
@Import({ TransactionalStepIntegrationTests.TransactionConfiguration.class,
		TransactionalStepIntegrationTests.Payments.class })
class TransactionalStepIntegrationTests {

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private Dbos dbos;

	@Autowired
	private Payments payments;

	@Autowired
	private JdbcClient jdbc;

	@BeforeEach
	void table() {
		this.jdbc.sql("CREATE TABLE IF NOT EXISTS payments (id bigserial PRIMARY KEY, workflow_id text, amount int)")
			.update();
	}

	@Test
	void businessWriteAndCheckpointCommitInOneTransaction() {
		String result = this.dbos.run(WorkflowOptions.withId("pay-1"), () -> this.payments.pay("pay-1", 42));

		assertThat(result).startsWith("paid ");
		// same transaction ID on the business row and on the step's checkpoint
		String paymentXmin = this.jdbc.sql("SELECT xmin::text FROM payments WHERE workflow_id = 'pay-1'")
			.query(String.class)
			.single();
		String checkpointXmin = this.jdbc.sql("SELECT xmin::text FROM dbos.step_outputs WHERE workflow_id = 'pay-1' "
				+ "AND step_id = 0").query(String.class).single();
		assertThat(checkpointXmin).isEqualTo(paymentXmin);
	}

	@Test
	void rolledBackStepLeavesNoBusinessWriteAndRecordsTheFailureOnce() {
		assertThatIllegalStateException()
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("pay-fail"), () -> this.payments.pay("pay-fail", -1)))
			.withMessageContaining("negative amount");

		assertThat(this.jdbc.sql("SELECT count(*) FROM payments WHERE workflow_id = 'pay-fail'").query(Long.class)
			.single()).isZero();
		assertThat(this.dbos.listSteps("pay-fail")).singleElement().satisfies((step) -> {
			assertThat(step.failed()).isTrue();
			assertThat(step.errorMessage()).contains("negative amount");
		});
		// the recorded failure is the outcome: running it again does not run the step again
		int calls = this.payments.calls();
		assertThatIllegalStateException()
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("pay-fail"), () -> this.payments.pay("pay-fail", -1)));
		assertThat(this.payments.calls()).isEqualTo(calls);
	}

	@Test
	@Timeout(180)
	void processHaltedBetweenCommitAndReturnCommittedTheStepExactlyOnce() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		DataSource dataSource = TestDatabase.dataSource(url);
		JdbcClient other = JdbcClient.create(dataSource);
		other.sql("CREATE TABLE tx_bookings (id bigserial PRIMARY KEY, workflow_id text NOT NULL, "
				+ "at timestamptz NOT NULL DEFAULT clock_timestamp())").update();
		String[] common = { "--spring.datasource.url=" + url, "--dbos.executor-id=booker", "--crash.mode=tx",
				"--spring.main.banner-mode=off", "--logging.level.root=WARN" };
		try (ChildJvm first = ChildJvm.start("tx-first", CrashTestApp.class,
				concat(common, "--crash.halt-after-commit=true"))) {
			assertThat(first.awaitOutput("HALTING after commit", Duration.ofSeconds(90))).as(first.output()).isTrue();
			assertThat(first.waitForExit(Duration.ofSeconds(30))).isTrue();
		}
		assertThat(other.sql("SELECT status FROM dbos.workflow_status WHERE workflow_id = 'booking-1'")
			.query(String.class).single()).isEqualTo("PENDING");
		try (ChildJvm second = ChildJvm.start("tx-second", CrashTestApp.class, common)) {
			assertThat(second.awaitOutput("BOOKED", Duration.ofSeconds(90))).as(second.output()).isTrue();
		}
		long bookings = other.sql("SELECT count(*) FROM tx_bookings").query(Long.class).single();
		System.out.println("transactional-step: bookings=" + bookings + " status="
				+ other.sql("SELECT status FROM dbos.workflow_status WHERE workflow_id = 'booking-1'")
					.query(String.class).single());
		assertThat(bookings).isEqualTo(1);
		assertThat(other.sql("SELECT status FROM dbos.workflow_status WHERE workflow_id = 'booking-1'")
			.query(String.class).single()).isEqualTo("SUCCESS");
	}

	private static String[] concat(String[] args, String extra) {
		String[] all = java.util.Arrays.copyOf(args, args.length + 1);
		all[args.length] = extra;
		return all;
	}

	@EnableTransactionManagement
	static class TransactionConfiguration {

		@Bean
		PlatformTransactionManager transactionManager(DataSource dataSource) {
			return new DataSourceTransactionManager(dataSource);
		}

	}

	@Component
	public static class Payments {

		private final JdbcClient jdbc;

		private final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

		@Autowired
		@Lazy
		private Payments self;

		public Payments(JdbcClient jdbc) {
			this.jdbc = jdbc;
		}

		public int calls() {
			return this.calls.get();
		}

		@Workflow(name = "pay")
		public String pay(String id, int amount) {
			return "paid " + this.self.record(id, amount);
		}

		@Step
		@Transactional
		public long record(String id, int amount) {
			this.calls.incrementAndGet();
			long payment = this.jdbc.sql("INSERT INTO payments (workflow_id, amount) VALUES (?, ?) RETURNING id")
				.params(id, amount)
				.query(Long.class)
				.single();
			if (amount < 0) {
				throw new IllegalStateException("negative amount " + amount);
			}
			return payment;
		}

	}

}
