package io.github.dbosspring.workflow.support;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;

import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * The workflows this application defines, by name and by method, and the checks that
 * annotated methods can be intercepted at all. Filled while beans are created.
 *
 * @since 0.1.0
 */
public class WorkflowRegistry {

	/** The methods of a user class that may carry the annotations. */
	static final ReflectionUtils.MethodFilter USER_METHODS = (method) -> !method.isBridge() && !method.isSynthetic()
			&& method.getDeclaringClass() != Object.class;

	private static final List<Class<? extends Annotation>> ANNOTATIONS = List.of(Workflow.class, Step.class);

	private static final Log logger = LogFactory.getLog(WorkflowRegistry.class);

	private final Set<Class<?>> selfInvocationChecked = ConcurrentHashMap.newKeySet();

	private final Map<String, WorkflowMethod> byName = new ConcurrentHashMap<>();

	private final Map<Method, WorkflowMethod> byMethod = new ConcurrentHashMap<>();

	private final Map<Method, StepAttributes> steps = new ConcurrentHashMap<>();

	private volatile @Nullable String codeVersion;

	/**
	 * Registers the workflow and step methods of a bean's class, failing on methods a
	 * proxy cannot intercept.
	 * @param beanName the bean name
	 * @param beanClass the bean's class (a proxy class is resolved to its user class)
	 */
	public void registerBean(@Nullable String beanName, Class<?> beanClass) {
		Class<?> userClass = ClassUtils.getUserClass(beanClass);
		if (!AnnotationUtils.isCandidateClass(userClass, ANNOTATIONS)) {
			return;
		}
		ReflectionUtils.doWithMethods(userClass, (method) -> {
			boolean workflow = AnnotatedElementUtils.hasAnnotation(method, Workflow.class);
			boolean step = AnnotatedElementUtils.hasAnnotation(method, Step.class);
			if (!workflow && !step) {
				return;
			}
			checkInterceptable(method, workflow ? "@Workflow" : "@Step");
			if (workflow && step) {
				throw new BeanInitializationException(describe(method)
						+ " is annotated with both @Workflow and @Step; choose one");
			}
			if (workflow) {
				register(beanName, userClass, method);
			}
			else {
				stepAttributes(method);
			}
		}, USER_METHODS);
		if (!this.selfInvocationChecked.add(userClass)
				|| SelfInvocationEnhancer.SelfInvocationEnhanced.class.isAssignableFrom(beanClass)) {
			return;
		}
		for (String call : SelfInvocationDetector.find(userClass)) {
			logger.warn("Workflow method " + userClass.getName() + " calls its own @Step method through 'this' ("
					+ call + ") and the bean could not be instantiated as an enhanced subclass (it is defined by a "
					+ "@Bean method, or dbos.self-invocation.enabled is false): the call bypasses the Spring proxy, so "
					+ "that step runs without a checkpoint and runs again on recovery. Declare the bean as a component, "
					+ "move the step to another bean, or run it as a lambda step with Dbos.runStep(...).");
		}
	}

	private void checkInterceptable(Method method, String annotation) {
		int modifiers = method.getModifiers();
		String problem = Modifier.isStatic(modifiers) ? "static" : Modifier.isPrivate(modifiers) ? "private"
				: Modifier.isFinal(modifiers) ? "final" : !Modifier.isPublic(modifiers) ? "not public" : null;
		if (problem != null) {
			throw new BeanInitializationException(annotation + " method " + describe(method) + " is " + problem
					+ ": a Spring proxy cannot intercept it, so it would silently run without checkpoints. "
					+ "Make it a public, non-final instance method.");
		}
	}

