package io.github.dbosspring.queue;

import java.util.concurrent.Callable;

import io.github.dbosspring.workflow.VoidWorkflowCall;
import io.github.dbosspring.workflow.WorkflowCall;

/**
 * One workflow call of a batch enqueue.
 *
 * @param options the queue and options
 * @param call the call of a {@code @Workflow} method on its bean
 * @since 0.2.0
 */
public record EnqueueRequest(EnqueueOptions options, Callable<?> call) {

	public static EnqueueRequest of(EnqueueOptions options, WorkflowCall<?, ?> call) {
		return new EnqueueRequest(options, call::call);
	}

	public static EnqueueRequest of(EnqueueOptions options, VoidWorkflowCall<?> call) {
		return new EnqueueRequest(options, () -> {
			call.call();
			return null;
		});
	}

}
