package io.github.dbosspring.autoconfigure;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The database that holds the DBOS tables: the application's {@link DataSource}, or a
 * pool of its own when {@code dbos.datasource.url} names a separate system database.
 * Not a {@code DataSource} bean itself, so Boot's own DataSource auto-configuration is
 * unaffected.
 *
 * @since 0.1.0
 */
public final class DbosSystemDatabase implements DisposableBean {

	/** Pool name of DataSources created by DBOS. */
	static final String POOL_NAME = "dbos-system";

	private final DataSource dataSource;

	private final boolean owned;

	private final DataSource independent;

	private DbosSystemDatabase(DataSource dataSource, boolean owned) {
		this.dataSource = dataSource;
		this.owned = owned;
		// a distinct DataSource object: Spring's transaction synchronization is keyed by
		// DataSource, so DBOS statements never join a caller's @Transactional connection and
		// a business rollback can never erase a checkpoint
		this.independent = new DelegatingDataSource(dataSource);
	}

	/**
	 * Uses a DataSource managed elsewhere (not closed by DBOS).
	 * @param dataSource the DataSource
	 * @return the system database
	 */
	public static DbosSystemDatabase shared(DataSource dataSource) {
		return new DbosSystemDatabase(dataSource, false);
	}

	static DbosSystemDatabase owned(HikariDataSource dataSource) {
		return new DbosSystemDatabase(dataSource, true);
	}

	static HikariDataSource createPool(String url, String username, String password, int maximumPoolSize) {
		HikariDataSource pool = new HikariDataSource();
		pool.setPoolName(POOL_NAME);
		pool.setJdbcUrl(url);
		if (username != null) {
			pool.setUsername(username);
		}
		if (password != null) {
			pool.setPassword(password);
		}
		pool.setMaximumPoolSize(maximumPoolSize);
		return pool;
	}

	/**
	 * The DataSource for DBOS statements: connections from the system database's pool that
	 * never take part in the caller's Spring-managed transaction.
	 * @return the DataSource for DBOS statements
	 */
	public DataSource getDataSource() {
		return this.independent;
	}

	/**
	 * The DataSource as the application sees it: statements on it join the caller's
	 * Spring-managed transaction, if there is one. Only enqueues use it (the
	 * transactional outbox: a job enqueued in a business transaction exists only if that
	 * transaction commits).
	 * @return the DataSource that joins the caller's transaction
	 */
	public DataSource getCallerDataSource() {
		return this.dataSource;
	}

	@Override
	public void destroy() {
		if (this.owned && this.dataSource instanceof HikariDataSource pool) {
			pool.close();
		}
	}

}
