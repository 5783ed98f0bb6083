// `percolator agents run [TYPE...]` and `percolator agents bridge`: run agents in this process until
// SIGINT or SIGTERM, then stop them gracefully. A type with an agent URL configured
// (SOCIAL_MEDIA_AGENT_URL, ...) is bridged to that URL instead of run built-in.
import { InvalidArgumentError, type Command } from 'commander';
import { agentTypes, configureBuiltinAgents, findAgent, testAgentTypes } from '../../agents/catalog.js';
import { ensureAgentTopics } from '../../agents/agent-topics.js';
import { createHttpBridge } from '../../agents/bridge/index.js';
import { startProbeServer, type ProbeServer } from '../../agents/probe-server.js';
import { runAgent, type AgentDefinition, type AgentHandle } from '../../agents/sdk/index.js';
import { loadConfig, type AgentEndpoints, type PercolatorConfig } from '../../config/config.js';
import { AvroCodec } from '../../kafka/avro-codec.js';
import { createKafka } from '../../kafka/client.js';
import { EnvelopeCodec } from '../../kafka/schemas.js';
import { createPgPool } from '../../clients/pg-pool.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { startTracing } from '../../observability/tracing.js';

interface RunOptions {
  prefix?: string;
  concurrency?: number;
  heartbeatInterval?: number;
  shutdownTimeout?: number;
  probePort?: number;
}

interface AgentsRunOptions extends RunOptions {
  withTestAgents?: boolean;
}

interface BridgeOptions extends RunOptions {
  type: string;
  url: string;
  header: string[];
  requestTimeout?: number;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a positive integer');
  return number;
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('expected an http(s) URL');
  }
  return value;
}

function header(value: string, previous: string[]): string[] {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+:/.test(value)) {
    throw new InvalidArgumentError('expected "Name: value"');
  }
  return [...previous, value];
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
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

/** The catalog's agents apart from the test agents: the four built-in agents. */
function builtinTypes(): string[] {
  const tests = new Set(testAgentTypes());
  return agentTypes().filter((type) => !tests.has(type));
}

/** Agent types bridged to HTTP by configuration. */
function configuredUrls(config: PercolatorConfig): Map<string, string> {
  const urls = new Map<string, string>();
  for (const [type, url] of Object.entries(config.agentUrls) as [
    keyof AgentEndpoints,
    string | undefined,
  ][]) {
    if (url) urls.set(type, url);
  }
  return urls;
}

/** Creates the topics, runs the agents until a signal or a crash, then stops them. */
async function runUntilSignal(
  config: PercolatorConfig,
  logger: Logger,
  options: RunOptions,
  resolve: () => Promise<AgentDefinition[]>,
): Promise<void> {
  const prefix = options.prefix ?? config.topicPrefix;
  // A no-op without OTEL_EXPORTER_OTLP_ENDPOINT; with it, each command's work is a span of its execution's trace.
  const tracing = await startTracing({
    otelExporterOtlpEndpoint: config.otelExporterOtlpEndpoint,
    serviceName: 'percolator-agents',
  });
  try {
    await runAgents(config, logger, options, prefix, resolve);
  } finally {
    await tracing.shutdown();
  }
}

