// Creates the databases Percolator and the registry need, idempotently, so a fresh Postgres and a used one
// end in the same state; a database named in `replace` is dropped first when it exists, to start empty.
import pg from 'pg';
import type { HostPort } from './endpoints.js';
import { StackError } from './errors.js';

// Postgres reports a concurrent CREATE DATABASE of the same name with this code; the database then exists.
const DUPLICATE_DATABASE = '42P04';
// DROP DATABASE of a database something is connected to.
const OBJECT_IN_USE = '55006';

export interface DatabaseChanges {
  created: string[];
  /** Existing databases of `replace`, dropped and created empty. */
  replaced: string[];
}

export async function ensureDatabases(
  target: HostPort & { user: string; password: string | undefined },
  names: string[],
  replace: string[] = [],
): Promise<DatabaseChanges> {
  for (const name of [...names, ...replace]) {
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
    const wanted = [...new Set([...names, ...replace])];
    const existing = await client.query<{ datname: string }>(
      'select datname from pg_database where datname = any($1)',
      [wanted],
    );
    const exists = (name: string): boolean => existing.rows.some((row) => row.datname === name);
    const replaced = replace.filter(exists);
    for (const name of replaced) {
      await client.query(`drop database "${name}"`).catch((error: { code?: string; message?: string }) => {
        if (error.code !== OBJECT_IN_USE) throw error;
        throw new StackError(
          `postgres: database ${name} should start empty for this new stack, but something is connected ` +
            `to it (a registry still running from an earlier checkout in this folder?): ${error.message}`,
        );
      });
    }
    const missing = wanted.filter((name) => !exists(name));
    for (const name of [...missing, ...replaced]) {
      await client.query(`create database "${name}"`).catch((error: { code?: string }) => {
        if (error.code !== DUPLICATE_DATABASE) throw error;
      });
    }
    return { created: missing, replaced };
  } catch (error) {
    if (error instanceof StackError) throw error;
    throw new StackError(
      `postgres: could not create databases ${[...names, ...replace].join(', ')}: ${(error as Error).message}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
