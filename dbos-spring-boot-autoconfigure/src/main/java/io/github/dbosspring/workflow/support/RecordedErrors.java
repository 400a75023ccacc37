package io.github.dbosspring.workflow.support;

import java.lang.reflect.Constructor;

import org.jspecify.annotations.Nullable;

import io.github.dbosspring.workflow.WorkflowFailedException;

import org.springframework.util.ClassUtils;

/**
 * Re-creates recorded exceptions: the original type with the original message where the
 * type has a public message constructor (or a no-argument one) and may be thrown from the
 * calling method, otherwise a {@link WorkflowFailedException} naming the original.
 */
public final class RecordedErrors {

	private RecordedErrors() {
	}

	public static Throwable rebuild(String workflowId, String errorClass, @Nullable String message,
			Class<?>[] declaredExceptions) {
		try {
			Class<?> type = ClassUtils.forName(errorClass, RecordedErrors.class.getClassLoader());
			if (Throwable.class.isAssignableFrom(type) && throwable(type, declaredExceptions)) {
				Throwable rebuilt = instantiate(type, message);
				if (rebuilt != null) {
					return rebuilt;
				}
			}
		}
		catch (ClassNotFoundException | LinkageError ex) {
			// fall through: the class is gone, keep its name
		}
		return new WorkflowFailedException(workflowId, errorClass, message);
	}

	private static boolean throwable(Class<?> type, Class<?>[] declaredExceptions) {
		if (RuntimeException.class.isAssignableFrom(type) || Error.class.isAssignableFrom(type)) {
			return true;
		}
		for (Class<?> declared : declaredExceptions) {
			if (declared.isAssignableFrom(type)) {
				return true;
			}
		}
		return false;
	}

	private static @Nullable Throwable instantiate(Class<?> type, @Nullable String message) {
		try {
			Constructor<?> withMessage = type.getConstructor(String.class);
			return (Throwable) withMessage.newInstance(message);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			// try the no-argument constructor
		}
		if (message == null) {
			try {
				return (Throwable) type.getConstructor().newInstance();
			}
			catch (ReflectiveOperationException | RuntimeException ex) {
				// give up
			}
		}
		return null;
	}

}
