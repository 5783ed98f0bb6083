-- Up Migration

-- The console's alert centre lists dead letters and failed executions beside the notifier's alerts; neither has a
-- row of its own to mark, so who acknowledged or closed one of them is kept here, by kind and reference.
CREATE TABLE console_acknowledgements (
  kind            text NOT NULL CHECK (kind IN ('dead_letter', 'failed_execution')),
  ref             text NOT NULL,
  status          text NOT NULL CHECK (status IN ('acknowledged', 'resolved')),
  acted_by        text NOT NULL,
  acted_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, ref)
);

-- Down Migration

DROP TABLE console_acknowledgements;
