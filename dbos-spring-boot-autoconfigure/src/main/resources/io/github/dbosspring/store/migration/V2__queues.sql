-- Durable queues: enqueue options, job attempts and dead letters, progress.
-- Runs with search_path set to the DBOS schema (dbos.schema); never edit once released.

ALTER TABLE workflow_status
    ADD COLUMN partition_key     text,
    -- not dequeued before this time (delay, scheduledFor, retry backoff)
    ADD COLUMN scheduled_for     timestamptz,
    -- job attempts: the current (or last) attempt and the most allowed; NULL for a workflow not run by a queue
    ADD COLUMN attempt           integer NOT NULL DEFAULT 0,
    ADD COLUMN max_attempts      integer,
    -- start-to-completion timeout, and the deadline it sets when a worker starts the job
    ADD COLUMN timeout_ms        bigint,
    ADD COLUMN deadline          timestamptz,
    -- when a worker last dequeued it (rate limits count these)
    ADD COLUMN started_at        timestamptz,
    ADD COLUMN progress          integer,
    ADD COLUMN progress_message  text;

-- the dequeue: the next ENQUEUED jobs of a queue, by priority then age
CREATE INDEX workflow_status_enqueued_idx ON workflow_status (queue_name, priority, created_at)
    WHERE status = 'ENQUEUED';
-- global concurrency: the running jobs of a queue (per partition)
CREATE INDEX workflow_status_queue_running_idx ON workflow_status (queue_name, partition_key)
    WHERE status = 'PENDING' AND queue_name IS NOT NULL;
-- rate limits: the jobs of a queue started in the last period
CREATE INDEX workflow_status_queue_started_idx ON workflow_status (queue_name, started_at)
    WHERE started_at IS NOT NULL;
-- a deduplication ID is taken while a job with it is waiting or running
CREATE UNIQUE INDEX workflow_status_deduplication_idx ON workflow_status (queue_name, deduplication_id)
    WHERE deduplication_id IS NOT NULL AND status IN ('ENQUEUED', 'PENDING');
-- dead letters, newest first
CREATE INDEX workflow_status_dead_letter_idx ON workflow_status (queue_name, updated_at DESC)
    WHERE status = 'DEAD_LETTER';

-- every failed attempt of a job, kept with its error (also after the job is dead-lettered)
CREATE TABLE workflow_attempts (
    workflow_id    text        NOT NULL,
    attempt        integer     NOT NULL,
    executor_id    text,
    error_class    text,
    error_message  text,
    started_at     timestamptz,
    failed_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (workflow_id, attempt)
);

-- partitions of partitioned queues take turns: the one started least recently goes first
CREATE TABLE queue_partitions (
    queue_name       text        NOT NULL,
    partition_key    text        NOT NULL,
    last_started_at  timestamptz NOT NULL,
    PRIMARY KEY (queue_name, partition_key)
);

-- streams written by workflows (values in order, then a closing row), read by anyone
CREATE TABLE workflow_streams (
    workflow_id  text        NOT NULL,
    key          text        NOT NULL,
    seq          integer     NOT NULL,
    value        text,
    closed       boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (workflow_id, key, seq)
);
