// alerts and status_updates in Postgres, each row keyed by the command that wrote it so a redelivered
// command writes nothing new.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

export interface AlertRow {
  id: string;
  title: string;
  message: string;
  severity: string;
  status: string;
  source: string | null;
  labels: Record<string, unknown>;
  created_at: Date;
}

export async function createAlert(
  pool: pg.Pool,
  alert: {
    title: string;
    message: string;
    severity: string;
    source: string | null;
    labels: Record<string, unknown>;
    executionId: string;
    idempotencyKey: string;
  },
): Promise<{ alert: AlertRow; created: boolean }> {
  const columns = 'id, title, message, severity, status, source, labels, created_at';
  const inserted = await pool.query<AlertRow>(
    `INSERT INTO alerts (id, title, message, severity, source, labels, execution_id, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING ${columns}`,
    [
      randomUUID(),
      alert.title,
      alert.message,
      alert.severity,
      alert.source,
      JSON.stringify(alert.labels),
      alert.executionId,
      alert.idempotencyKey,
    ],
  );
  if (inserted.rows[0]) return { alert: inserted.rows[0], created: true };
  const existing = await pool.query<AlertRow>(`SELECT ${columns} FROM alerts WHERE idempotency_key = $1`, [
    alert.idempotencyKey,
  ]);
  return { alert: existing.rows[0]!, created: false };
}

export interface StatusRow {
  id: string;
  subject: string;
  status: string;
  message: string;
  created_at: Date;
  previous_status: string | null;
}

export async function recordStatus(
  pool: pg.Pool,
  entry: {
    subject: string;
    status: string;
    message: string;
    details: Record<string, unknown>;
    executionId: string;
    idempotencyKey: string;
  },
): Promise<{ entry: StatusRow; created: boolean }> {
  // previous_status is read in the same statement, so it is the entry before this one even when two
  // updates of one subject arrive together.
  const select = (where: string) => `
    SELECT s.id, s.subject, s.status, s.message, s.created_at,
           (SELECT p.status FROM status_updates p
             WHERE p.subject = s.subject AND (p.created_at, p.id) < (s.created_at, s.id)
             ORDER BY p.created_at DESC, p.id DESC LIMIT 1) AS previous_status
    FROM status_updates s WHERE ${where}`;
  const inserted = await pool.query<{ id: string }>(
    `INSERT INTO status_updates (id, subject, status, message, details, execution_id, idempotency_key, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp())
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING id`,
    [
      randomUUID(),
      entry.subject,
      entry.status,
      entry.message,
      JSON.stringify(entry.details),
      entry.executionId,
      entry.idempotencyKey,
    ],
  );
  const row = await pool.query<StatusRow>(select('s.idempotency_key = $1'), [entry.idempotencyKey]);
  return { entry: row.rows[0]!, created: inserted.rows.length > 0 };
}
