package io.github.dbosspring.serialization;

import java.lang.reflect.Type;

import org.jspecify.annotations.Nullable;

/**
 * Converts workflow arguments, results and step outputs to and from the text stored in
 * the DBOS tables. Values are read back with the declared (generic) types of the method
 * they belong to, so {@code List<Order>} or {@code Optional<Receipt>} round-trip.
 *
 * @since 0.1.0
 */
public interface DbosSerializer {

	/**
	 * Serializes one value.
	 * @param value the value, possibly {@code null}
	 * @return its stored form
	 * @throws RuntimeException if the value cannot be serialized
	 */
	String serialize(@Nullable Object value);

	/**
	 * Serializes method arguments as one array.
	 * @param values the arguments
	 * @return their stored form
	 * @throws ArgumentSerializationException naming the first argument that failed
	 */
	String serializeArguments(@Nullable Object[] values);

	/**
	 * Reads one value.
	 * @param text the stored form, possibly {@code null}
	 * @param type the declared type to read it as
	 * @return the value
	 */
	@Nullable Object deserialize(@Nullable String text, Type type);

	/**
	 * Reads method arguments.
	 * @param text the stored form of the arguments
	 * @param types the method's declared parameter types
	 * @return the arguments
	 */
	@Nullable Object[] deserializeArguments(@Nullable String text, Type[] types);

	/**
	 * Thrown when one argument of several cannot be serialized.
	 */
	class ArgumentSerializationException extends RuntimeException {

		private final int index;

		public ArgumentSerializationException(int index, Throwable cause) {
			super(cause.getMessage(), cause);
			this.index = index;
		}

		/**
		 * The position of the argument that failed, from 0.
		 * @return the argument index
		 */
		public int getIndex() {
			return this.index;
		}

	}

}
