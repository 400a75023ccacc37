package io.github.dbosspring.workflow.support;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Runs every {@code @Workflow} call as a durable workflow.
 *
 * @since 0.1.0
 */
public class WorkflowInterceptor implements MethodInterceptor {

	private final ObjectProvider<WorkflowEngine> engine;

	public WorkflowInterceptor(ObjectProvider<WorkflowEngine> engine) {
		this.engine = engine;
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		WorkflowEngine engine = this.engine.getObject();
		Class<?> targetClass = (invocation.getThis() != null) ? AopUtils.getTargetClass(invocation.getThis())
				: invocation.getMethod().getDeclaringClass();
		WorkflowMethod workflow = engine.getRegistry().forInvocation(invocation.getMethod(), targetClass);
		return engine.invokeWorkflow(workflow, invocation);
	}

}
