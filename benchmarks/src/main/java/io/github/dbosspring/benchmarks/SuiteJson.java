package io.github.dbosspring.benchmarks;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes the {@code RESULT} line of the suite's protocol without a JSON library, so that
 * the line looks the same whatever the participant's class path holds.
 *
 * @since 0.2.0
 */
final class SuiteJson {

	private SuiteJson() {
	}

	static String result(String peer, String version, String workload, Map<String, ?> params,
			Map<String, Number> metrics, String notes) {
		return "{\"peer\": " + quote(peer) + ", \"version\": " + quote(version) + ", \"workload\": " + quote(workload)
				+ ", \"params\": " + object(params) + ", \"metrics\": " + object(metrics) + ", \"notes\": "
				+ quote(notes) + "}";
	}

	static String object(Map<String, ?> values) {
		return values.entrySet()
			.stream()
			.map((entry) -> quote(entry.getKey()) + ": " + value(entry.getValue()))
			.collect(Collectors.joining(", ", "{", "}"));
	}

	private static String value(Object value) {
		if (value instanceof Double || value instanceof Float) {
			double number = ((Number) value).doubleValue();
			return Double.isFinite(number) ? String.format(Locale.ROOT, "%.6g", number).replaceFirst("\\.?0+(e|$)", "$1")
					: "null";
		}
		if (value instanceof Number) {
			return value.toString();
		}
		String text = value.toString();
		// parameters arrive as text: numbers stay numbers
		return text.matches("-?\\d+(\\.\\d+)?") ? text : quote(text);
	}

	static String quote(String text) {
		StringBuilder quoted = new StringBuilder("\"");
		for (char c : text.toCharArray()) {
			switch (c) {
				case '"' -> quoted.append("\\\"");
				case '\\' -> quoted.append("\\\\");
				case '\n' -> quoted.append("\\n");
				case '\r' -> quoted.append("\\r");
				case '\t' -> quoted.append("\\t");
				default -> {
					if (c < 0x20) {
						quoted.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
					}
					else {
						quoted.append(c);
					}
				}
			}
		}
		return quoted.append('"').toString();
	}

}
