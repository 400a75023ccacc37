package io.github.dbosspring.workflow.support;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.core.MethodClassKey;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.AnnotationTransactionAttributeSource;
import org.springframework.transaction.interceptor.TransactionAttribute;
import org.springframework.transaction.interceptor.TransactionAttributeSource;
import org.springframework.transaction.support.ResourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Finds the {@code @Step} methods that are also {@code @Transactional} on the DataSource
 * that holds the DBOS tables: their checkpoint is written inside their own transaction, so
 * the step's writes and its checkpoint commit together (exactly once) or not at all.
 *
 * <p>Only {@code PROPAGATION_REQUIRED} (the default) on a transaction manager whose
 * resource is that DataSource qualifies, and only when the step starts the transaction (no
 * transaction is open on that DataSource yet); any other step is checkpointed after it
 * returns, as usual.
 *
 * @since 0.2.0
 */
public class TransactionalSteps {

	private static final Log logger = LogFactory.getLog(TransactionalSteps.class);

	private final BeanFactory beanFactory;

	private final DataSource dataSource;

	private final TransactionAttributeSource attributes = new AnnotationTransactionAttributeSource();

	private final Map<MethodClassKey, Optional<TransactionalStep>> cache = new ConcurrentHashMap<>();

	public TransactionalSteps(BeanFactory beanFactory, DataSource dataSource) {
		this.beanFactory = beanFactory;
		this.dataSource = dataSource;
	}

	/**
	 * The transaction of a step method, if its checkpoint can join it.
	 * @param method the step method
	 * @param targetClass the class of the bean
	 * @return the transaction to run it in, or {@code null}
	 */
	@Nullable TransactionalStep find(Method method, Class<?> targetClass) {
		if (org.springframework.transaction.support.TransactionSynchronizationManager.hasResource(this.dataSource)) {
			// the step joins a transaction that is already open (a transactional workflow): its
			// checkpoint cannot commit with it, since that transaction may still roll back after
			// the step returned; it is written on its own, as for any step
			return null;
		}
		return this.cache.computeIfAbsent(new MethodClassKey(method, targetClass),
				(key) -> Optional.ofNullable(resolve(method, targetClass)))
			.orElse(null);
	}

	private @Nullable TransactionalStep resolve(Method method, Class<?> targetClass) {
		TransactionAttribute attribute = this.attributes.getTransactionAttribute(method, targetClass);
		if (attribute == null) {
			return null;
		}
		if (attribute.getPropagationBehavior() != TransactionDefinition.PROPAGATION_REQUIRED) {
			logger.debug("Step " + method + " is transactional with a propagation other than REQUIRED: its "
					+ "checkpoint is written after its transaction");
			return null;
		}
		PlatformTransactionManager manager;
		try {
			String qualifier = attribute.getQualifier();
			manager = (qualifier != null && !qualifier.isEmpty() && this.beanFactory instanceof ListableBeanFactory)
					? BeanFactoryAnnotationUtils.qualifiedBeanOfType(this.beanFactory, PlatformTransactionManager.class,
							qualifier)
					: this.beanFactory.getBean(PlatformTransactionManager.class);
		}
		catch (RuntimeException ex) {
			logger.debug("No transaction manager found for step " + method, ex);
			return null;
		}
		if (!(manager instanceof ResourceTransactionManager resource)
				|| resource.getResourceFactory() != this.dataSource) {
			logger.debug("Step " + method + " is transactional on another resource than the DBOS system database: "
					+ "its checkpoint is written after its transaction");
			return null;
		}
		return new TransactionalStep(new TransactionTemplate(manager, attribute), attribute);
	}

	/**
	 * How to run one transactional step.
	 * @param template a template with the step's transaction definition
	 * @param attribute the step's transaction attribute (its rollback rules)
	 */
	record TransactionalStep(TransactionTemplate template, TransactionAttribute attribute) {
	}

}
