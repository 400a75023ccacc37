package io.github.dbosspring.workflow;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Filters for listing workflows. Immutable; start from {@link #all()}.
 *
 * <pre class="code">
 * dbos.listWorkflows(WorkflowQuery.all().withName("Orders.process").withStatus(WorkflowStatus.ERROR).limit(20));
 * </pre>
 *
 * @param workflowName only workflows of this name
 * @param statuses only workflows in one of these states (empty: any)
 * @param queueName only workflows enqueued on this queue
 * @param createdAfter only workflows created at or after this instant
 * @param createdBefore only workflows created before this instant
 * @param limit the maximum number of rows
 * @param offset rows to skip, for paging
 * @param newestFirst whether to sort by creation time descending
 * @since 0.1.0
 */
public record WorkflowQuery(@Nullable String workflowName, Set<WorkflowStatus> statuses, @Nullable String queueName,
		@Nullable Instant createdAfter, @Nullable Instant createdBefore, int limit, int offset, boolean newestFirst) {

	/** The default page size. */
	public static final int DEFAULT_LIMIT = 100;

	public WorkflowQuery {
		statuses = statuses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(statuses));
		if (limit < 1) {
			throw new IllegalArgumentException("limit must be at least 1, was " + limit);
		}
		if (offset < 0) {
			throw new IllegalArgumentException("offset must not be negative, was " + offset);
		}
	}

	/**
	 * All workflows, newest first, {@value #DEFAULT_LIMIT} at most.
	 * @return a query without filters
	 */
	public static WorkflowQuery all() {
		return new WorkflowQuery(null, Set.of(), null, null, null, DEFAULT_LIMIT, 0, true);
	}

	public WorkflowQuery withName(@Nullable String name) {
		return new WorkflowQuery(name, this.statuses, this.queueName, this.createdAfter, this.createdBefore,
				this.limit, this.offset, this.newestFirst);
	}

	public WorkflowQuery withStatus(WorkflowStatus... statuses) {
		return new WorkflowQuery(this.workflowName, Set.of(statuses), this.queueName, this.createdAfter,
				this.createdBefore, this.limit, this.offset, this.newestFirst);
	}

	public WorkflowQuery withQueue(@Nullable String queueName) {
		return new WorkflowQuery(this.workflowName, this.statuses, queueName, this.createdAfter, this.createdBefore,
				this.limit, this.offset, this.newestFirst);
	}

	public WorkflowQuery createdBetween(@Nullable Instant after, @Nullable Instant before) {
		return new WorkflowQuery(this.workflowName, this.statuses, this.queueName, after, before, this.limit,
				this.offset, this.newestFirst);
	}

	public WorkflowQuery limit(int limit) {
		return new WorkflowQuery(this.workflowName, this.statuses, this.queueName, this.createdAfter,
				this.createdBefore, limit, this.offset, this.newestFirst);
	}

	public WorkflowQuery offset(int offset) {
		return new WorkflowQuery(this.workflowName, this.statuses, this.queueName, this.createdAfter,
				this.createdBefore, this.limit, offset, this.newestFirst);
	}

	public WorkflowQuery orderOldestFirst() {
		return new WorkflowQuery(this.workflowName, this.statuses, this.queueName, this.createdAfter,
				this.createdBefore, this.limit, this.offset, false);
	}

	public WorkflowQuery orderNewestFirst() {
		return new WorkflowQuery(this.workflowName, this.statuses, this.queueName, this.createdAfter,
				this.createdBefore, this.limit, this.offset, true);
	}

}
