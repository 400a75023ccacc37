-- Fewer index entries per job. A status change rewrites the row outside HOT (status is in index
-- keys and predicates), so every index whose predicate the new row version matches gets a new
-- entry: a one-step job's claim and outcome wrote 12 of them. The indexes below are only entered
-- by the rows that need them: 7 entries per job.
-- Runs with search_path set to the DBOS schema (dbos.schema); never edit once released.

-- rate limits count the jobs of a queue started in the last period: only jobs of rate-limited
-- queues get this time (started_at stays set on every started job, unindexed)
ALTER TABLE workflow_status ADD COLUMN rate_limited_start timestamptz;
-- starts before this migration keep counting for a period of up to an hour
UPDATE workflow_status SET rate_limited_start = started_at
    WHERE queue_name IS NOT NULL AND started_at > clock_timestamp() - interval '1 hour';
CREATE INDEX workflow_status_rate_limited_idx ON workflow_status (queue_name, rate_limited_start)
    WHERE rate_limited_start IS NOT NULL;
DROP INDEX workflow_status_queue_started_idx;

-- the running workflows: queue-wide concurrency counts them by queue (and partition), recovery
-- lists them by executor (a scan of the live work only); an ownership check is a primary key probe
CREATE INDEX workflow_status_running_idx ON workflow_status (queue_name, partition_key, executor_id)
    WHERE status = 'PENDING';
DROP INDEX workflow_status_pending_idx;
DROP INDEX workflow_status_queue_running_idx;

-- listing by status: only the rare outcomes have an index of their own; waiting and running work
-- is listed through the indexes above, finished work (mostly SUCCESS) by creation time
CREATE INDEX workflow_status_failed_created_idx ON workflow_status (status, created_at DESC)
    WHERE status IN ('ERROR', 'CANCELLED', 'DEAD_LETTER', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED');
DROP INDEX workflow_status_status_created_idx;
