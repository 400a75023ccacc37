package io.github.dbosspring.workflow.support;

import org.jspecify.annotations.Nullable;

/**
 * The code of a workflow or step, as the engine calls it.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface Invocation {

	@Nullable Object proceed() throws Throwable;

}
