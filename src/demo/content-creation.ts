// `percolator demo`: the seed's "AI-Powered Content Creation" workflow end to end on the running stack.
// It checks the services, starts an orchestrator in this process (migrations and topics included), starts
// the seed's agents, registers the workflow, runs it with a fresh brand id while printing its lifecycle
// events as they arrive, prints the output and stops everything.
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { parse as parseYaml } from 'yaml';
import { ensureAgentTopics } from '../agents/agent-topics.js';
import { createHttpBridge } from '../agents/bridge/index.js';
import { configureBuiltinAgents, findAgent } from '../agents/catalog.js';
import { createPgPool } from '../clients/pg-pool.js';
import { createRedisClient } from '../clients/redis-client.js';
import { runAgent, type AgentDefinition, type AgentHandle } from '../agents/sdk/index.js';
import { startEngine, type RunningEngine } from '../engine.js';
import { withRetry } from '../errors.js';
import type { AgentEndpoints, PercolatorConfig } from '../config/config.js';
import type { ExecutionState } from '../core/model.js';
import { parseDefinition, staticAgentCatalog } from '../definition/index.js';
import { AvroCodec } from '../kafka/avro-codec.js';
import { createKafka } from '../kafka/client.js';
import { EnvelopeCodec } from '../kafka/schemas.js';
import { topicNames } from '../kafka/topic-specs.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { ExecutionClient } from '../orchestrator/execution-client.js';
import { formatHostPort, stackEndpoints } from '../stack/endpoints.js';
import { probeKafka, probePostgres, probeRedis } from '../stack/probes.js';
import { ExecutionStore } from '../state/index.js';
import { WorkflowRepository } from '../store/workflow-repository.js';
import { formatJson } from './format-json.js';
import { ProgressPrinter, type ProgressEvent, type StepInfo } from './progress.js';
import { SEED_AGENT_TYPES, SEED_WORKFLOW_NAME, SEED_WORKFLOW_YAML } from './seed-workflow.js';
import { standInAgent } from './stand-in-agents.js';

export interface ContentCreationDemoOptions {
  config: PercolatorConfig;
  write: (text: string) => void;
  /** Draw a spinner while steps run (a terminal). Default false. */
  tty?: boolean;
  /** The engine's and agents' logger; default: fatal errors only, to stderr. */
  logger?: Logger;
  /** How long the execution may take. Default 120 000 ms. */
  timeoutMs?: number;
  /** Default: a random brand id and the topic "New Product Launch". */
  input?: Record<string, unknown>;
  /** Aborting stops the demo (cleanly) and fails it. */
  signal?: AbortSignal;
}

export type AgentSource = 'built-in' | 'stand-in' | 'http' | 'missing';

export interface DemoResult {
  executionId: string;
  workflowName: string;
  workflowVersion: number;
  status: ExecutionState['status'];
  output: unknown;
  error?: ExecutionState['error'];
  steps: Record<string, string>;
  agents: { type: string; source: AgentSource }[];
}

/** A failure the user can act on; its message is printed as it is. */
export class DemoError extends Error {
  override readonly name = 'DemoError';
}

const URL_VARIABLES: Record<keyof AgentEndpoints, string> = {
  'social-media-content': 'SOCIAL_MEDIA_AGENT_URL',
  'feedback-analyst': 'FEEDBACK_ANALYST_AGENT_URL',
  inventory: 'INVENTORY_AGENT_URL',
  notifier: 'NOTIFIER_AGENT_URL',
};

