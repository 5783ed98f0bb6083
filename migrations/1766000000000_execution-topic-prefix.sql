-- Up Migration

-- Which engine (topic prefix) an execution belongs to, as the history sink that recorded it knows: after Redis
-- loses state, the recovery sweep rebuilds the running executions of its own engine only, even where several
-- engines (or test runs) share one database.
ALTER TABLE executions ADD COLUMN topic_prefix text;
CREATE INDEX executions_running_by_prefix ON executions (topic_prefix, id) WHERE status IN ('running', 'waiting');

-- Down Migration

DROP INDEX executions_running_by_prefix;
ALTER TABLE executions DROP COLUMN topic_prefix;
