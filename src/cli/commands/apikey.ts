// `percolator apikey create|list|revoke`: API keys, straight in Postgres (DATABASE_URL), so the first key can be
// made before any credential exists. The plain key is printed once, at creation.
import { Option, type Command } from 'commander';
import pg from 'pg';
import { ROLES } from '../../api/auth/roles.js';
import { loadConfig } from '../../config/config.js';
import { ApiKeyRepository } from '../../store/access-repository.js';
import { migrate } from '../../store/migrate.js';
import { EXIT_FAILED, defaultIo, type CliIo } from '../http-client.js';

async function withKeys<T>(action: (keys: ApiKeyRepository) => Promise<T>): Promise<T> {
  const config = loadConfig();
  await migrate({ databaseUrl: config.databaseUrl });
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 1 });
  try {
    return await action(new ApiKeyRepository(pool));
  } finally {
    await pool.end();
  }
}

export function registerApiKeyCommand(program: Command, io: CliIo = defaultIo): void {
  const apikey = program.command('apikey').description('manage API keys (X-API-Key) in the database');
  apikey
    .command('create')
    .description('create a key; prints {id, name, roles, key} — the key is shown only now')
    .requiredOption('--name <name>', 'what the key is for')
    .addOption(new Option('--role <role...>', 'roles the key grants').choices(ROLES).makeOptionMandatory())
    .action(async (options: { name: string; role: string[] }) => {
      const { key, record } = await withKeys((keys) =>
        keys.create({ name: options.name, roles: [...new Set(options.role)], createdBy: 'cli' }),
      );
      io.out(JSON.stringify({ id: record.id, name: record.name, roles: record.roles, key }));
    });
  apikey
    .command('list')
    .description('list keys (never the keys themselves)')
    .action(async () => {
      const records = await withKeys((keys) => keys.list());
      for (const record of records)
        io.out(
          `${record.id}  ${record.revokedAt ? 'revoked' : 'live   '}  ${record.roles.join(',').padEnd(16)}  ${record.name}`,
        );
    });
  apikey
    .command('revoke')
    .description('revoke a key by id')
    .argument('<id>', 'the key id')
    .action(async (id: string) => {
      if (await withKeys((keys) => keys.revoke(id))) io.out(`revoked ${id}`);
      else {
        io.err(`percolator: no live key ${id}`);
        io.setExitCode(EXIT_FAILED);
      }
    });
}
