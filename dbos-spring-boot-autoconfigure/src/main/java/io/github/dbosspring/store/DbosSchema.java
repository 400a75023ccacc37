package io.github.dbosspring.store;

import java.util.regex.Pattern;

/**
 * The validated name of the schema that holds the DBOS tables. Repositories splice it into
 * their SQL, so only plain lower-case identifiers are accepted.
 *
 * @param name the schema name
 * @since 0.1.0
 */
public record DbosSchema(String name) {

	private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

	public DbosSchema {
		if (name == null || !IDENTIFIER.matcher(name).matches()) {
			throw new IllegalArgumentException("Invalid DBOS schema name '" + name
					+ "': use a lower-case PostgreSQL identifier (letters, digits, underscore; at most 63 characters)");
		}
	}

	/**
	 * Replaces each {@code %s} in the given SQL with the schema name.
	 * @param sql SQL text with {@code %s} where the schema goes
	 * @return the SQL for this schema
	 */
	String qualify(String sql) {
		return sql.replace("%s", this.name);
	}

	/**
	 * The notification channel on which enqueues and freed queue capacity are announced.
	 * @return the channel name (a PostgreSQL identifier)
	 */
	public String waitChannel() {
		String channel = "dbos_wait_" + this.name;
		return (channel.length() <= 63) ? channel : "dbos_wait_" + Integer.toHexString(this.name.hashCode());
	}

	/**
	 * The notification channel on which enqueues and freed queue capacity are announced.
	 * @return the channel name (a PostgreSQL identifier)
	 */
	public String queueChannel() {
		String channel = "dbos_queue_" + this.name;
		return (channel.length() <= 63) ? channel : "dbos_queue_" + Integer.toHexString(this.name.hashCode());
	}

}
