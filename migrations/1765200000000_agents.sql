-- Up Migration

-- The built-in agents' own data. Each write carries the idempotency key of the command that made it (its
-- command id), so a command delivered twice changes nothing the second time.

-- social-media-content: posts waiting for their time, and the outbox the default publish connector writes.
CREATE TABLE scheduled_posts (
  id              uuid PRIMARY KEY,
  brand_id        text NOT NULL,
  platform        text NOT NULL,
  content         text NOT NULL,
  hashtags        jsonb NOT NULL DEFAULT '[]',
  publish_at      timestamptz NOT NULL,
  status          text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'published', 'cancelled')),
  execution_id    text,
  idempotency_key text UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  published_at    timestamptz
);
CREATE INDEX scheduled_posts_due ON scheduled_posts (publish_at) WHERE status = 'scheduled';

-- Rows here are published as far as the workflow is concerned; a relay delivers them to the platforms and
-- sets relayed_at.
CREATE TABLE published_posts (
  id              uuid PRIMARY KEY,
  post_id         uuid REFERENCES scheduled_posts (id),
  brand_id        text NOT NULL,
  platform        text NOT NULL,
  content         text NOT NULL,
  hashtags        jsonb NOT NULL DEFAULT '[]',
  idempotency_key text NOT NULL UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  relayed_at      timestamptz
);
CREATE INDEX published_posts_unrelayed ON published_posts (created_at) WHERE relayed_at IS NULL;

-- inventory: stock on hand (never negative), every change, and units sold per day for forecasting.
CREATE TABLE inventory (
  product_id    text PRIMARY KEY,
  quantity      integer NOT NULL CHECK (quantity >= 0),
  reorder_point integer CHECK (reorder_point >= 0),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inventory_movements (
  id              bigserial PRIMARY KEY,
  product_id      text NOT NULL,
  delta           integer NOT NULL,
  quantity_after  integer NOT NULL,
  reason          text NOT NULL,
  idempotency_key text UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inventory_movements_product ON inventory_movements (product_id, created_at);

CREATE TABLE sales_history (
  product_id  text NOT NULL,
  period      date NOT NULL,
  quantity    integer NOT NULL CHECK (quantity >= 0),
  PRIMARY KEY (product_id, period)
);

-- notifier: alerts with a severity, and a log of status entries per subject.
CREATE TABLE alerts (
  id              uuid PRIMARY KEY,
  title           text NOT NULL,
  message         text NOT NULL DEFAULT '',
  severity        text NOT NULL CHECK (severity IN ('info', 'warning', 'error', 'critical')),
  status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
  source          text,
  labels          jsonb NOT NULL DEFAULT '{}',
  execution_id    text,
  idempotency_key text UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_open ON alerts (severity, created_at) WHERE status = 'open';

CREATE TABLE status_updates (
  id              uuid PRIMARY KEY,
  subject         text NOT NULL,
  status          text NOT NULL,
  message         text NOT NULL DEFAULT '',
  details         jsonb NOT NULL DEFAULT '{}',
  execution_id    text,
  idempotency_key text UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX status_updates_subject ON status_updates (subject, created_at);

-- Down Migration
DROP TABLE status_updates;
DROP TABLE alerts;
DROP TABLE sales_history;
DROP TABLE inventory_movements;
DROP TABLE inventory;
DROP TABLE published_posts;
DROP TABLE scheduled_posts;
