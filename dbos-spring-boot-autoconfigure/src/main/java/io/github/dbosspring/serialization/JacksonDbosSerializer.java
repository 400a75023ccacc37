package io.github.dbosspring.serialization;

import java.lang.reflect.Type;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;

/**
 * A {@link DbosSerializer} that writes JSON with the application's Jackson
 * {@link ObjectMapper}.
 *
 * @since 0.1.0
 */
public class JacksonDbosSerializer implements DbosSerializer {

	private final ObjectMapper mapper;

	public JacksonDbosSerializer(ObjectMapper mapper) {
		this.mapper = mapper;
	}

	@Override
	public String serialize(@Nullable Object value) {
		return this.mapper.writeValueAsString(value);
	}

	@Override
	public String serializeArguments(@Nullable Object[] values) {
		StringBuilder json = new StringBuilder(64).append('[');
		for (int i = 0; i < values.length; i++) {
			if (i > 0) {
				json.append(',');
			}
			try {
				json.append(this.mapper.writeValueAsString(values[i]));
			}
			catch (RuntimeException ex) {
				throw new ArgumentSerializationException(i, ex);
			}
		}
		return json.append(']').toString();
	}

	@Override
	public @Nullable Object deserialize(@Nullable String text, Type type) {
		if (text == null) {
			return null;
		}
		JavaType javaType = this.mapper.getTypeFactory().constructType(type);
		return this.mapper.readValue(text, javaType);
	}

	@Override
	public @Nullable Object[] deserializeArguments(@Nullable String text, Type[] types) {
		@Nullable Object[] values = new Object[types.length];
		if (text == null || types.length == 0) {
			return values;
		}
		JsonNode tree = this.mapper.readTree(text);
		if (!(tree instanceof ArrayNode array) || array.size() != types.length) {
			throw new IllegalArgumentException("Stored arguments " + abbreviate(text) + " do not match the "
					+ types.length + " parameters of the workflow method");
		}
		for (int i = 0; i < types.length; i++) {
			JavaType javaType = this.mapper.getTypeFactory().constructType(types[i]);
			values[i] = this.mapper.readerFor(javaType).readValue(array.get(i));
		}
		return values;
	}

	private static String abbreviate(String text) {
		return (text.length() <= 200) ? text : text.substring(0, 200) + "...";
	}

}
