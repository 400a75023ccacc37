package io.github.dbosspring.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.RepeatedTest;

import io.github.dbosspring.test.TestDatabase;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Processes that start together on an empty database all migrate successfully and each
 * migration is recorded once (here: five migrators with their own pools, released at the
 * same moment).
 */
class ConcurrentMigrationIntegrationTests {

	private static final int MIGRATORS = 5;

	@RepeatedTest(5)
	void migratorsStartingTogetherAllSucceedAndRecordEachMigrationOnce() throws Exception {
		String url = TestDatabase.newDatabaseUrl();
		List<HikariDataSource> pools = new ArrayList<>();
		ExecutorService threads = Executors.newFixedThreadPool(MIGRATORS);
		try {
			CountDownLatch go = new CountDownLatch(1);
			List<Future<?>> results = new ArrayList<>();
			for (int i = 0; i < MIGRATORS; i++) {
				HikariDataSource pool = new HikariDataSource();
				pool.setJdbcUrl(url);
				pool.setMaximumPoolSize(2);
				pools.add(pool);
				DbosSchemaMigrator migrator = new DbosSchemaMigrator(pool, new DbosSchema("dbos"));
				results.add(threads.submit(() -> {
					go.await();
					migrator.migrate();
					return null;
				}));
			}
			go.countDown();
			for (Future<?> result : results) {
				result.get(60, TimeUnit.SECONDS);
			}
			JdbcClient jdbc = JdbcClient.create(pools.get(0));
			assertThat(jdbc.sql("SELECT script FROM dbos.dbos_schema_history WHERE success").query(String.class).list())
				.containsExactlyInAnyOrder("V1__workflow_core.sql", "V2__queues.sql",
						"V3__trace_context.sql", "V4__fewer_index_writes.sql");
			assertThat(jdbc.sql("SELECT count(*) FROM dbos.workflow_status").query(Integer.class).single()).isZero();
		}
		finally {
			threads.shutdownNow();
			pools.forEach(HikariDataSource::close);
		}
	}

}
