// Applies the SQL migrations in migrations/ (node-pg-migrate); idempotent, and safe to run from several
// instances at once thanks to the tool's advisory lock.
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../observability/logger.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface MigrateOptions {
  databaseUrl: string;
  logger?: Logger;
}

/** Runs every pending migration; returns the names of those applied now. */
export async function migrate(options: MigrateOptions): Promise<string[]> {
  const applied = await runner({
    databaseUrl: options.databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'percolator_migrations',
    count: Infinity,
    verbose: false,
    log: (message: string) => options.logger?.debug({ component: 'migrations' }, message),
  });
  return applied.map((migration) => migration.name);
}
