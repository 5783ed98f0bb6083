// `percolator topics apply | list`: the topics declared in topics/*.yaml, and the cluster brought in line with them.
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { createKafka } from '../../kafka/client.js';
import { applyExitCode, applyTopics, formatApplyResults } from '../../kafka/topic-admin.js';
import { loadTopicSpecs, type ResolvedTopic } from '../../kafka/topic-specs.js';

interface SelectionOptions {
  type: string[];
  prefix?: string;
  replicationFactor?: number;
}

interface ApplyOptions extends SelectionOptions {
  dryRun?: boolean;
  raisePartitions?: boolean;
}

function collectTypes(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((type) => type.trim())
      .filter(Boolean),
  ];
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a positive integer');
  return number;
}

function selection(command: Command): Command {
  return command
    .option(
      '-t, --type <type>',
      'also the command topic of this agent type (repeatable, or comma-separated)',
      collectTypes,
      [],
    )
    .option('--prefix <prefix>', 'topic prefix (default: TOPIC_PREFIX, else "percolator")')
    .option(
      '--replication-factor <n>',
      'replication factor for every topic, instead of the declared one',
      positiveInteger,
    );
}

function resolveSpecs(options: SelectionOptions, topicPrefix: string): ResolvedTopic[] {
  return loadTopicSpecs({
    prefix: options.prefix ?? topicPrefix,
    extraAgentTypes: options.type,
    ...(options.replicationFactor ? { replicationFactor: options.replicationFactor } : {}),
  });
}

export function describeTopic(topic: ResolvedTopic): string {
  const values = topic.values.map((value) => value.slice(value.lastIndexOf('.') + 1)).join(',');
  const config = Object.entries(topic.config).map(([name, value]) => `${name}=${value}`);
  return [
    `partitions=${topic.partitions}`,
    `replication=${topic.replicationFactor}`,
    `key=${topic.key.replaceAll(' ', '_')}`,
    `values=${values}`,
    ...config,
    ...(topic.orchestratorInput ? ['orchestrator-input'] : []),
  ].join(' ');
}

export function registerTopicsCommand(program: Command): void {
  const topics = program
    .command('topics')
    .description('Topics declared in topics/*.yaml: create the missing ones, report drift, list them');

  selection(topics.command('apply'))
    .description(
      'Create missing topics and report drift from the declarations; never deletes, never changes config. ' +
        'Exits 1 when drift remains.',
    )
    .option('--dry-run', 'only report what would be created or raised')
    .option(
      '--raise-partitions',
      'raise partition counts below the declaration (re-hashes keys: stop the orchestrators first)',
    )
    .action(async (options: ApplyOptions) => {
      const config = loadConfig();
      const specs = resolveSpecs(options, config.topicPrefix);
      const admin = createKafka({ brokers: config.kafkaBrokers, clientId: 'percolator-topics' }).admin();
      await admin.connect();
      try {
        const results = await applyTopics(admin, specs, {
          dryRun: options.dryRun ?? false,
          raisePartitions: options.raisePartitions ?? false,
        });
        for (const line of formatApplyResults(results)) console.log(line);
        process.exitCode = applyExitCode(results);
      } finally {
        await admin.disconnect();
      }
    });

  selection(topics.command('list'))
    .description('Print the declared topics with their partitions, key, records and config')
    .option('--json', 'print JSON instead of one line per topic')
    .action((options: SelectionOptions & { json?: boolean }) => {
      const specs = resolveSpecs(options, loadConfig().topicPrefix);
      if (options.json) {
        console.log(JSON.stringify(specs, null, 2));
        return;
      }
      const width = Math.max(...specs.map((spec) => spec.name.length));
      for (const spec of specs) console.log(`${spec.name.padEnd(width)}  ${describeTopic(spec)}`);
    });
}
