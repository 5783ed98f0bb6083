// The numbers behind the console's overview, computed by Postgres from the execution summaries: one query for
// the per-minute series of the last hour and one for the durations, whatever the number of executions.
import type pg from 'pg';

export interface MinuteBucket {
  /** Start of the minute, ISO 8601. */
  minute: string;
  started: number;
  completed: number;
  failed: number;
}

export interface ExecutionStats {
  /** Sixty buckets, oldest first, the last one being the current minute. */
  perMinute: MinuteBucket[];
  running: number;
  /** completed / (completed + failed + cancelled + timed_out) over the last hour; null when none finished. */
  successRate: number | null;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
}

export class ConsoleStats {
  constructor(private readonly pool: pg.Pool) {}

  async lastHour(): Promise<ExecutionStats> {
    const series = await this.pool.query<{
      minute: Date;
      started: string;
      completed: string;
      failed: string;
    }>(
      `WITH minutes AS (
         SELECT generate_series(date_trunc('minute', now()) - interval '59 minutes', date_trunc('minute', now()),
                                interval '1 minute') AS minute)
       SELECT m.minute,
         (SELECT count(*) FROM executions e
           WHERE e.created_at >= m.minute AND e.created_at < m.minute + interval '1 minute') AS started,
         (SELECT count(*) FROM executions e WHERE e.status = 'completed'
           AND e.finished_at >= m.minute AND e.finished_at < m.minute + interval '1 minute') AS completed,
         (SELECT count(*) FROM executions e WHERE e.status IN ('failed', 'timed_out')
           AND e.finished_at >= m.minute AND e.finished_at < m.minute + interval '1 minute') AS failed
       FROM minutes m ORDER BY m.minute`,
    );
    const totals = await this.pool.query<{
      running: string;
      completed: string;
      finished: string;
      p50: number | null;
      p95: number | null;
    }>(
      `SELECT
         (SELECT count(*) FROM executions WHERE status IN ('pending', 'running', 'waiting')) AS running,
         count(*) FILTER (WHERE status = 'completed') AS completed,
         count(*) AS finished,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)::float8 AS p50,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)::float8 AS p95
       FROM executions
       WHERE finished_at > now() - interval '1 hour' AND started_at IS NOT NULL
         AND status IN ('completed', 'failed', 'cancelled', 'timed_out')`,
    );
    const row = totals.rows[0]!;
    const finished = Number(row.finished);
    return {
      perMinute: series.rows.map((bucket) => ({
        minute: bucket.minute.toISOString(),
        started: Number(bucket.started),
        completed: Number(bucket.completed),
        failed: Number(bucket.failed),
      })),
      running: Number(row.running),
      successRate: finished > 0 ? Number(row.completed) / finished : null,
      p50DurationMs: row.p50 === null ? null : Math.round(row.p50),
      p95DurationMs: row.p95 === null ? null : Math.round(row.p95),
    };
  }
}
