package io.github.dbosspring.workflow;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Beans that are both {@code @Transactional} and declare {@code @Workflow}/{@code @Step}
 * methods: the workflow advice runs outside the transaction advice, and checkpoints are
 * never part of the business transaction (a rollback cannot erase them).
 */
@SpringBootTest(classes = TestWorkflowApplication.class, properties = "dbos.recovery.interval=1h")
@Import({ TransactionalWorkflowIntegrationTests.TransactionConfiguration.class,
		TransactionalWorkflowIntegrationTests.Accounts.class, TransactionalWorkflowIntegrationTests.Transfers.class,
		TransactionalWorkflowIntegrationTests.SelfCallingTransfers.class })
class TransactionalWorkflowIntegrationTests {

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		TestDatabase.useNewDatabase(registry);
	}

	@Autowired
	private Dbos dbos;

	@Autowired
	private Transfers transfers;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private SelfCallingTransfers selfCalling;

	@BeforeEach
	void table() {
		this.jdbc.sql("CREATE TABLE IF NOT EXISTS transfers (id text PRIMARY KEY, amount int)").update();
	}

	@Test
	void transactionalWorkflowCommitsItsWritesAndCheckpointsItsSteps() {
		String result = this.dbos.run(WorkflowOptions.withId("tx-ok"), () -> this.transfers.transfer("tx-ok", 10, false));

		assertThat(result).isEqualTo("debited 10 in tx");
		assertThat(rows("tx-ok")).isEqualTo(1);
		assertThat(this.dbos.getWorkflow("tx-ok").orElseThrow().status()).isEqualTo(WorkflowStatus.SUCCESS);
		assertThat(this.dbos.listSteps("tx-ok")).extracting(StepInfo::stepName).containsExactly("debit");
	}

	@Test
	void rollbackOfTheBusinessTransactionKeepsTheCheckpointsAndRecordsTheError() {
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> this.dbos.run(WorkflowOptions.withId("tx-fail"),
					() -> this.transfers.transfer("tx-fail", 20, true)))
			.withMessage("insufficient funds");

		assertThat(rows("tx-fail")).as("business write rolled back").isZero();
		WorkflowInfo info = this.dbos.getWorkflow("tx-fail").orElseThrow();
		assertThat(info.status()).isEqualTo(WorkflowStatus.ERROR);
		assertThat(info.errorMessage()).isEqualTo("insufficient funds");
		assertThat(this.dbos.listSteps("tx-fail")).as("checkpoint survives the rollback")
			.extracting(StepInfo::stepName)
			.containsExactly("debit");
	}

	@Test
	void transactionalBeanThatCallsItsOwnStepGetsThatStepCheckpointedAndKeepsItsTransaction() {
		String result = this.dbos.run(WorkflowOptions.withId("tx-self"), () -> this.selfCalling.transfer("tx-self", 5));

		assertThat(result).isEqualTo("audited 5 in tx");
		assertThat(rows("tx-self")).isEqualTo(1);
		assertThat(this.dbos.listSteps("tx-self")).extracting(StepInfo::stepName).containsExactly("audit");
		assertThat(this.dbos.getWorkflow("tx-self").orElseThrow().status()).isEqualTo(WorkflowStatus.SUCCESS);
	}

	private int rows(String id) {
		return this.jdbc.sql("SELECT count(*) FROM transfers WHERE id = ?").param(id).query(Integer.class).single();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableTransactionManagement
	static class TransactionConfiguration {

		@Bean
		PlatformTransactionManager transactionManager(DataSource dataSource) {
			return new DataSourceTransactionManager(dataSource);
		}

	}

	@Component
	@Transactional
	public static class Transfers {

		private final Accounts accounts;

		private final JdbcClient jdbc;

		public Transfers(Accounts accounts, JdbcClient jdbc) {
			this.accounts = accounts;
			this.jdbc = jdbc;
		}

		@Workflow
		public String transfer(String id, int amount, boolean fail) {
			this.jdbc.sql("INSERT INTO transfers VALUES (?, ?)").params(id, amount).update();
			String debited = this.accounts.debit(amount);
			if (fail) {
				throw new IllegalStateException("insufficient funds");
			}
			return debited;
		}

	}

	@Component
	public static class Accounts {

		@Step
		@Transactional
		public String debit(int amount) {
			return "debited " + amount + (TransactionSynchronizationManager.isActualTransactionActive() ? " in tx" : "");
		}

	}

	@Component
	@Transactional
	public static class SelfCallingTransfers {

		private final JdbcClient jdbc;

		public SelfCallingTransfers(JdbcClient jdbc) {
			this.jdbc = jdbc;
		}

		@Workflow
		public String transfer(String id, int amount) {
			this.jdbc.sql("INSERT INTO transfers VALUES (?, ?)").params(id, amount).update();
			return audit(amount);
		}

		@Step
		public String audit(int amount) {
			// a self-call: runs in the workflow's transaction (no advice of its own), checkpointed by DBOS
			return "audited " + amount + (TransactionSynchronizationManager.isActualTransactionActive() ? " in tx" : "");
		}

	}

}
