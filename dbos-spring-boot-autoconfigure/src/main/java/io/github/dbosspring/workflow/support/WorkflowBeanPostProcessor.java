package io.github.dbosspring.workflow.support;

import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Registers the {@code @Workflow} and {@code @Step} methods of every bean, failing at
 * startup on annotated methods a proxy cannot intercept.
 *
 * @since 0.1.0
 */
public class WorkflowBeanPostProcessor implements BeanPostProcessor {

	private final WorkflowRegistry registry;

	public WorkflowBeanPostProcessor(WorkflowRegistry registry) {
		this.registry = registry;
	}

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		this.registry.registerBean(beanName, bean.getClass());
		return bean;
	}

}
