// `percolator stack up | down | status`: the local services Percolator runs against, without Docker.
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { stackDown, stackStatus, stackUp } from '../../stack/stack.js';

const say = (line: string): void => console.log(line);

export function registerStackCommand(program: Command): void {
  const stack = program
    .command('stack')
    .summary('start, stop or check the local Kafka, schema registry, Redis and Postgres')
    .description(
      'run the local services: Kafka, the schema registry, Redis and Postgres (see docs/local-stack.md)',
    );

  stack
    .command('up')
    .summary('start what is not running and wait until every service answers')
    .description(
      "start Kafka (KRaft, single node) and Apicurio Registry under .stack/, use the machine's Redis and " +
        'Postgres (installing and starting them only when they do not answer), create the databases (the ' +
        "registry's own, empty for a new .stack/, is named in .stack/apicurio/database), and wait " +
        'until every service answers; a quick no-op when all already do',
    )
    .action(async () => {
      await stackUp(loadConfig(), say);
    });

  stack
    .command('down')
    .summary('stop the Kafka and registry processes the stack started')
    .description(
      'stop the Kafka and registry processes that `stack up` started (SIGTERM, SIGKILL after a bound); ' +
        'keeps their data in .stack/ and never stops the system Redis or Postgres',
    )
    .action(async () => {
      await stackDown(loadConfig(), say);
    });

  stack
    .command('status')
    .summary('one line per service; exit 1 when any is down')
    .description(
      'print one line per service (address, up/down, pid when ours); exit 0 when all answer, 1 otherwise',
    )
    .action(async () => {
      const allUp = await stackStatus(loadConfig(), say);
      if (!allUp) process.exitCode = 1;
    });
}
