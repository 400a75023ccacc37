-- Tracing: the trace context of whoever started or enqueued a workflow, so that its execution
-- (here or in another process, now or after a crash and recovery) continues that trace.
-- Runs with search_path set to the DBOS schema (dbos.schema); never edit once released.

-- the propagation fields (for example {"traceparent": "00-..."} or B3 headers) as a JSON object;
-- NULL when the starter traced nothing (no Micrometer Observation, dbos.observation.enabled=false)
ALTER TABLE workflow_status ADD COLUMN trace_context text;