	private WorkflowMethod register(@Nullable String beanName, Class<?> userClass, Method method) {
		Workflow annotation = AnnotatedElementUtils.findMergedAnnotation(method, Workflow.class);
		String name = (annotation != null && !annotation.name().isEmpty()) ? annotation.name()
				: userClass.getSimpleName() + "." + method.getName();
		java.time.Duration timeout = null;
		if (annotation != null && !annotation.timeout().isBlank()) {
			try {
				timeout = StepAttributes.parseDuration(annotation.timeout(), "@Workflow(timeout) of " + describe(method));
			}
			catch (IllegalArgumentException ex) {
				throw new BeanInitializationException(ex.getMessage(), ex);
			}
			if (timeout.isZero() || timeout.isNegative()) {
				throw new BeanInitializationException("@Workflow(timeout) of " + describe(method)
						+ " must be positive, was " + annotation.timeout());
			}
		}
		WorkflowMethod candidate = new WorkflowMethod(name, beanName, userClass, method, timeout);
		WorkflowMethod existing = this.byName.putIfAbsent(name, candidate);
		if (existing != null && !(existing.method().equals(method) && sameBean(existing, candidate))) {
			throw new BeanInitializationException("Two workflows are named '" + name + "': " + existing.describe()
					+ " in bean '" + existing.beanName() + "' and " + candidate.describe() + " in bean '" + beanName
					+ "'. Give one of them a distinct @Workflow(name = ...).");
		}
		WorkflowMethod registered = (existing != null) ? existing : candidate;
		this.byMethod.put(method, registered);
		this.codeVersion = null;
		return registered;
	}

	private static boolean sameBean(WorkflowMethod a, WorkflowMethod b) {
		return a.beanName() == null || b.beanName() == null || a.beanName().equals(b.beanName());
	}

	/**
	 * The workflow a proxied call belongs to.
	 * @param method the invoked method
	 * @param targetClass the class of the proxied object
	 * @return the workflow method
	 */
	public WorkflowMethod forInvocation(Method method, Class<?> targetClass) {
		Method specific = ClassUtils.getMostSpecificMethod(method, ClassUtils.getUserClass(targetClass));
		WorkflowMethod registered = this.byMethod.get(specific);
		if (registered != null) {
			return registered;
		}
		// a bean created outside normal post-processing (e.g. registered as a singleton)
		checkInterceptable(specific, "@Workflow");
		return register(null, ClassUtils.getUserClass(targetClass), specific);
	}

	public Optional<WorkflowMethod> find(String workflowName) {
		return Optional.ofNullable(this.byName.get(workflowName));
	}

	public List<WorkflowMethod> all() {
		return new ArrayList<>(new TreeMap<>(this.byName).values());
	}

	/**
	 * The settings of a {@code @Step} method, cached per method.
	 * @param method the method as declared on the user class
	 * @return the step settings
	 */
	public StepAttributes stepAttributes(Method method) {
		return this.steps.computeIfAbsent(method, (key) -> {
			Step step = AnnotatedElementUtils.findMergedAnnotation(key, Step.class);
			if (step == null) {
				throw new IllegalStateException("No @Step on " + describe(key));
			}
			return StepAttributes.from(step, key);
		});
	}

	/**
	 * A hash of the workflow code: the names of all workflows and the bytecode of the
	 * classes that declare them. The default application version, so that recovery never
	 * replays a workflow with code that changed under it.
	 * @return a hex digest
	 */
	public String codeVersion() {
		String version = this.codeVersion;
		if (version == null) {
			version = computeCodeVersion();
			this.codeVersion = version;
		}
		return version;
	}

	private String computeCodeVersion() {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			Map<String, Class<?>> classes = new TreeMap<>();
			for (WorkflowMethod workflow : all()) {
				digest.update(workflow.name().getBytes(StandardCharsets.UTF_8));
				classes.put(workflow.userClass().getName(), workflow.userClass());
			}
			for (Class<?> type : classes.values()) {
				String resource = type.getName().replace('.', '/') + ".class";
				ClassLoader loader = (type.getClassLoader() != null) ? type.getClassLoader()
						: ClassLoader.getSystemClassLoader();
				try (InputStream in = loader.getResourceAsStream(resource)) {
					if (in != null) {
						digest.update(in.readAllBytes());
					}
				}
			}
			return HexFormat.of().formatHex(digest.digest(), 0, 16);
		}
		catch (NoSuchAlgorithmException | IOException ex) {
			throw new IllegalStateException("Could not compute the application version", ex);
		}
	}

	private static String describe(Method method) {
		return method.getDeclaringClass().getName() + "#" + method.getName();
	}

}
