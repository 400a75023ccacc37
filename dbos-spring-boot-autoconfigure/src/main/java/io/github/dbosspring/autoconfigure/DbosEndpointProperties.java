package io.github.dbosspring.autoconfigure;

import java.util.LinkedHashSet;
import java.util.Set;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the {@code dbos} actuator endpoint, under {@code dbos.actuator}.
 *
 * @since 0.2.0
 */
@ConfigurationProperties("dbos.actuator")
public class DbosEndpointProperties {

	/**
	 * When to show workflow inputs, outputs, error messages and event values in the
	 * endpoint's responses: never, when-authorized or always.
	 */
	private Show showValues = Show.NEVER;

	/**
	 * Roles that are authorized to see values when show-values is when-authorized; empty
	 * for any authenticated user.
	 */
	private Set<String> roles = new LinkedHashSet<>();

	public Show getShowValues() {
		return this.showValues;
	}

	public void setShowValues(Show showValues) {
		this.showValues = showValues;
	}

	public Set<String> getRoles() {
		return this.roles;
	}

	public void setRoles(Set<String> roles) {
		this.roles = roles;
	}

}
