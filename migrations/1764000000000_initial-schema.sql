-- Up Migration

-- A workflow is a name with a history of immutable versions; executions pin the version they started with.
CREATE TABLE workflows (
  id            uuid PRIMARY KEY,
  name          text NOT NULL UNIQUE,
  description   text NOT NULL DEFAULT '',
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  active_version integer,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workflow_versions (
  workflow_id   uuid NOT NULL REFERENCES workflows (id),
  version       integer NOT NULL CHECK (version >= 1),
  definition    jsonb NOT NULL,
  source        text,
  checksum      text NOT NULL,
  author        text NOT NULL DEFAULT 'unknown',
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('draft', 'active', 'archived')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, version)
);

-- The execution summary; the hot state lives in Redis, the full history in execution_events.
CREATE TABLE executions (
  id              text PRIMARY KEY,
  workflow_id     uuid NOT NULL REFERENCES workflows (id),
  workflow_version integer NOT NULL,
  status          text NOT NULL,
  trigger_type    text NOT NULL DEFAULT 'manual',
  trigger_id      text,
  idempotency_key text,
  parent_execution_id text,
  input           jsonb,
  output          jsonb,
  error           jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX executions_by_workflow ON executions (workflow_id, created_at DESC);
CREATE INDEX executions_by_status ON executions (status, created_at DESC);
CREATE UNIQUE INDEX executions_idempotency ON executions (workflow_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- One row per lifecycle event; (execution_id, seq) makes the history sink idempotent.
CREATE TABLE execution_events (
  execution_id  text NOT NULL,
  seq           integer NOT NULL,
  type          text NOT NULL,
  step_id       text,
  attempt       integer,
  data          jsonb,
  occurred_at   timestamptz NOT NULL,
  PRIMARY KEY (execution_id, seq)
);
CREATE INDEX execution_events_by_time ON execution_events (occurred_at);

CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  actor       text NOT NULL,
  action      text NOT NULL,
  resource    text NOT NULL,
  remote_addr text,
  result      text NOT NULL,
  detail      jsonb,
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_by_time ON audit_log (occurred_at);

CREATE TABLE api_keys (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  key_hash    text NOT NULL UNIQUE,
  roles       text[] NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE retention_settings (
  scope        text PRIMARY KEY,
  keep_days    integer NOT NULL CHECK (keep_days >= 1),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO retention_settings (scope, keep_days) VALUES ('executions', 30);

-- Down Migration
DROP TABLE retention_settings;
DROP TABLE api_keys;
DROP TABLE audit_log;
DROP TABLE execution_events;
DROP TABLE executions;
DROP TABLE workflow_versions;
DROP TABLE workflows;
