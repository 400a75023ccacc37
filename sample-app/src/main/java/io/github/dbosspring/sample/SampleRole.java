package io.github.dbosspring.sample;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * What one process of the sample does, set with {@code sample.role}.
 *
 * @since 0.1.0
 */
public enum SampleRole {

	/**
	 * Everything in one process (the default, for the quickstart): the REST API and page,
	 * the workflow, and the worker that drains {@code workflow-queue}.
	 */
	ALL,

	/**
	 * The worker service: defines the {@code queueWorkflow} workflow and runs the worker
	 * that drains {@code workflow-queue}. No web server unless one is configured.
	 */
	WORKER,

	/**
	 * The web server: the REST API and page. It enqueues and inspects workflows by name
	 * through the {@link io.github.dbosspring.client.DbosClient} only; it has no workflow
	 * beans and runs no worker.
	 */
	WEB;

	/** The property that selects the role. */
	public static final String PROPERTY = "sample.role";

	/**
	 * The role configured in an environment.
	 * @param environment the environment
	 * @return the role, {@link #ALL} when none is set
	 */
	public static SampleRole of(Environment environment) {
		return Binder.get(environment).bind(PROPERTY, SampleRole.class).orElse(ALL);
	}

	/**
	 * Whether a process of this role has the parts of {@code part}: {@link #ALL} has all.
	 * @param part {@link #WORKER} or {@link #WEB}
	 * @return whether this role includes it
	 */
	public boolean includes(SampleRole part) {
		return this == ALL || this == part;
	}

}
