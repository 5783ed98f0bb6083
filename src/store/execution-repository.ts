// Execution summaries and histories in Postgres, as the API reads them: reservations made before a start is
// published (so an Idempotency-Key retry finds its execution), keyset-paged lists, histories and metrics.
import type pg from 'pg';

export interface ExecutionSummary {
  id: string;
  workflowId: string | null;
  workflowName: string | null;
  workflowVersion: number;
  status: string;
  triggerType: string;
  idempotencyKey: string | null;
  parentExecutionId: string | null;
  input: unknown;
  output: unknown;
  error: unknown;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

export interface HistoryRow {
  seq: number;
  type: string;
  stepId: string | null;
  attempt: number | null;
  status: string | null;
  data: unknown;
  occurredAt: Date;
}

/** One lifecycle event as the history holds it: `data` is the event without its type and time. */
export interface RecordedEvent {
  seq: number;
  type: string;
  data: unknown;
  /** ms since the epoch: the event's `at`. */
  occurredAt: number;
}

export interface ReserveInput {
  id: string;
  workflowId: string;
  workflowName: string;
  version: number;
  input: unknown;
  triggerType: string;
  idempotencyKey?: string;
}

export type Reservation =
  | { outcome: 'created'; id: string }
  /** The key was used before with the same input: the earlier execution, and whether it is still unstarted. */
  | { outcome: 'existing'; id: string; status: string }
  /** The key was used before with another input. */
  | { outcome: 'conflict'; id: string };

export interface ListFilter {
  workflowId?: string;
  status?: string;
  since?: Date;
  until?: Date;
  cursor?: string;
  limit: number;
}

export interface WorkflowMetrics {
  total: number;
  byStatus: Record<string, number>;
  successRate: number | null;
  errorRate: number | null;
  avgDurationMs: number | null;
  p95DurationMs: number | null;
  /** Executions created in the last hour, per minute. */
  throughputPerMinute: number;
}

const SUMMARY_COLUMNS = `id, workflow_id, workflow_name, workflow_version, status, trigger_type, idempotency_key,
  parent_execution_id, input, output, error, created_at, started_at, finished_at, updated_at`;

export class ExecutionRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Records an execution about to be started. With an idempotency key, a second reservation under the same key
   * (and workflow) returns the first execution instead of creating another: the unique index decides the race.
   */
  async reserve(input: ReserveInput): Promise<Reservation> {
    const inputJson = JSON.stringify(input.input ?? {});
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO executions (id, workflow_id, workflow_name, workflow_version, status, trigger_type,
                               idempotency_key, input)
       VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7::jsonb)
       ON CONFLICT (workflow_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id`,
      [
        input.id,
        input.workflowId,
        input.workflowName,
        input.version,
        input.triggerType,
        input.idempotencyKey ?? null,
        inputJson,
      ],
    );
    if (rows[0]) return { outcome: 'created', id: rows[0].id };
    const existing = await this.pool.query<{ id: string; status: string; same: boolean }>(
      `SELECT id, status, input = $3::jsonb AS same FROM executions
        WHERE workflow_id = $1 AND idempotency_key = $2`,
      [input.workflowId, input.idempotencyKey ?? null, inputJson],
    );
    const found = existing.rows[0];
    if (!found) throw new Error('idempotency reservation vanished between insert and select');
    return found.same
      ? { outcome: 'existing', id: found.id, status: found.status }
      : { outcome: 'conflict', id: found.id };
  }

  /** Drops a reservation whose start could not be published, so a retry with the same key tries again. */
  async release(id: string): Promise<void> {
    await this.pool.query(`DELETE FROM executions WHERE id = $1 AND last_event_seq = 0`, [id]);
  }

  async get(id: string): Promise<ExecutionSummary | undefined> {
    const { rows } = await this.pool.query(`SELECT ${SUMMARY_COLUMNS} FROM executions WHERE id = $1`, [id]);
    return rows[0] ? toSummary(rows[0]) : undefined;
  }

  /** Newest first; the cursor is opaque to clients and carries the last row's (created_at, id). */
  async list(filter: ListFilter): Promise<{ items: ExecutionSummary[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (placeholder: string) => string, value: unknown): void => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (filter.workflowId) add((p) => `workflow_id = ${p}::uuid`, filter.workflowId);
    if (filter.status) add((p) => `status = ${p}`, filter.status);
    if (filter.since) add((p) => `created_at >= ${p}`, filter.since);
    if (filter.until) add((p) => `created_at < ${p}`, filter.until);
    if (filter.cursor) {
      const [createdAt, id] = decodeCursor(filter.cursor);
      params.push(createdAt, id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(filter.limit + 1);
    const { rows } = await this.pool.query(
      `SELECT ${SUMMARY_COLUMNS}, created_at::text AS cursor_at FROM executions
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return {
      items: page.map(toSummary),
      nextCursor:
        rows.length > filter.limit && last ? encodeCursor(last.cursor_at as string, last.id as string) : null,
    };
  }

