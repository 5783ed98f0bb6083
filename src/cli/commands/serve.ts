import { Option, type Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { createLogger } from '../../observability/logger.js';
import { ROLES, startEngine, type Role } from '../../engine.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the engine: the admin API and/or an orchestrator (any number of instances may run)')
    .addOption(new Option('--role <role>', 'what this process does').choices(ROLES).default('all'))
    .action(async (options: { role: Role }) => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel });
      const engine = await startEngine(config, options.role, logger);
      logger.info({ role: options.role }, 'percolator serving; SIGTERM or SIGINT stops it');
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      logger.info('stopping');
      await engine.stop();
    });
}
