// The durable copy of the admission queue: starts parked beyond MAX_CONCURRENT_WORKFLOWS live in Redis, and each
// one's record is also written here (before its offset is committed), so a Redis that loses its data loses no
// start: the recovery sweep parks them again. Rows are dropped once their execution has a history.
import type pg from 'pg';

export interface ParkedStart {
  executionId: string;
  record: Buffer;
}

export class ParkedStartRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Records starts as parked, in the given order, in one statement; a start recorded before keeps its place. */
  async save(keyPrefix: string, starts: readonly ParkedStart[]): Promise<void> {
    if (starts.length === 0) return;
    await this.pool.query(
      `INSERT INTO parked_starts (key_prefix, execution_id, record)
       SELECT $1, id, record FROM unnest($2::text[], $3::bytea[]) WITH ORDINALITY AS s(id, record, n) ORDER BY n
       ON CONFLICT (key_prefix, execution_id) DO NOTHING`,
      [keyPrefix, starts.map((start) => start.executionId), starts.map((start) => start.record)],
    );
  }

  /** A page of parked starts in the order they were parked, after position `after`. */
  async page(
    keyPrefix: string,
    after: string,
    limit: number,
  ): Promise<(ParkedStart & { position: string })[]> {
    const { rows } = await this.pool.query<{ execution_id: string; record: Buffer; position: string }>(
      `SELECT execution_id, record, position::text FROM parked_starts
        WHERE key_prefix = $1 AND position > $2::bigint ORDER BY position LIMIT $3`,
      [keyPrefix, after, limit],
    );
    return rows.map((row) => ({ executionId: row.execution_id, record: row.record, position: row.position }));
  }

  async remove(keyPrefix: string, executionIds: readonly string[]): Promise<void> {
    if (executionIds.length === 0) return;
    await this.pool.query(
      `DELETE FROM parked_starts WHERE key_prefix = $1 AND execution_id = ANY($2::text[])`,
      [keyPrefix, executionIds],
    );
  }

  /** Drops the rows of starts that have begun (their execution has a history): one statement, run now and then. */
  async dropStarted(keyPrefix: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM parked_starts p USING executions e
        WHERE p.key_prefix = $1 AND e.id = p.execution_id AND e.last_event_seq > 0`,
      [keyPrefix],
    );
    return rowCount ?? 0;
  }
}
