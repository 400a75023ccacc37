package io.github.dbosspring.workflow.support;

import java.lang.reflect.Method;
import java.lang.reflect.Type;

import org.jspecify.annotations.Nullable;

/**
 * A registered {@code @Workflow} method: what recovery needs to call it again.
 *
 * @param name the workflow name
 * @param beanName the bean that declares it, or {@code null} when found outside the
 * bean factory's post-processing (then looked up by type)
 * @param userClass the user class (never a proxy class)
 * @param method the method as declared on the user class
 * @param timeout the timeout declared by {@code @Workflow(timeout)}, or {@code null}
 * @since 0.1.0
 */
public record WorkflowMethod(String name, @Nullable String beanName, Class<?> userClass, Method method,
		java.time.@Nullable Duration timeout) {

	public Type[] parameterTypes() {
		return this.method.getGenericParameterTypes();
	}

	public Type returnType() {
		return this.method.getGenericReturnType();
	}

	/**
	 * A description for messages, such as {@code 'Orders.process' (OrderWorkflows#process)}.
	 * @return the description
	 */
	public String describe() {
		return "'" + this.name + "' (" + this.userClass.getName() + "#" + this.method.getName() + ")";
	}

}
