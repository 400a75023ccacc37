package io.github.dbosspring.benchmarks.peer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of the measured library, from the {@code /peer-library.properties} that each peer's build
 * filters from its pom (a shaded jar keeps no manifest of the library's own).
 */
public final class LibraryVersion {

	private LibraryVersion() {
	}

	/**
	 * Reads {@code version} from {@code /peer-library.properties}.
	 * @return the version
	 */
	public static String read() {
		try (InputStream in = LibraryVersion.class.getResourceAsStream("/peer-library.properties")) {
			if (in == null) {
				throw new IllegalStateException("peer-library.properties is missing from the peer's jar");
			}
			Properties properties = new Properties();
			properties.load(in);
			return properties.getProperty("version");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