  async history(id: string): Promise<HistoryRow[]> {
    const { rows } = await this.pool.query(
      `SELECT seq, type, step_id, attempt, status, data, occurred_at FROM execution_events
        WHERE execution_id = $1 ORDER BY seq`,
      [id],
    );
    return rows.map((row) => ({
      seq: row.seq as number,
      type: row.type as string,
      stepId: (row.step_id as string | null) ?? null,
      attempt: (row.attempt as number | null) ?? null,
      status: (row.status as string | null) ?? null,
      data: row.data,
      occurredAt: row.occurred_at as Date,
    }));
  }

  /**
   * The recorded lifecycle events of many executions, each list in seq order, in one query: what recovery
   * replays when Redis lost an execution's state. Executions without events are absent from the map.
   */
  async lifecycleEvents(ids: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const events = new Map<string, RecordedEvent[]>();
    if (ids.length === 0) return events;
    const { rows } = await this.pool.query(
      `SELECT execution_id, seq, type, data, occurred_at FROM execution_events
        WHERE execution_id = ANY($1::text[]) ORDER BY execution_id, seq`,
      [ids],
    );
    for (const row of rows) {
      const list = events.get(row.execution_id as string) ?? [];
      list.push({
        seq: row.seq as number,
        type: row.type as string,
        data: row.data,
        occurredAt: (row.occurred_at as Date).getTime(),
      });
      events.set(row.execution_id as string, list);
    }
    return events;
  }

  /** The last event seq the history holds for each execution (absent: none), in one query. */
  async lastEventSeqs(ids: readonly string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<{ id: string; last_event_seq: number }>(
      `SELECT id, last_event_seq FROM executions WHERE id = ANY($1::text[]) AND last_event_seq > 0`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.last_event_seq]));
  }

  /**
   * A page of the executions the history says are still running or waiting, of one engine (topic prefix), in id
   * order after `afterId`, with the last seq recorded: the candidates of the recovery sweep.
   */
  async runningIds(
    topicPrefix: string,
    afterId: string,
    limit: number,
  ): Promise<{ id: string; lastSeq: number }[]> {
    const { rows } = await this.pool.query<{ id: string; last_event_seq: number }>(
      `SELECT id, last_event_seq FROM executions
        WHERE topic_prefix = $1 AND status IN ('running', 'waiting') AND id > $2
        ORDER BY id LIMIT $3`,
      [topicPrefix, afterId, limit],
    );
    return rows.map((row) => ({ id: row.id, lastSeq: row.last_event_seq }));
  }

  /** Counts, rates and durations of one workflow's executions, all computed by Postgres. */
  async metrics(workflowId: string): Promise<WorkflowMetrics> {
    const { rows: statusRows } = await this.pool.query<{ status: string; count: string }>(
      `SELECT status, count(*) AS count FROM executions WHERE workflow_id = $1 GROUP BY status`,
      [workflowId],
    );
    const { rows } = await this.pool.query<{
      avg_ms: number | null;
      p95_ms: number | null;
      last_hour: string;
    }>(
      `SELECT
         (SELECT avg(extract(epoch FROM finished_at - started_at) * 1000)::float8
            FROM executions WHERE workflow_id = $1 AND finished_at IS NOT NULL AND started_at IS NOT NULL) AS avg_ms,
         (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)::float8
            FROM executions WHERE workflow_id = $1 AND finished_at IS NOT NULL AND started_at IS NOT NULL) AS p95_ms,
         (SELECT count(*) FROM executions WHERE workflow_id = $1 AND created_at > now() - interval '1 hour') AS last_hour`,
      [workflowId],
    );
    const byStatus = Object.fromEntries(statusRows.map((row) => [row.status, Number(row.count)]));
    const total = Object.values(byStatus).reduce((sum, count) => sum + count, 0);
    const succeeded = byStatus.completed ?? 0;
    const failed = (byStatus.failed ?? 0) + (byStatus.timed_out ?? 0);
    const finished = succeeded + failed + (byStatus.cancelled ?? 0);
    const row = rows[0]!;
    return {
      total,
      byStatus,
      successRate: finished > 0 ? succeeded / finished : null,
      errorRate: finished > 0 ? failed / finished : null,
      avgDurationMs: row.avg_ms === null ? null : Math.round(row.avg_ms),
      p95DurationMs: row.p95_ms === null ? null : Math.round(row.p95_ms),
      throughputPerMinute: Number(row.last_hour) / 60,
    };
  }
}

export class InvalidCursorError extends Error {
  constructor() {
    super('the cursor is not one this API handed out');
  }
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:?\d{2})?|Z)?$/.test(value[0])
    )
      return [value[0], value[1]];
  } catch {
    // fall through to the error below
  }
  throw new InvalidCursorError();
}

function toSummary(row: Record<string, unknown>): ExecutionSummary {
  return {
    id: row.id as string,
    workflowId: (row.workflow_id as string | null) ?? null,
    workflowName: (row.workflow_name as string | null) ?? null,
    workflowVersion: row.workflow_version as number,
    status: row.status as string,
    triggerType: row.trigger_type as string,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    parentExecutionId: (row.parent_execution_id as string | null) ?? null,
    input: row.input ?? null,
    output: row.output ?? null,
    error: row.error ?? null,
    createdAt: row.created_at as Date,
    startedAt: (row.started_at as Date | null) ?? null,
    finishedAt: (row.finished_at as Date | null) ?? null,
    updatedAt: row.updated_at as Date,
  };
}
