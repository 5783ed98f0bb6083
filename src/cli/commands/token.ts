// `percolator token --role ROLE [--sub NAME] [--ttl DUR]`: mints a bearer token with the configured JWT_SECRET.
import { Option, type Command } from 'commander';
import { ROLES, type Role } from '../../api/auth/roles.js';
import { mintToken } from '../../api/auth/tokens.js';
import { loadConfig } from '../../config/config.js';
import { parseDuration } from '../../definition/index.js';
import { EXIT_USAGE, defaultIo, type CliIo } from '../http-client.js';

export function registerTokenCommand(program: Command, io: CliIo = defaultIo): void {
  program
    .command('token')
    .description('mint a bearer token for the admin API, signed with JWT_SECRET (HS256)')
    .addOption(new Option('--role <role>', 'the role the token grants').choices(ROLES).makeOptionMandatory())
    .option('--sub <name>', 'the subject: who the token is for', 'cli')
    .option('--ttl <duration>', 'how long it is valid (e.g. 1h, 30d)', '1h')
    .action(async (options: { role: Role; sub: string; ttl: string }) => {
      const config = loadConfig();
      if (!config.jwtSecret) {
        io.err('percolator: JWT_SECRET is not set; a token cannot be minted');
        io.setExitCode(EXIT_USAGE);
        return;
      }
      const ttl = parseDuration(options.ttl);
      if (!ttl.ok) {
        io.err(`percolator: --ttl ${options.ttl}: ${ttl.reason}`);
        io.setExitCode(EXIT_USAGE);
        return;
      }
      if (ttl.ms / 1000 > config.jwtMaxLifetimeSeconds) {
        // The API would refuse it: say so now rather than at the first call.
        io.err(
          `percolator: --ttl ${options.ttl}: longer than JWT_MAX_LIFETIME (${config.jwtMaxLifetimeSeconds} s)`,
        );
        io.setExitCode(EXIT_USAGE);
        return;
      }
      io.out(
        await mintToken({
          secret: config.jwtSecret,
          issuer: config.jwtIssuer,
          audience: config.jwtAudience,
          subject: options.sub,
          roles: [options.role],
          ttlSeconds: Math.floor(ttl.ms / 1000),
        }),
      );
    });
}
