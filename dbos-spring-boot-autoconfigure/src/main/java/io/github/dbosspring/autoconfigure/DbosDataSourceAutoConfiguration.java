package io.github.dbosspring.autoconfigure;

import java.nio.file.Path;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import io.github.dbosspring.embedded.PersistentEmbeddedPostgres;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Provides the application's {@link DataSource} when none is configured: from
 * {@code dbos.datasource.*} when its URL is set, otherwise from an embedded PostgreSQL
 * whose data survives restarts ({@code dbos.embedded.*}). Runs before Boot's DataSource
 * auto-configuration and backs off as soon as {@code spring.datasource.url} is set or a
 * {@code DataSource} bean exists.
 *
 * @since 0.1.0
 */
@AutoConfiguration(beforeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnBooleanProperty(name = "dbos.enabled", matchIfMissing = true)
@ConditionalOnMissingBean(DataSource.class)
@Conditional(DbosDataSourceAutoConfiguration.NoApplicationDatabaseCondition.class)
@EnableConfigurationProperties(DbosProperties.class)
public final class DbosDataSourceAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "dbos.datasource.url")
	static class SystemDataSourceConfiguration {

		@Bean
		HikariDataSource dataSource(DbosProperties properties) {
			DbosProperties.Datasource datasource = properties.getDatasource();
			return DbosSystemDatabase.createPool(datasource.getUrl(), datasource.getUsername(),
					datasource.getPassword(), datasource.getMaximumPoolSize());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.zonky.test.db.postgres.embedded.EmbeddedPostgres")
	@ConditionalOnBooleanProperty(name = "dbos.embedded.enabled", matchIfMissing = true)
	@Conditional(NoSystemDatabaseUrlCondition.class)
	static class EmbeddedPostgresConfiguration {

		@Bean(destroyMethod = "close")
		PersistentEmbeddedPostgres dbosEmbeddedPostgres(DbosProperties properties) {
			return PersistentEmbeddedPostgres.start(Path.of(properties.getEmbedded().getDataDir()),
					properties.getEmbedded().getPort());
		}

		@Bean
		HikariDataSource dataSource(PersistentEmbeddedPostgres postgres) {
			HikariDataSource pool = new HikariDataSource();
			pool.setPoolName("dbos-embedded");
			pool.setJdbcUrl(postgres.getJdbcUrl());
			pool.setUsername("postgres");
			pool.setMaximumPoolSize(20);
			return pool;
		}

	}

	/**
	 * Matches when {@code spring.datasource.url} is not set.
	 */
	static class NoApplicationDatabaseCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			String url = context.getEnvironment().getProperty("spring.datasource.url");
			if (url != null && !url.isBlank()) {
				return ConditionOutcome.noMatch("spring.datasource.url is set");
			}
			return ConditionOutcome.match("spring.datasource.url is not set");
		}

	}

	/**
	 * Matches when {@code dbos.datasource.url} is not set.
	 */
	static class NoSystemDatabaseUrlCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			String url = context.getEnvironment().getProperty("dbos.datasource.url");
			if (url != null && !url.isBlank()) {
				return ConditionOutcome.noMatch("dbos.datasource.url is set");
			}
			return ConditionOutcome.match("dbos.datasource.url is not set");
		}

	}

}
