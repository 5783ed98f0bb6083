// The console's alert and notification centre: the alerts the notifier's `create_alert` stores, the dead letters
// (DeadLetterFeed) and the executions that failed or timed out, as one list, newest first, each with a status
// (open, acknowledged, resolved) an operator moves forward. Alerts keep their status in their own row; the other
// two kinds in console_acknowledgements.
import type pg from 'pg';
import type { DeadLetterEntry } from './dead-letter-feed.js';

export type AlertKind = 'alert' | 'dead_letter' | 'failed_execution';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export interface AlertItem {
  /** `<kind>:<ref>`; the path parameter of the acknowledge and resolve routes. */
  id: string;
  kind: AlertKind;
  severity: 'info' | 'warning' | 'error' | 'critical';
  title: string;
  message: string;
  execution_id: string | null;
  status: AlertStatus;
  acted_by: string | null;
  created_at: string;
  details: Record<string, unknown>;
}

export interface AlertCentreOptions {
  pool: pg.Pool;
  /** The engine's topic prefix: failed executions of other engines sharing the database are not listed. */
  topicPrefix: string;
  deadLetters?: { list(): readonly DeadLetterEntry[] } | undefined;
}

const LIMIT = 200;

export class AlertCentre {
  constructor(private readonly options: AlertCentreOptions) {}

  /** Newest first; resolved ones only with `includeResolved`. */
  async list(includeResolved: boolean): Promise<AlertItem[]> {
    const [alerts, failed, acks] = await Promise.all([
      this.options.pool.query<{
        id: string;
        title: string;
        message: string;
        severity: AlertItem['severity'];
        status: AlertStatus;
        source: string | null;
        labels: Record<string, unknown>;
        execution_id: string | null;
        created_at: Date;
      }>(
        `SELECT id, title, message, severity, status, source, labels, execution_id, created_at FROM alerts
          WHERE $1 OR status <> 'resolved' ORDER BY created_at DESC LIMIT ${LIMIT}`,
        [includeResolved],
      ),
      this.options.pool.query<{
        id: string;
        status: string;
        workflow: string | null;
        error: unknown;
        finished_at: Date | null;
        created_at: Date;
      }>(
        `SELECT e.id, e.status, w.name AS workflow, e.error, e.finished_at, e.created_at
           FROM executions e LEFT JOIN workflows w ON w.id = e.workflow_id
          WHERE e.status IN ('failed', 'timed_out') AND e.topic_prefix = $1
          ORDER BY e.created_at DESC LIMIT ${LIMIT}`,
        [this.options.topicPrefix],
      ),
      this.options.pool.query<{ kind: string; ref: string; status: AlertStatus; acted_by: string }>(
        `SELECT kind, ref, status, acted_by FROM console_acknowledgements`,
      ),
    ]);
    const acked = new Map(acks.rows.map((row) => [`${row.kind}:${row.ref}`, row]));
    const items: AlertItem[] = [
      ...alerts.rows.map((row) => ({
        id: `alert:${row.id}`,
        kind: 'alert' as const,
        severity: row.severity,
        title: row.title,
        message: row.message,
        execution_id: row.execution_id,
        status: row.status,
        acted_by: null,
        created_at: row.created_at.toISOString(),
        details: { source: row.source, labels: row.labels },
      })),
      ...failed.rows.map((row) => ({
        id: `failed_execution:${row.id}`,
        kind: 'failed_execution' as const,
        severity: 'error' as const,
        title: `${row.workflow ?? 'an execution'} ${row.status === 'timed_out' ? 'timed out' : 'failed'}`,
        message: errorText(row.error),
        execution_id: row.id,
        status: 'open' as AlertStatus,
        acted_by: null,
        created_at: (row.finished_at ?? row.created_at).toISOString(),
        details: { workflow: row.workflow, status: row.status },
      })),
      ...(this.options.deadLetters?.list() ?? []).map((letter) => ({
        id: `dead_letter:${letter.ref}`,
        kind: 'dead_letter' as const,
        severity: 'warning' as const,
        title: `dead letter from ${letter.sourceTopic}`,
        message: `${letter.reasonCode}: ${letter.message}`,
        execution_id: null,
        status: 'open' as AlertStatus,
        acted_by: null,
        created_at: letter.failedAt.toISOString(),
        details: {
          source_topic: letter.sourceTopic,
          source_partition: letter.sourcePartition,
          source_offset: letter.sourceOffset,
          consumer_group: letter.consumerGroup,
          key: letter.key,
          value_bytes: letter.valueBytes,
        },
      })),
    ];
    for (const item of items) {
      const ack = acked.get(item.id);
      if (ack && item.kind !== 'alert') {
        item.status = ack.status;
        item.acted_by = ack.acted_by;
      }
    }
    return items
      .filter((item) => includeResolved || item.status !== 'resolved')
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
      .slice(0, LIMIT * 2);
  }

  /**
   * Moves one item to `status`; false when there is no such item. A status never moves back (resolving an
   * acknowledged item is fine, acknowledging a resolved one leaves it resolved).
   */
  async mark(id: string, status: 'acknowledged' | 'resolved', by: string): Promise<boolean> {
    const separator = id.indexOf(':');
    const kind = id.slice(0, separator);
    const ref = id.slice(separator + 1);
    if (separator < 1 || ref === '') return false;
    if (kind === 'alert') {
      if (!/^[0-9a-f-]{36}$/i.test(ref)) return false;
      const updated = await this.options.pool.query(
        `UPDATE alerts SET status = CASE WHEN status = 'resolved' THEN status ELSE $2 END WHERE id = $1`,
        [ref, status],
      );
      return (updated.rowCount ?? 0) > 0;
    }
    if (kind === 'failed_execution') {
      const found = await this.options.pool.query(
        `SELECT 1 FROM executions WHERE id = $1 AND status IN ('failed', 'timed_out')`,
        [ref],
      );
      if (found.rowCount === 0) return false;
    } else if (kind === 'dead_letter') {
      if (!this.options.deadLetters?.list().some((letter) => letter.ref === ref)) return false;
    } else return false;
    await this.options.pool.query(
      `INSERT INTO console_acknowledgements (kind, ref, status, acted_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (kind, ref) DO UPDATE SET
         status = CASE WHEN console_acknowledgements.status = 'resolved' THEN 'resolved' ELSE EXCLUDED.status END,
         acted_by = EXCLUDED.acted_by, acted_at = now()`,
      [kind, ref, status, by],
    );
    return true;
  }
}

function errorText(error: unknown): string {
  if (error === null || error === undefined) return '';
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : JSON.stringify(error);
}