/** Every service the demo needs, asked at once; throws a DemoError naming those that do not answer. */
async function checkServices(config: PercolatorConfig): Promise<string> {
  const endpoints = stackEndpoints(config);
  const registry = async () => {
    try {
      const response = await fetch(`${endpoints.registryApiUrl}/subjects`, {
        signal: AbortSignal.timeout(3_000),
      });
      await response.body?.cancel();
      return response.ok ? { up: true } : { up: false, detail: `answered ${response.status}` };
    } catch (error) {
      return { up: false, detail: (error as Error).message };
    }
  };
  const checks = [
    { name: 'Kafka', where: formatHostPort(endpoints.kafka), probe: probeKafka(endpoints.kafka) },
    { name: 'schema registry', where: endpoints.registryApiUrl, probe: registry() },
    { name: 'Redis', where: formatHostPort(endpoints.redis), probe: probeRedis(endpoints.redis) },
    {
      name: 'Postgres',
      where: `${formatHostPort(endpoints.postgres)}/${endpoints.postgres.database}`,
      probe: probePostgres(endpoints.postgres),
    },
  ];
  const results = await Promise.all(checks.map(async (check) => ({ ...check, result: await check.probe })));
  const down = results.filter((check) => !check.result.up);
  if (down.length > 0) {
    throw new DemoError(
      `${down.map((check) => `${check.name} at ${check.where} does not answer (${check.result.detail ?? 'down'})`).join('\n')}\n` +
        'Start the local stack with `make stack` (or `percolator stack up`), or point the environment at running services.',
    );
  }
  return results.map((check) => `${check.name} ${check.where}`).join(' · ');
}

/** The seed agents to run: bridged when a URL is configured, else built in, else a stand-in. */
async function resolveAgents(
  config: PercolatorConfig,
  logger: Logger,
): Promise<{ type: string; source: AgentSource; definition?: AgentDefinition }[]> {
  return Promise.all(
    SEED_AGENT_TYPES.map(async (type) => {
      const url = config.agentUrls[type];
      if (url)
        return { type, source: 'http' as const, definition: await createHttpBridge({ type, url, logger }) };
      const builtIn = findAgent(type);
      if (builtIn) return { type, source: 'built-in' as const, definition: builtIn };
      const standIn = standInAgent(type);
      if (standIn) return { type, source: 'stand-in' as const, definition: standIn };
      return { type, source: 'missing' as const };
    }),
  );
}

function describeAgent(agent: { type: string; source: AgentSource; definition?: AgentDefinition }): string {
  if (!agent.definition) return `${agent.type} (not available yet: skipped)`;
  const actions = [...agent.definition.actions.keys()];
  const listed = actions.length > 4 ? [...actions.slice(0, 3), '…'] : actions;
  const source =
    agent.source === 'http'
      ? ` via HTTP (${URL_VARIABLES[agent.type as keyof AgentEndpoints]})`
      : agent.source === 'stand-in'
        ? ' (stand-in)'
        : '';
  return `${agent.type} ${agent.definition.version}${source}${listed.length > 0 ? `: ${listed.join(', ')}` : ''}`;
}

/** Follows the lifecycle events of one execution, from the topic's current end. */
class EventFollower {
  private constructor(
    private readonly consumer: Consumer,
    readonly done: Promise<void>,
  ) {}

  static async start(
    kafka: Kafka,
    topic: string,
    prefix: string,
    codec: EnvelopeCodec,
    executionId: string,
    onEvent: (event: ProgressEvent) => boolean,
  ): Promise<EventFollower> {
    const ends = await topicEnds(kafka, topic);
    const consumer = kafka.consumer({ groupId: `${prefix}.demo.${randomUUID()}`, maxWaitTimeInMs: 100 });
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (message.key?.toString('utf8') !== executionId || !message.value) return;
        const decoded = await codec.decode(message.value);
        if (decoded.name !== 'ExecutionEvent') return;
        const event = decoded.value;
        const ended = onEvent({
          type: event.type,
          stepId: event.step_id ?? null,
          attempt: event.attempt ?? null,
          timestamp: event.timestamp,
          data: JSON.parse(event.data_json) as Record<string, unknown>,
        });
        if (ended) finished();
      },
    });
    await joined;
    // Everything before the current end belongs to other executions: skip it.
    for (const { partition, offset } of ends) consumer.seek({ topic, partition, offset });
    return new EventFollower(consumer, done);
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

