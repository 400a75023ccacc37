package io.github.dbosspring.sample;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Registers a bean only in processes whose {@code sample.role} includes the given part:
 * {@code @ConditionalOnSampleRole(WORKER)} matches the roles {@code worker} and
 * {@code all}.
 *
 * @since 0.1.0
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Conditional(ConditionalOnSampleRole.OnSampleRoleCondition.class)
public @interface ConditionalOnSampleRole {

	/**
	 * The part of the sample the bean belongs to.
	 * @return {@link SampleRole#WORKER} or {@link SampleRole#WEB}
	 */
	SampleRole value();

	/**
	 * Matches when the configured role includes the annotation's part.
	 */
	class OnSampleRoleCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			Object value = metadata.getAnnotationAttributes(ConditionalOnSampleRole.class.getName()).get("value");
			SampleRole part = (SampleRole) value;
			SampleRole role = SampleRole.of(context.getEnvironment());
			String message = SampleRole.PROPERTY + "=" + role.name().toLowerCase() + " ("
					+ (role.includes(part) ? "includes " : "does not include ") + part.name().toLowerCase() + ")";
			return role.includes(part) ? ConditionOutcome.match(message) : ConditionOutcome.noMatch(message);
		}

	}

}