async function runAgents(
  config: PercolatorConfig,
  logger: Logger,
  options: RunOptions,
  prefix: string,
  resolve: () => Promise<AgentDefinition[]>,
): Promise<void> {
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'percolator-agents', logger });
  const definitions = await resolve();
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await ensureAgentTopics(
      admin,
      prefix,
      definitions.map((definition) => definition.type),
    );
    if (created.length > 0) logger.info({ topics: created }, 'created missing topics');
  } finally {
    await admin.disconnect();
  }
  const codec = await EnvelopeCodec.create(AvroCodec.forUrl(config.schemaRegistryUrl));

  const signal = waitForSignal();
  const handles: AgentHandle[] = [];
  let probes: ProbeServer | undefined;
  try {
    if (options.probePort !== undefined) {
      probes = await startProbeServer({
        port: options.probePort,
        kafka,
        kafkaBrokers: config.kafkaBrokers,
        schemaRegistryUrl: config.schemaRegistryUrl,
        logger,
      });
    }
    for (const definition of definitions) {
      handles.push(
        await runAgent(definition, {
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
    await probes?.close();
  }
}

function commonOptions(command: Command): Command {
  return command
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
    .option(
      '--probe-port <port>',
      'serve /health, /ready and /metrics on this port (for Kubernetes probes; default: none)',
      positiveInteger,
    );
}

export function registerAgentsCommand(program: Command): void {
  const agents = program.command('agents').description('Agents that work on commands from Kafka');

  commonOptions(
    agents
      .command('run')
      .description(
        `Run agents in this process until SIGINT/SIGTERM (types: ${builtinTypes().join(', ')}; default ` +
          `all four). The test agents (${testAgentTypes().join(', ')}) run only with --with-test-agents. ` +
          'A type whose agent URL is set (SOCIAL_MEDIA_AGENT_URL, FEEDBACK_ANALYST_AGENT_URL, ' +
          'INVENTORY_AGENT_URL, NOTIFIER_AGENT_URL) is bridged to that URL instead.',
      )
      .argument('[types...]', 'agent types to run')
      .option('--with-test-agents', `also run the test agents (${testAgentTypes().join(', ')})`),
  ).action(async (types: string[], options: AgentsRunOptions) => {
    const config = loadConfig();
    const urls = configuredUrls(config);
    const tests = options.withTestAgents ? testAgentTypes() : [];
    const known = [...new Set([...builtinTypes(), ...tests, ...urls.keys()])].sort();
    const selected = types.length > 0 ? [...new Set(types)] : known;
    const unknown = selected.filter((type) => !known.includes(type));
    if (unknown.length > 0) {
      const hint = unknown.some((type) => testAgentTypes().includes(type))
        ? '; test agents need --with-test-agents'
        : '';
      console.error(
        `percolator: unknown agent type ${unknown.join(', ')} (known: ${known.join(', ')}${hint})`,
      );
      process.exitCode = 2;
      return;
    }
    const logger = createLogger({ level: config.logLevel, name: 'percolator-agents' });
    // allowExitOnIdle: an idle pool does not hold up a stopping process.
    const pool = createPgPool(config.databaseUrl, logger, { max: 8, allowExitOnIdle: true });
    configureBuiltinAgents({ pool, config, logger });
    try {
      await runUntilSignal(config, logger, options, () =>
        Promise.all(
          selected.map(async (type) => {
            const url = urls.get(type);
            if (!url) return findAgent(type)!;
            logger.info({ agentType: type, url }, 'bridging the agent type to HTTP');
            return createHttpBridge({ type, url, logger });
          }),
        ),
      );
    } finally {
      await pool.end();
    }
  });

  commonOptions(
    agents
      .command('bridge')
      .description(
        'Bridge an agent type to a service behind HTTP: each command is POSTed to <url>/actions/<action> ' +
          '(see docs/agent-protocol.md, "Agents behind HTTP")',
      )
      .requiredOption('--type <type>', 'the agent type whose commands are forwarded')
      .requiredOption('--url <url>', "the service's base URL", httpUrl)
      .option('--header <line>', 'a header sent with every request, "Name: value" (repeatable)', header, [])
      .option(
        '--request-timeout <ms>',
        'fail a request (retriably) after this long, even before the deadline',
        positiveInteger,
      ),
  ).action(async (options: BridgeOptions) => {
    const config = loadConfig();
    if (!/^[a-z0-9][a-z0-9-]*$/.test(options.type)) {
      console.error(`percolator: agent type ${options.type}: expected lower-case letters, digits and '-'`);
      process.exitCode = 2;
      return;
    }
    const logger = createLogger({ level: config.logLevel, name: 'percolator-bridge' });
    await runUntilSignal(config, logger, options, async () => [
      await createHttpBridge({
        type: options.type,
        url: options.url,
        headers: parseHeaders(options.header),
        ...(options.requestTimeout ? { requestTimeoutMs: options.requestTimeout } : {}),
        logger,
      }),
    ]);
  });
}
