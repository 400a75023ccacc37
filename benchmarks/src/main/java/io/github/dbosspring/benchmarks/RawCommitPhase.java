package io.github.dbosspring.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The raw limit: a one-row {@code INSERT} per transaction on one plain JDBC connection in
 * autocommit mode, with the statement prepared once. Each operation is one round trip
 * and one commit, which with {@code synchronous_commit = on} waits for one WAL flush.
 *
 * @since 0.1.0
 */
final class RawCommitPhase implements Phase {

	private static final String CREATE_TABLE = "CREATE TABLE raw_commit (id bigint PRIMARY KEY, note text NOT NULL)";

	private static final String INSERT = "INSERT INTO raw_commit (id, note) VALUES (?, ?)";

	private final String url;

	private long lastId;

	private @Nullable Connection connection;

	private @Nullable PreparedStatement insert;

	RawCommitPhase(String url) {
		this.url = url;
	}

	void createTable() throws SQLException {
		try (Connection connection = BenchmarkDatabase.connect(this.url);
				Statement statement = connection.createStatement()) {
			statement.execute(CREATE_TABLE);
		}
	}

	@Override
	public String key() {
		return "raw";
	}

	@Override
	public String description() {
		return "raw INSERT + commit, 1 connection";
	}

	@Override
	public int steps() {
		return 0;
	}

	@Override
	public void open() throws SQLException {
		Connection connection = BenchmarkDatabase.connect(this.url);
		connection.setAutoCommit(true);
		this.connection = connection;
		this.insert = connection.prepareStatement(INSERT);
	}

	@Override
	public void runOnce() throws SQLException {
		PreparedStatement insert = Objects.requireNonNull(this.insert, "open() was not called");
		insert.setLong(1, ++this.lastId);
		insert.setString(2, "x");
		if (insert.executeUpdate() != 1) {
			throw new IllegalStateException("The raw INSERT wrote no row");
		}
	}

	@Override
	public void close() throws SQLException {
		try {
			if (this.insert != null) {
				this.insert.close();
			}
		}
		finally {
			if (this.connection != null) {
				this.connection.close();
			}
			this.insert = null;
			this.connection = null;
		}
	}

}
