package io.github.dbosspring.workflow.support;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.github.dbosspring.workflow.Step;
import io.github.dbosspring.workflow.Workflow;

import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.SpringAsmInfo;
import org.springframework.asm.Type;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds {@code @Workflow} methods that call a {@code @Step} method of their own class
 * through {@code this}: such a call bypasses the proxy, so the step would run without a
 * checkpoint. Reads the class's bytecode; nothing is loaded or run.
 */
final class SelfInvocationDetector {

	private SelfInvocationDetector() {
	}

	/**
	 * @param type the user class
	 * @return one description per offending call, such as {@code process -> charge}
	 */
	static List<String> find(Class<?> type) {
		List<Method> workflows = new ArrayList<>();
		List<Method> steps = new ArrayList<>();
		ReflectionUtils.doWithMethods(type, (method) -> {
			if (AnnotatedElementUtils.hasAnnotation(method, Workflow.class)) {
				workflows.add(method);
			}
			else if (AnnotatedElementUtils.hasAnnotation(method, Step.class)) {
				steps.add(method);
			}
		}, WorkflowRegistry.USER_METHODS);
		if (workflows.isEmpty() || steps.isEmpty()) {
			return List.of();
		}
		String owner = Type.getInternalName(type);
		Set<String> workflowKeys = workflows.stream().map(SelfInvocationDetector::key).collect(Collectors.toSet());
		Map<String, Method> stepsByKey = steps.stream()
			.collect(Collectors.toMap(SelfInvocationDetector::key, Function.identity(), (a, b) -> a));
		List<String> found = new ArrayList<>();
		try (InputStream in = openClass(type)) {
			if (in == null) {
				return List.of();
			}
			new ClassReader(in).accept(new ClassVisitor(SpringAsmInfo.ASM_VERSION) {

				@Override
				public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
						String[] exceptions) {
					if (!workflowKeys.contains(name + descriptor)) {
						return null;
					}
					return new MethodVisitor(SpringAsmInfo.ASM_VERSION) {

						@Override
						public void visitMethodInsn(int opcode, String callOwner, String callName, String callDescriptor,
								boolean isInterface) {
							boolean onThisClass = callOwner.equals(owner)
									&& (opcode == Opcodes.INVOKEVIRTUAL || opcode == Opcodes.INVOKESPECIAL);
							if (onThisClass && stepsByKey.containsKey(callName + callDescriptor)) {
								found.add(name + " -> " + callName);
							}
						}

					};
				}

			}, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
		}
		catch (IOException | RuntimeException ex) {
			return List.of();
		}
		return found;
	}

	private static InputStream openClass(Class<?> type) {
		ClassLoader loader = (type.getClassLoader() != null) ? type.getClassLoader() : ClassLoader.getSystemClassLoader();
		return loader.getResourceAsStream(type.getName().replace('.', '/') + ".class");
	}

	private static String key(Method method) {
		return method.getName() + Type.getMethodDescriptor(method);
	}

}
