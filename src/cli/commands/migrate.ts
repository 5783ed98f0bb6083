import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { migrate } from '../../store/migrate.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      'Apply pending Postgres migrations to DATABASE_URL (idempotent; the engine also runs them at start-up)',
    )
    .action(async () => {
      const config = loadConfig();
      const applied = await migrate({ databaseUrl: config.databaseUrl });
      console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');
    });
}
