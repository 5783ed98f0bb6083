import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { testServices, uniquePrefix } from '../support/services.js';

describe('Postgres', () => {
  const pool = new pg.Pool({ connectionString: testServices().databaseUrl, max: 2 });
  const table = uniquePrefix('pg').replaceAll('.', '_');

  afterAll(async () => {
    await pool.query(`drop table if exists ${table}`);
    await pool.end();
  });

  it('writes and reads back JSONB in a transaction', async () => {
    await pool.query(`create table ${table} (id text primary key, body jsonb not null)`);
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query(`insert into ${table} values ($1, $2)`, ['wf-1', { steps: ['a', 'b'], version: 1 }]);
      await client.query('commit');
    } finally {
      client.release();
    }
    const { rows } = await pool.query(`select body from ${table} where id = $1`, ['wf-1']);
    expect(rows).toEqual([{ body: { steps: ['a', 'b'], version: 1 } }]);
  });

  it('rolls back a failed transaction and keeps nothing of it', async () => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query(`insert into ${table} values ($1, $2)`, ['wf-2', {}]);
      await expect(client.query(`insert into ${table} values ($1, $2)`, ['wf-2', {}])).rejects.toThrow(
        /duplicate key/,
      );
      await client.query('rollback');
    } finally {
      client.release();
    }
    const { rowCount } = await pool.query(`select 1 from ${table} where id = 'wf-2'`);
    expect(rowCount).toBe(0);
  });
});
