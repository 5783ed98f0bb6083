// `stack up` creates the databases, and empties the registry database of a new stack.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDatabases } from '../../src/stack/databases.js';
import { StackError } from '../../src/stack/errors.js';
import { testServices } from '../support/services.js';

describe('stack databases in the real Postgres', () => {
  const url = new URL(testServices().databaseUrl);
  const target = {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username) || 'postgres',
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
  const name = `test_stackdb_${randomBytes(4).toString('hex')}`;

  function connect(database: string): pg.Client {
    return new pg.Client({ ...target, database });
  }

  async function tablesIn(database: string): Promise<string[]> {
    const client = connect(database);
    await client.connect();
    try {
      const result = await client.query<{ tablename: string }>(
        "select tablename from pg_tables where schemaname = 'public'",
      );
      return result.rows.map((row) => row.tablename);
    } finally {
      await client.end();
    }
  }

  afterAll(async () => {
    const admin = connect('postgres');
    await admin.connect();
    await admin.query(`drop database if exists "${name}"`);
    await admin.end();
  });

  it('creates a missing database once, keeps an existing one, and empties one it is told to replace', async () => {
    expect(await ensureDatabases(target, [name])).toEqual({ created: [name], replaced: [] });

    const client = connect(name);
    await client.connect();
    await client.query('create table schemas_of_an_earlier_checkout (id int)');
    await client.end();
    expect(await ensureDatabases(target, [name])).toEqual({ created: [], replaced: [] });
    expect(await tablesIn(name)).toEqual(['schemas_of_an_earlier_checkout']);

    expect(await ensureDatabases(target, [name], [name])).toEqual({ created: [], replaced: [name] });
    expect(await tablesIn(name)).toEqual([]);
  });

  it('refuses to empty a database something is connected to, and says so', async () => {
    await ensureDatabases(target, [name]);
    const registry = connect(name);
    await registry.connect();
    try {
      const attempt = ensureDatabases(target, [], [name]);
      await expect(attempt).rejects.toBeInstanceOf(StackError);
      await expect(attempt).rejects.toThrow(`database ${name} should start empty`);
    } finally {
      await registry.end();
    }
  });
});
