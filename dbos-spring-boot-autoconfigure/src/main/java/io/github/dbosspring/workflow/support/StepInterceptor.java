package io.github.dbosspring.workflow.support;

import java.lang.reflect.Method;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.util.ClassUtils;

/**
 * Checkpoints every {@code @Step} call made inside a workflow; outside a workflow the
 * method simply runs.
 *
 * @since 0.1.0
 */
public class StepInterceptor implements MethodInterceptor {

	private final ObjectProvider<WorkflowEngine> engine;

	public StepInterceptor(ObjectProvider<WorkflowEngine> engine) {
		this.engine = engine;
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		if (WorkflowExecutionContext.current() == null) {
			return invocation.proceed();
		}
		WorkflowEngine engine = this.engine.getObject();
		Class<?> targetClass = (invocation.getThis() != null) ? AopUtils.getTargetClass(invocation.getThis())
				: invocation.getMethod().getDeclaringClass();
		Method method = ClassUtils.getMostSpecificMethod(invocation.getMethod(), ClassUtils.getUserClass(targetClass));
		StepAttributes attributes = engine.getRegistry().stepAttributes(method);
		return engine.runStep(attributes, method.getGenericReturnType(), method.getExceptionTypes(),
				invocation::proceed, method, targetClass);
	}

}
