// `percolator demo`: the seed's content-creation workflow end to end on the running stack (see
// src/demo/content-creation.ts); `--round-trip` keeps the older, smaller demo of one Avro record.
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, type LogLevel } from '../../config/config.js';
import { avroRoundTrip } from '../../demo/avro-round-trip.js';
import { DemoError, runContentCreationDemo } from '../../demo/content-creation.js';
import { createLogger } from '../../observability/logger.js';

interface DemoOptions {
  roundTrip?: boolean;
  prefix?: string;
  timeout: number;
  logLevel: LogLevel;
}

function positiveSeconds(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a number of seconds');
  return number;
}

function logLevel(value: string): LogLevel {
  const levels: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
  if (!levels.includes(value as LogLevel))
    throw new InvalidArgumentError(`expected one of ${levels.join(', ')}`);
  return value as LogLevel;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the seed\'s "AI-Powered Content Creation" workflow end to end against the running stack: ' +
        'engine and agents in this process, progress live, then the output',
    )
    .option('--round-trip', 'instead, show one Avro record through the schema registry and Kafka')
    .option('--prefix <prefix>', 'topic and key prefix (default: TOPIC_PREFIX, else "percolator")')
    .option('--timeout <seconds>', 'how long the execution may take', positiveSeconds, 120)
    // kafkajs logs the retries of a freshly created topic as errors; the demo reports real failures itself.
    .option('--log-level <level>', "the engine's and agents' log level, to stderr", logLevel, 'fatal')
    .action(async (options: DemoOptions) => {
      const loaded = loadConfig();
      const config = options.prefix ? { ...loaded, topicPrefix: options.prefix } : loaded;
      if (options.roundTrip) {
        console.log('Percolator demo: an Avro-typed record through the schema registry and Kafka\n');
        await avroRoundTrip(config, (line) => console.log(`  ${line}`));
        console.log('\nround trip complete');
        return;
      }
      const write = (text: string) => void process.stdout.write(text);
      write('Percolator demo: the seed\'s "AI-Powered Content Creation" workflow, end to end\n\n');
      const interrupt = new AbortController();
      const onSignal = () => interrupt.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const result = await runContentCreationDemo({
          config,
          write,
          tty: process.stdout.isTTY === true,
          logger: createLogger({ level: options.logLevel, name: 'percolator-demo' }, process.stderr),
          timeoutMs: options.timeout * 1000,
          signal: interrupt.signal,
        });
        if (result.status === 'completed') {
          write('\nDemo complete: agents and engine stopped.\n');
        } else {
          const error = result.error;
          console.error(
            `percolator demo: the execution ended ${result.status}` +
              (error ? ` (${error.stepId ? `${error.stepId}: ` : ''}${error.code} ${error.message})` : ''),
          );
          process.exitCode = 1;
        }
      } catch (error) {
        if (!(error instanceof DemoError)) throw error;
        console.error(`percolator demo: ${error.message}`);
        process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
