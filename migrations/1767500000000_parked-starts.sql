-- Up Migration

-- Starts waiting for admission (beyond MAX_CONCURRENT_WORKFLOWS). Redis holds the queue; this table keeps each
-- parked start's record durable, so that when Redis loses its data the recovery sweep parks them again instead
-- of losing them. A row is written when a start is parked and deleted once the execution has a history.
CREATE TABLE parked_starts (
  key_prefix   text        NOT NULL,
  execution_id text        NOT NULL,
  record       bytea       NOT NULL,
  position     bigserial   NOT NULL,
  parked_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key_prefix, execution_id)
);
CREATE INDEX parked_starts_in_order ON parked_starts (key_prefix, position);

-- Down Migration

DROP TABLE parked_starts;