/**
 * The end offset of every partition. Topics the engine has just created may not have their leaders known
 * to every broker connection yet, which Kafka reports as a retriable error: ask again for a while.
 */
async function topicEnds(kafka: Kafka, topic: string): Promise<{ partition: number; offset: string }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await withRetry(() => admin.fetchTopicOffsets(topic), {
      attempts: 30,
      initialDelayMs: 250,
      maxDelayMs: 1000,
    });
    return offsets.map(({ partition, high }) => ({ partition, offset: high }));
  } finally {
    await admin.disconnect();
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      const fail = () => reject(new DemoError('interrupted'));
      if (signal.aborted) fail();
      else signal.addEventListener('abort', fail, { once: true });
    }),
  ]);
}

export async function runContentCreationDemo(options: ContentCreationDemoOptions): Promise<DemoResult> {
  const { config, write } = options;
  const say = (label: string, text: string) => write(`  ${label.padEnd(10)} ${text}\n`);
  const logger = options.logger ?? createLogger({ level: 'fatal', name: 'percolator-demo' }, process.stderr);
  const prefix = config.topicPrefix;
  const topics = topicNames(prefix);
  const timeoutMs = options.timeoutMs ?? 120_000;

  say('services', await abortable(checkServices(config), options.signal));

  const cleanups: (() => Promise<unknown>)[] = [];
  let printer: ProgressPrinter | undefined;
  try {
    const engine: RunningEngine = await abortable(
      startEngine(config, 'orchestrator', logger),
      options.signal,
    );
    cleanups.push(() => engine.stop());
    say('engine', `migrations applied, topics ready, orchestrator running (topic prefix "${prefix}")`);

    const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'percolator-demo', logger });
    const codec = await EnvelopeCodec.create(AvroCodec.forUrl(config.schemaRegistryUrl));
    const pool = createPgPool(config.databaseUrl, logger, { max: 4 });
    cleanups.push(() => pool.end());
    // The built-in agents use this process's pool and configuration rather than building their own.
    configureBuiltinAgents({ pool, config, logger });
    const agents = await resolveAgents(config, logger);
    const admin = kafka.admin();
    await admin.connect();
    await ensureAgentTopics(
      admin,
      prefix,
      agents.map((agent) => agent.type),
    ).finally(() => admin.disconnect());
    const handles: AgentHandle[] = [];
    cleanups.push(() => Promise.allSettled(handles.map((handle) => handle.stop())));
    for (const agent of agents) {
      if (!agent.definition) continue;
      handles.push(
        await runAgent(agent.definition, {
          kafka,
          codec,
          topicPrefix: prefix,
          logger,
          shutdownTimeoutMs: 5_000,
        }),
      );
    }
    agents.forEach((agent, index) => say(index === 0 ? 'agents' : '', describeAgent(agent)));

    // Register the seed's definition; the same text again is the same version, so re-runs add nothing.
    const running = new Map(
      agents.flatMap((agent) => (agent.definition ? [[agent.type, agent.definition]] : [])),
    );
    const catalog = staticAgentCatalog(
      Object.fromEntries([...running].map(([type, definition]) => [type, [...definition.actions.keys()]])),
    );
    const { definition, problems } = parseDefinition(SEED_WORKFLOW_YAML, { agentCatalog: catalog });
    if (!definition) {
      throw new DemoError(
        `the seed workflow does not validate:\n${problems.map((problem) => `  ${problem.message}`).join('\n')}`,
      );
    }
    const missing = definition.steps.filter((step) => step.agent_type && !running.has(step.agent_type));
    if (missing.length > 0) {
      throw new DemoError(
        `no agent for ${[...new Set(missing.map((step) => step.agent_type))].join(', ')}, which the workflow needs`,
      );
    }
    const saved = await new WorkflowRepository(pool).saveVersion({
      name: definition.name,
      description: 'The seed example: validate, generate, quality gate, optimise',
      definition: parseYaml(SEED_WORKFLOW_YAML) as unknown,
      source: SEED_WORKFLOW_YAML,
      author: 'percolator demo',
    });
    say(
      'workflow',
      `"${saved.name}" version ${saved.version} (${saved.created ? 'registered' : 'unchanged since an earlier run'})`,
    );

    const steps = new Map<string, StepInfo>(
      definition.steps.map((step) => [
        step.id,
        {
          type: step.type,
          ...(step.agent_type ? { agentType: step.agent_type } : {}),
          ...(step.action ? { action: step.action } : {}),
        },
      ]),
    );
    const executionId = randomUUID();
    const input = options.input ?? { brand_id: randomUUID(), content_topic: 'New Product Launch' };
    printer = new ProgressPrinter({ write, tty: options.tty ?? false, steps });
    const follower = await EventFollower.start(
      kafka,
      topics.executionEvents,
      prefix,
      codec,
      executionId,
      (event) => printer!.event(event),
    );
    cleanups.push(() => follower.stop());

    const redis = createRedisClient(config.redisUrl, logger);
    cleanups.push(async () => redis.disconnect());
    const store = new ExecutionStore({ redis, keyPrefix: prefix });
    const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    say('execution', `${executionId}`);
    say('input', JSON.stringify(input));
    write('\n');
    await new ExecutionClient(producer, codec, topics).start([
      { workflowName: SEED_WORKFLOW_NAME, input, executionId, trigger: { type: 'API' } },
    ]);

    const state = await abortable(waitForEnd(store, executionId, follower.done, timeoutMs), options.signal);
    printer.stop();
    write('\n');
    const result: DemoResult = {
      executionId,
      workflowName: saved.name,
      workflowVersion: saved.version,
      status: state.status,
      output: state.output ?? null,
      ...(state.error ? { error: state.error } : {}),
      steps: Object.fromEntries(Object.entries(state.steps).map(([id, step]) => [id, step.status])),
      agents: agents.map(({ type, source }) => ({ type, source })),
    };
    if (state.status === 'completed') {
      const margin = ' '.repeat(13);
      say('output', formatJson(state.output ?? null, 110, margin, margin.length).trimStart());
    }
    return result;
  } finally {
    printer?.stop();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/**
 * Waits for the execution to end: its final event (the printer has shown it by then), or else the state
 * in Redis, which is read every second in case the events are slow to arrive.
 */
async function waitForEnd(
  store: ExecutionStore,
  executionId: string,
  finalEvent: Promise<void>,
  timeoutMs: number,
): Promise<ExecutionState> {
  const deadline = Date.now() + timeoutMs;
  let eventSeen = false;
  void finalEvent.then(() => (eventSeen = true));
  let endedAt: number | undefined;
  let last: ExecutionState | null = null;
  for (;;) {
    const stored = await store.load(executionId);
    last = stored ? (JSON.parse(stored.state) as ExecutionState) : null;
    const ended = last !== null && ['completed', 'failed', 'cancelled', 'timed_out'].includes(last.status);
    if (ended) {
      endedAt ??= Date.now();
      // Give the final event a moment to be printed, so the lines end with the outcome.
      if (eventSeen || Date.now() - endedAt > 3_000) return last!;
    }
    if (Date.now() > deadline) {
      const runningSteps = last
        ? Object.entries(last.steps)
            .filter(([, step]) => step.status === 'running')
            .map(([id]) => id)
        : [];
      throw new DemoError(
        `the execution did not finish within ${Math.round(timeoutMs / 1000)} s ` +
          `(${last ? `status ${last.status}${runningSteps.length ? `, running: ${runningSteps.join(', ')}` : ''}` : 'the orchestrator never picked it up'})`,
      );
    }
    const pause = new Promise((resolve) => setTimeout(resolve, eventSeen ? 50 : 250));
    await (eventSeen ? pause : Promise.race([finalEvent, pause]));
  }
}
