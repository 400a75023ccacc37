package io.github.dbosspring.sample;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.event.EventListener;

/**
 * The queue-worker sample: a worker service that defines a durable workflow and a queue,
 * and a web server that enqueues the workflow by name and shows each one's progress. Both
 * run in one process by default ({@code sample.role=all}); {@code sample.role=worker} and
 * {@code sample.role=web} split them into two processes on one database.
 *
 * <p>With no database configured it runs on an embedded PostgreSQL whose data lives in
 * {@code .dbos/postgres} under the working directory, so workflows interrupted by a crash
 * resume at the next start.
 *
 * @since 0.1.0
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SampleApplication {

	private static final Log logger = LogFactory.getLog(SampleApplication.class);

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

	@EventListener
	void ready(ApplicationReadyEvent event) {
		SampleProperties properties = event.getApplicationContext().getBean(SampleProperties.class);
		String parts = switch (properties.role()) {
			case ALL -> "web server and worker of '" + QueueWorker.QUEUE_NAME + "'";
			case WORKER -> "worker of '" + QueueWorker.QUEUE_NAME + "' (workflow '" + QueueWorker.WORKFLOW_NAME + "')";
			case WEB -> "web server (enqueues '" + QueueWorker.WORKFLOW_NAME + "' on '" + QueueWorker.QUEUE_NAME
					+ "' through DbosClient)";
		};
		logger.info("Sample role " + properties.role().name().toLowerCase() + ": " + parts);
	}

}
