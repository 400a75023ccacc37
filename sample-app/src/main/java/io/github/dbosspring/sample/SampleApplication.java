package io.github.dbosspring.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The queue-worker sample application. With no database configured it runs on an
 * embedded PostgreSQL whose data lives in {@code .dbos/postgres} under the working
 * directory, so workflows interrupted by a crash resume at the next start.
 *
 * @since 0.1.0
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
