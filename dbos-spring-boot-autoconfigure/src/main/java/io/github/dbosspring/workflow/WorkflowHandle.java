package io.github.dbosspring.workflow;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * A reference to a workflow that may still be running, here or in another process.
 *
 * <pre class="code">
 * WorkflowHandle&lt;Receipt&gt; handle = dbos.start(() -&gt; orders.process(order));
 * Receipt receipt = handle.getResult(Duration.ofSeconds(30));
 * </pre>
 *
 * @param <T> the workflow's result type
 * @since 0.1.0
 */
public interface WorkflowHandle<T> {

	/**
	 * The workflow's ID.
	 * @return the workflow ID
	 */
	String getWorkflowId();

	/**
	 * Waits for the workflow to complete and returns its result, or re-throws its
	 * exception.
	 * @return the workflow's result
	 * @throws WorkflowCancelledException if the workflow was cancelled
	 */
	T getResult();

	/**
	 * Waits at most {@code timeout} for the workflow to complete.
	 * @param timeout the longest time to wait
	 * @return the workflow's result
	 * @throws TimeoutException if the workflow did not complete in time (it keeps running)
	 */
	T getResult(Duration timeout) throws TimeoutException;

	/**
	 * The workflow's current stored state.
	 * @return the workflow's state
	 */
	WorkflowInfo getStatus();

}
