// Purges history past its keep period (retention_settings): finished executions with their events, and old
// audit rows. Runs in the history role on an interval; each pass deletes in bounded chunks.
import type pg from 'pg';
import type { Logger } from '../observability/logger.js';

const CHUNK = 5000;

export interface PurgeResult {
  executions: number;
  auditRows: number;
}

/** One retention pass; returns how many rows went. */
export async function purgeExpired(pool: pg.Pool): Promise<PurgeResult> {
  let executions = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `WITH expired AS (
         SELECT id FROM executions
          WHERE finished_at IS NOT NULL
            AND finished_at < now() - make_interval(days =>
                  (SELECT keep_days FROM retention_settings WHERE scope = 'executions'))
          LIMIT ${CHUNK}
       ), gone_events AS (
         DELETE FROM execution_events e USING expired WHERE e.execution_id = expired.id
       )
       DELETE FROM executions x USING expired WHERE x.id = expired.id`,
    );
    executions += rowCount ?? 0;
    if ((rowCount ?? 0) < CHUNK) break;
  }
  const audit = await pool.query(
    `DELETE FROM audit_log
      WHERE occurred_at < now() - make_interval(days =>
              (SELECT keep_days FROM retention_settings WHERE scope = 'audit_log'))`,
  );
  return { executions, auditRows: audit.rowCount ?? 0 };
}

/** Runs purgeExpired now and then every intervalMs; the returned function stops it. */
export function scheduleRetention(pool: pg.Pool, intervalMs: number, logger: Logger): () => void {
  const run = (): void => {
    purgeExpired(pool)
      .then((result) => {
        if (result.executions > 0 || result.auditRows > 0) logger.info(result, 'retention purged history');
      })
      .catch((error: unknown) => logger.error({ err: error }, 'retention pass failed'));
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
