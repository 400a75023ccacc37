-- DBOS system tables: workflow status, step checkpoints and executor heartbeats.
-- Runs with search_path set to the DBOS schema (dbos.schema); never edit once released.

CREATE TABLE workflow_status (
    workflow_id          text        PRIMARY KEY,
    status               text        NOT NULL,
    workflow_name        text        NOT NULL,
    class_name           text,
    bean_name            text,
    inputs               text,
    output               text,
    error_class          text,
    error_message        text,
    executor_id          text,
    application_version  text,
    recovery_attempts    integer     NOT NULL DEFAULT 0,
    parent_workflow_id   text,
    queue_name           text,
    deduplication_id     text,
    priority             integer     NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    completed_at         timestamptz
);

-- recovery (live work by owner) and the ownership check of every checkpoint and completion
-- (workflow_id with executor_id and status = 'PENDING'): with workflow_id in the key the check is
-- one precise probe even when one executor owns many PENDING workflows
CREATE INDEX workflow_status_pending_idx ON workflow_status (executor_id, workflow_id) WHERE status = 'PENDING';
-- listings: newest first, optionally by name or status
CREATE INDEX workflow_status_created_idx ON workflow_status (created_at DESC);
CREATE INDEX workflow_status_name_created_idx ON workflow_status (workflow_name, created_at DESC);
CREATE INDEX workflow_status_status_created_idx ON workflow_status (status, created_at DESC);
CREATE INDEX workflow_status_parent_idx ON workflow_status (parent_workflow_id) WHERE parent_workflow_id IS NOT NULL;

CREATE TABLE step_outputs (
    workflow_id        text        NOT NULL,
    step_id            integer     NOT NULL,
    step_name          text        NOT NULL,
    output             text,
    output_type        text,
    error_class        text,
    error_message      text,
    child_workflow_id  text,
    started_at         timestamptz,
    completed_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (workflow_id, step_id)
);

CREATE TABLE executors (
    executor_id          text        PRIMARY KEY,
    hostname             text,
    application_version  text,
    started_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_heartbeat       timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- events published by workflows (last value wins), read by anyone with getEvent
CREATE TABLE workflow_events (
    workflow_id  text        NOT NULL,
    key          text        NOT NULL,
    value        text,
    updated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (workflow_id, key)
);

-- messages sent to workflows, consumed once each, in order, by recv inside the workflow; consumed
-- messages are kept (consumed_at) so that their idempotency keys keep deduplicating late retries
CREATE TABLE workflow_messages (
    message_id       bigserial   PRIMARY KEY,
    destination_id   text        NOT NULL,
    topic            text        NOT NULL,
    message          text,
    idempotency_key  text,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    consumed_at      timestamptz
);
CREATE INDEX workflow_messages_unconsumed_idx ON workflow_messages (destination_id, topic, message_id)
    WHERE consumed_at IS NULL;
CREATE UNIQUE INDEX workflow_messages_idempotency_idx ON workflow_messages (destination_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
