package io.github.dbosspring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine packages import nothing from Spring Boot, so that a Boot-free core module can
 * be split out by a move; only {@code autoconfigure} (and later {@code actuate}) may.
 */
class PackageDependencyTests {

	private static final Path SOURCES = Path.of("src/main/java/io/github/dbosspring");

	@Test
	void enginePackagesDoNotImportSpringBoot() throws IOException {
		try (Stream<Path> files = Files.walk(SOURCES)) {
			List<String> offenders = files.filter((file) -> file.toString().endsWith(".java"))
				.filter((file) -> !SOURCES.relativize(file).startsWith("autoconfigure"))
				.filter((file) -> !SOURCES.relativize(file).startsWith("actuate"))
				.filter(PackageDependencyTests::importsSpringBoot)
				.map((file) -> SOURCES.relativize(file).toString())
				.toList();
			assertThat(offenders).isEmpty();
		}
	}

	@Test
	void onlyTheStorePackageWritesSql() throws IOException {
		try (Stream<Path> files = Files.walk(SOURCES)) {
			List<String> offenders = files.filter((file) -> file.toString().endsWith(".java"))
				.filter((file) -> !SOURCES.relativize(file).startsWith("store"))
				.filter((file) -> read(file).contains("JdbcClient") || read(file).matches("(?s).*\"(INSERT|UPDATE|DELETE) .*"))
				.map((file) -> SOURCES.relativize(file).toString())
				.toList();
			assertThat(offenders).isEmpty();
		}
	}

	private static boolean importsSpringBoot(Path file) {
		return read(file).lines().anyMatch((line) -> line.startsWith("import org.springframework.boot."));
	}

	private static String read(Path file) {
		try {
			return Files.readString(file);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
