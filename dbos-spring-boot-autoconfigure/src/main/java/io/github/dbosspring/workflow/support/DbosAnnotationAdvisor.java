package io.github.dbosspring.workflow.support;

import java.lang.annotation.Annotation;

import org.aopalliance.aop.Advice;

import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.ComposablePointcut;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;

/**
 * Applies an interceptor to methods annotated with {@code @Workflow} or {@code @Step}
 * (including annotations inherited from interfaces and superclasses).
 *
 * <p>Ordering against {@code @Transactional}: the workflow advisor runs outside
 * (before) a transaction advisor of default order, so a workflow's status row is written
 * outside the business transaction; the step advisor's order is configurable
 * ({@code dbos.aop.step-order}).
 *
 * @since 0.1.0
 */
public class DbosAnnotationAdvisor extends AbstractPointcutAdvisor {

	private final Advice advice;

	private final Pointcut pointcut;

	public DbosAnnotationAdvisor(Class<? extends Annotation> annotation, Advice advice, int order) {
		this.advice = advice;
		this.pointcut = new ComposablePointcut(new AnnotationMatchingPointcut(null, annotation, true));
		setOrder(order);
	}

	@Override
	public Pointcut getPointcut() {
		return this.pointcut;
	}

	@Override
	public Advice getAdvice() {
		return this.advice;
	}

}
