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

export interface TrendBucket {
  /** Start of the bucket, ISO 8601. */
  start: string;
  started: number;
  finished: number;
  /** Failed or timed out, among `finished`. */
  failed: number;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
}

export interface TrendQuery {
  hours: number;
  bucketMinutes: number;
  /** A workflow's name: only its executions. */
  workflow?: string;
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

  /**
   * The last `hours` in buckets of `bucketMinutes`, oldest first: executions started, finished and failed in
   * each, and the p50/p95 duration of those that finished. Grouped by Postgres, three scans at most.
   */
  async trends(query: TrendQuery): Promise<TrendBucket[]> {
    const result = await this.pool.query<{
      start: Date;
      started: string;
      finished: string;
      failed: string;
      p50: number | null;
      p95: number | null;
    }>(
      `WITH params AS (
         SELECT make_interval(hours => $1::int) AS span, make_interval(mins => $2::int) AS width,
                (SELECT array_agg(id) FROM workflows WHERE name = $3) AS only),
       buckets AS (
         SELECT generate_series(date_bin(p.width, now() - p.span, timestamptz 'epoch'), now(), p.width) AS start
           FROM params p),
       scoped AS (
         SELECT e.* FROM executions e, params p
          WHERE (p.only IS NULL AND $3::text IS NULL OR e.workflow_id = ANY (p.only))
            AND (e.created_at >= now() - p.span - p.width OR e.finished_at >= now() - p.span - p.width)),
       started AS (
         SELECT date_bin(p.width, s.created_at, timestamptz 'epoch') AS start, count(*) AS n
           FROM scoped s, params p GROUP BY 1),
       finished AS (
         SELECT date_bin(p.width, s.finished_at, timestamptz 'epoch') AS start, count(*) AS n,
                count(*) FILTER (WHERE s.status IN ('failed', 'timed_out')) AS failed,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.finished_at - s.started_at) * 1000)::float8 AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM s.finished_at - s.started_at) * 1000)::float8 AS p95
           FROM scoped s, params p
          WHERE s.finished_at IS NOT NULL AND s.started_at IS NOT NULL
            AND s.status IN ('completed', 'failed', 'cancelled', 'timed_out')
          GROUP BY 1)
       SELECT b.start, coalesce(st.n, 0) AS started, coalesce(f.n, 0) AS finished, coalesce(f.failed, 0) AS failed,
              f.p50, f.p95
         FROM buckets b LEFT JOIN started st USING (start) LEFT JOIN finished f USING (start)
        ORDER BY b.start`,
      [query.hours, query.bucketMinutes, query.workflow ?? null],
    );
    return result.rows.map((row) => ({
      start: row.start.toISOString(),
      started: Number(row.started),
      finished: Number(row.finished),
      failed: Number(row.failed),
      p50DurationMs: row.p50 === null ? null : Math.round(row.p50),
      p95DurationMs: row.p95 === null ? null : Math.round(row.p95),
    }));
  }
}
