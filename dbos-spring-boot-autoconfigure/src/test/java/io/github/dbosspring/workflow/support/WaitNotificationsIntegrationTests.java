package io.github.dbosspring.workflow.support;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.github.dbosspring.store.DbosSchema;
import io.github.dbosspring.test.TestDatabase;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A waiter for an event or message is woken by the notification another connection sends
 * with the write (the hash of workflow ID and key), not only by its polling fallback.
 */
class WaitNotificationsIntegrationTests {

	@Test
	void waiterIsSignalledByTheNotificationOfItsKeyOnly() throws Exception {
		DataSource dataSource = TestDatabase.dataSource(TestDatabase.newDatabaseUrl());
		String channel = new DbosSchema("dbos").waitChannel();
		WaitNotifications notifications = new WaitNotifications(dataSource, channel);
		try (WaitNotifications.Waiter waiter = notifications.register("wf-1", "progress");
				WaitNotifications.Waiter other = notifications.register("wf-1", "other")) {
			long deadline = System.nanoTime() + 30_000_000_000L;
			while (!notifications.isListening() && System.nanoTime() < deadline) {
				Thread.sleep(5);
			}
			Thread.sleep(100);
			JdbcClient jdbc = JdbcClient.create(dataSource);
			jdbc.sql("SELECT pg_notify(?, md5('wf-1' || chr(1) || 'progress'))").param(channel).query((rs) -> {
			});

			assertThat(waiter.await(30_000)).as("woken by its notification").isTrue();
			assertThat(other.await(200)).as("another key's waiter stays asleep").isFalse();
		}
		finally {
			notifications.stop();
		}
	}

	@Test
	void stoppedListenerReturnsItsConnectionToThePoolNotListening() throws Exception {
		try (com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource()) {
			pool.setJdbcUrl(TestDatabase.newDatabaseUrl());
			pool.setMaximumPoolSize(1);
			String channel = new DbosSchema("dbos").waitChannel();
			WaitNotifications notifications = new WaitNotifications(pool, channel);
			notifications.register("wf-2", "key").close();
			long deadline = System.nanoTime() + 30_000_000_000L;
			while (!notifications.isListening() && System.nanoTime() < deadline) {
				Thread.sleep(5);
			}
			assertThat(notifications.isListening()).isTrue();
			notifications.stop();

			// the pool's only connection is the one the listener used
			assertThat(JdbcClient.create(pool).sql("SELECT count(*) FROM pg_listening_channels()")
				.query(Long.class)
				.single()).isZero();
		}
	}

	@Test
	void hashMatchesPostgresMd5() {
		DataSource dataSource = TestDatabase.dataSource(TestDatabase.newDatabaseUrl());
		String expected = JdbcClient.create(dataSource)
			.sql("SELECT md5('wörk-1' || chr(1) || 'tøpic 🎉')")
			.query(String.class)
			.single();
		assertThat(WaitNotifications.hash("wörk-1", "tøpic 🎉")).isEqualTo(expected);
	}

}
