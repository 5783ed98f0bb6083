// `percolator agents run [TYPE...]`: runs agents from the catalog in this process until SIGINT or
// SIGTERM, then stops them gracefully.
import { InvalidArgumentError, type Command } from 'commander';
import { agentTypes, findAgent } from '../../agents/catalog.js';
import { ensureAgentTopics } from '../../agents/agent-topics.js';
import { runAgent, type AgentHandle } from '../../agents/sdk/index.js';
import { loadConfig } from '../../config/config.js';
import { AvroCodec } from '../../kafka/avro-codec.js';
import { createKafka } from '../../kafka/client.js';
import { EnvelopeCodec } from '../../kafka/schemas.js';
import { createLogger } from '../../observability/logger.js';

interface RunOptions {
  prefix?: string;
  concurrency?: number;
  heartbeatInterval?: number;
  shutdownTimeout?: number;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a positive integer');
  return number;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export function registerAgentsCommand(program: Command): void {
  const agents = program.command('agents').description('Agents that work on commands from Kafka');

  agents
    .command('run')
    .description(
      `Run agents in this process until SIGINT/SIGTERM (types: ${agentTypes().join(', ')}; default all)`,
    )
    .argument('[types...]', 'agent types to run')
    .option('--prefix <prefix>', 'topic prefix (default: TOPIC_PREFIX, else "percolator")')
    .option(
      '--concurrency <n>',
      "commands each agent works on at once (default: the agent's own)",
      positiveInteger,
    )
    .option('--heartbeat-interval <ms>', 'milliseconds between heartbeats', positiveInteger)
    .option(
      '--shutdown-timeout <ms>',
      'how long running commands may take to finish on stop',
      positiveInteger,
    )
    .action(async (types: string[], options: RunOptions) => {
      const config = loadConfig();
      const selected = types.length > 0 ? [...new Set(types)] : agentTypes();
      const unknown = selected.filter((type) => !findAgent(type));
      if (unknown.length > 0) {
        console.error(
          `percolator: unknown agent type ${unknown.join(', ')} (known: ${agentTypes().join(', ')})`,
        );
        process.exitCode = 2;
        return;
      }
      const prefix = options.prefix ?? config.topicPrefix;
      const logger = createLogger({ level: config.logLevel, name: 'percolator-agents' });
      const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'percolator-agents', logger });

      const admin = kafka.admin();
      await admin.connect();
      try {
        const created = await ensureAgentTopics(admin, prefix, selected);
        if (created.length > 0) logger.info({ topics: created }, 'created missing topics');
      } finally {
        await admin.disconnect();
      }
      const codec = await EnvelopeCodec.create(AvroCodec.forUrl(config.schemaRegistryUrl));

      const signal = waitForSignal();
      const handles: AgentHandle[] = [];
      try {
        for (const type of selected) {
          handles.push(
            await runAgent(findAgent(type)!, {
              kafka,
              codec,
              topicPrefix: prefix,
              logger,
              ...(options.concurrency ? { concurrency: options.concurrency } : {}),
              ...(options.heartbeatInterval ? { heartbeatIntervalMs: options.heartbeatInterval } : {}),
              ...(options.shutdownTimeout ? { shutdownTimeoutMs: options.shutdownTimeout } : {}),
            }),
          );
        }
        const crashed = Promise.race(handles.map((handle) => handle.stopped.then(() => 'crashed' as const)));
        const reason = await Promise.race([signal, crashed]);
        logger.info({ reason }, 'stopping agents');
      } finally {
        await Promise.allSettled(handles.map((handle) => handle.stop()));
      }
    });
}
