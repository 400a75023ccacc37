package io.github.dbosspring.sample;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Defaults that follow from {@code sample.role}, so that one property is enough on the
 * command line; any of them can still be overridden:
 * <ul>
 * <li>{@code web}: {@code dbos.worker.enabled=false}, so the web server never dequeues a
 * job (it does not define the workflow);</li>
 * <li>{@code worker}: {@code spring.main.web-application-type=none}, so the worker opens
 * no HTTP port next to the web server's, and {@code spring.main.keep-alive=true}, so the
 * JVM keeps running without one (the DBOS threads are daemon threads).</li>
 * </ul>
 * Registered in {@code META-INF/spring.factories}.
 *
 * @since 0.1.0
 */
public class SampleRoleDefaults implements EnvironmentPostProcessor, Ordered {

	/** The name of the property source these defaults are added as (lowest precedence). */
	public static final String PROPERTY_SOURCE_NAME = "sampleRoleDefaults";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		Map<String, Object> defaults = switch (SampleRole.of(environment)) {
			case WEB -> Map.of("dbos.worker.enabled", "false");
			case WORKER -> Map.of("spring.main.web-application-type", "none", "spring.main.keep-alive", "true");
			case ALL -> Map.of();
		};
		if (!defaults.isEmpty()) {
			environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, defaults));
		}
	}

	@Override
	public int getOrder() {
		// after application.yml and the command line are loaded
		return Ordered.LOWEST_PRECEDENCE;
	}

}
