-- Up Migration

-- The history sink writes summaries for executions it learns about from the events topic alone (children of
-- sub-workflow steps, starts from cron or other producers). It knows the workflow by name, so the id may be
-- unknown for a moment; the name is kept beside it. last_event_seq orders out-of-order or replayed batches.
ALTER TABLE executions ALTER COLUMN workflow_id DROP NOT NULL;
ALTER TABLE executions ADD COLUMN workflow_name text;
ALTER TABLE executions ADD COLUMN last_event_seq integer NOT NULL DEFAULT 0;
-- Keyset paging of the execution list, newest first.
CREATE INDEX executions_by_created ON executions (created_at DESC, id DESC);
-- The retention job looks for finished executions by age.
CREATE INDEX executions_by_finished ON executions (finished_at) WHERE finished_at IS NOT NULL;

-- The execution status each event left behind, as the events topic reports it.
ALTER TABLE execution_events ADD COLUMN status text;

-- Who owns a key and when it last authenticated a call; the key itself is only ever stored hashed.
ALTER TABLE api_keys ADD COLUMN created_by text;
ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz;

INSERT INTO retention_settings (scope, keep_days) VALUES ('audit_log', 90) ON CONFLICT (scope) DO NOTHING;

-- Down Migration
DELETE FROM retention_settings WHERE scope = 'audit_log';
ALTER TABLE api_keys DROP COLUMN last_used_at;
ALTER TABLE api_keys DROP COLUMN created_by;
ALTER TABLE execution_events DROP COLUMN status;
DROP INDEX executions_by_finished;
DROP INDEX executions_by_created;
ALTER TABLE executions DROP COLUMN last_event_seq;
ALTER TABLE executions DROP COLUMN workflow_name;
