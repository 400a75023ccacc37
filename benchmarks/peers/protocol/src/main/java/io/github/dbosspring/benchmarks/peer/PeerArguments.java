package io.github.dbosspring.benchmarks.peer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command line of a peer run: {@code --workload=<name> --jdbc-url=<url> [--key=value ...]}.
 * Every value read (given or defaulted) is remembered, so that the result lists the parameters the
 * run actually used.
 */
public final class PeerArguments {

	private final Map<String, String> given;

	private final Map<String, Object> used = new LinkedHashMap<>();

	private PeerArguments(Map<String, String> given) {
		this.given = given;
	}

	/**
	 * Parses {@code --key=value} arguments; a bare {@code --flag} means {@code true}.
	 * @param args the command line
	 * @return the arguments
	 */
	public static PeerArguments parse(String[] args) {
		Map<String, String> given = new LinkedHashMap<>();
		for (String arg : args) {
			if (!arg.startsWith("--")) {
				throw new IllegalArgumentException("Expected --key=value but got '" + arg + "'");
			}
			int equals = arg.indexOf('=');
			if (equals < 0) {
				given.put(arg.substring(2), "true");
			}
			else {
				given.put(arg.substring(2, equals), arg.substring(equals + 1));
			}
		}
		return new PeerArguments(given);
	}

	public String workload() {
		return required("workload");
	}

	public String jdbcUrl() {
		return required("jdbc-url");
	}

	public String string(String name, String defaultValue) {
		String value = this.given.getOrDefault(name, defaultValue);
		this.used.put(name, value);
		return value;
	}

	public int integer(String name, int defaultValue) {
		String value = this.given.get(name);
		int result = (value != null) ? Integer.parseInt(value.trim()) : defaultValue;
		this.used.put(name, result);
		return result;
	}

	public double decimal(String name, double defaultValue) {
		String value = this.given.get(name);
		double result = (value != null) ? Double.parseDouble(value.trim()) : defaultValue;
		this.used.put(name, result);
		return result;
	}

	public boolean flag(String name, boolean defaultValue) {
		String value = this.given.get(name);
		boolean result = (value != null) ? Boolean.parseBoolean(value.trim()) : defaultValue;
		this.used.put(name, result);
		return result;
	}

	public boolean has(String name) {
		return this.given.containsKey(name);
	}

	/**
	 * The parameters of the run for the result: every argument given and every default used,
	 * except the workload and the JDBC URL (which may carry a password).
	 * @return the parameters
	 */
	public Map<String, Object> params() {
		Map<String, Object> params = new LinkedHashMap<>();
		this.given.forEach((name, value) -> params.put(name, number(value)));
		params.putAll(this.used);
		params.remove("workload");
		params.remove("jdbc-url");
		return Collections.unmodifiableMap(params);
	}

	private String required(String name) {
		String value = this.given.get(name);
		if (value == null || value.isBlank()) {
			throw new IllegalArgumentException("Missing --" + name + "=...");
		}
		return value;
	}

	private static Object number(String value) {
		try {
			return Long.parseLong(value);
		}
		catch (NumberFormatException notLong) {
			try {
				return Double.parseDouble(value);
			}
			catch (NumberFormatException notNumber) {
				return value;
			}
		}
	}

}
