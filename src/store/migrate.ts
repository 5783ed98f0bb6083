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

const LOCK_HELD = /Another migration is already running/;

/**
 * Runs every pending migration; returns the names of those applied now. Instances starting together wait for
 * each other: the tool refuses rather than waits while another holds its lock, so that refusal is retried.
 */
export async function migrate(options: MigrateOptions, waitForLockMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + waitForLockMs;
  for (;;) {
    try {
      return await runMigrations(options);
    } catch (error) {
      if (!LOCK_HELD.test((error as Error).message) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 300));
    }
  }
}

async function runMigrations(options: MigrateOptions): Promise<string[]> {
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
