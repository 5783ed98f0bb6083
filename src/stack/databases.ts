// Creates the databases Percolator and the registry need, idempotently, so a fresh Postgres and a used one
// end in the same state.
import pg from 'pg';
import type { HostPort } from './endpoints.js';
import { StackError } from './errors.js';

// Postgres reports a concurrent CREATE DATABASE of the same name with this code; the database then exists.
const DUPLICATE_DATABASE = '42P04';

/** Returns the names it had to create. */
export async function ensureDatabases(
  target: HostPort & { user: string; password: string | undefined },
  names: string[],
): Promise<string[]> {
  for (const name of names) {
    if (!/^[A-Za-z0-9_]+$/.test(name))
      throw new StackError(`postgres: refusing odd database name ${JSON.stringify(name)}`);
  }
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: 'postgres',
    connectionTimeoutMillis: 5_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const existing = await client.query<{ datname: string }>(
      'select datname from pg_database where datname = any($1)',
      [names],
    );
    const missing = names.filter((name) => !existing.rows.some((row) => row.datname === name));
    for (const name of missing) {
      await client.query(`create database "${name}"`).catch((error: { code?: string }) => {
        if (error.code !== DUPLICATE_DATABASE) throw error;
      });
    }
    return missing;
  } catch (error) {
    if (error instanceof StackError) throw error;
    throw new StackError(
      `postgres: could not create databases ${names.join(', ')}: ${(error as Error).message}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
