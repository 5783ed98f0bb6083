// The `percolator` command line: a composition root that only wires sub-commands together.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/parse.js';
import { registerCommands } from './commands/index.js';

const program = new Command()
  .name('percolator')
  .description('Kafka-native workflow engine for AI agents')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end through exitOverride with exit code 0; usage errors are 2 by convention.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof ConfigError) {
    console.error(error.message);
    return 2;
  }
  console.error(`percolator: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
