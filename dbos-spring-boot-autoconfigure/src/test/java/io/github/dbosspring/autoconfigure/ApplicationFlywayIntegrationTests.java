package io.github.dbosspring.autoconfigure;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.github.dbosspring.test.TestDatabase;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The DBOS migrations and an application's own Flyway migrations live side by side: each
 * has its own schema and history table, and neither sees the other's scripts.
 */
class ApplicationFlywayIntegrationTests {

	@Test
	void applicationFlywayAndDbosMigrationsKeepSeparateHistories() {
		String url = TestDatabase.newDatabaseUrl();
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, JacksonAutoConfiguration.class,
					FlywayAutoConfiguration.class, DbosDataSourceAutoConfiguration.class, DbosAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=" + url, "spring.flyway.locations=classpath:app-migrations",
					"dbos.recovery.interval=1h")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				JdbcClient jdbc = JdbcClient.create(context.getBean(DataSource.class));
				assertThat(jdbc.sql("SELECT script FROM public.flyway_schema_history WHERE success ORDER BY installed_rank")
					.query(String.class)
					.list()).containsExactly("V1__orders.sql");
				assertThat(jdbc.sql("SELECT script FROM dbos.dbos_schema_history WHERE success ORDER BY installed_rank")
					.query(String.class)
					.list()).containsExactly("V1__workflow_core.sql", "V2__queues.sql", "V3__trace_context.sql",
							"V4__fewer_index_writes.sql");
				assertThat(jdbc.sql("SELECT count(*) FROM public.orders").query(Integer.class).single()).isZero();
				assertThat(jdbc.sql("SELECT count(*) FROM dbos.workflow_status").query(Integer.class).single()).isZero();
			});
	}

}
