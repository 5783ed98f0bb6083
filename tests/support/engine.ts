// A whole engine on the real services for one test file: its own topic and key prefix, topics, envelope
// schemas, migrations, orchestrator instance(s) and agents, plus helpers to register and run workflows.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { runAgent, type AgentDefinition, type AgentHandle } from '../../src/agents/sdk/index.js';
import type { ExecutionEvent as CoreEvent, ExecutionState } from '../../src/core/model.js';
import { TERMINAL_STATUSES } from '../../src/core/model.js';
import { parseDefinition } from '../../src/definition/index.js';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import type { DecodedEnvelope, ExecutionEvent } from '../../src/kafka/envelopes.js';
import { createKafka } from '../../src/kafka/client.js';
import { EnvelopeCodec } from '../../src/kafka/schemas.js';
import { createMissingTopics } from '../../src/kafka/topic-admin.js';
import { loadTopicSpecs, topicNames } from '../../src/kafka/topic-specs.js';
import type { LogLevel } from '../../src/config/config.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { ExecutionClient } from '../../src/orchestrator/execution-client.js';
import { Orchestrator } from '../../src/orchestrator/orchestrator.js';
import { ExecutionStore } from '../../src/state/index.js';
import { HistorySink } from '../../src/store/history-sink.js';
import { migrate } from '../../src/store/migrate.js';
import { WorkflowRepository } from '../../src/store/workflow-repository.js';
import { testServices, uniquePrefix } from './services.js';

export interface TestEngineOptions {
  label: string;
  agents: readonly AgentDefinition[];
  orchestrators?: number;
  maxConcurrentWorkflows?: number;
  /** Agent types with command topics but no SDK agent here (e.g. an agent written without Percolator). */
  extraAgentTypes?: readonly string[];
  /** Partitions per topic; few keep topic creation quick. */
  partitions?: number;
  /** `warn` by default; a test that breaks the broker on purpose quiets the expected errors. */
  logLevel?: LogLevel;
}

/** One record read back from a topic: decoded when it could be, raw otherwise. */
export interface TappedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  envelope?: DecodedEnvelope;
}

/** Reads a topic from its beginning in a group of its own, keeping every record for assertions. */
export class TopicTap {
  readonly records: TappedRecord[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async open(kafka: Kafka, codec: EnvelopeCodec, topic: string, prefix: string): Promise<TopicTap> {
    const consumer = kafka.consumer({ groupId: `${prefix}.tap.${randomUUID()}`, maxWaitTimeInMs: 100 });
    const tap = new TopicTap(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic: from, partition, message }) => {
        let envelope: DecodedEnvelope | undefined;
        try {
          envelope = await codec.decode(message.value);
        } catch {
          envelope = undefined;
        }
        tap.records.push({
          topic: from,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value,
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          ),
          ...(envelope ? { envelope } : {}),
        });
      },
    });
    return tap;
  }

  /** Polls the records read so far until `until` returns a value other than undefined. */
  async waitFor<T>(
    until: (records: readonly TappedRecord[]) => T | undefined,
    timeoutMs = 30_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = until(this.records);
      if (found !== undefined) return found;
      if (Date.now() > deadline)
        throw new Error(
          `topic tap: condition not met within ${timeoutMs} ms (${this.records.length} records)`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** A lifecycle event as read from the events topic, with its data parsed back. */
export interface ReadEvent {
  seq: number;
  type: ExecutionEvent['type'];
  stepId: string | null;
  attempt: number | null;
  status: ExecutionEvent['status'];
  /** When it happened: the timestamp of the input that caused it. */
  timestamp: number;
  data: Partial<CoreEvent> & Record<string, unknown>;
}

export class TestEngine {
  readonly logger: Logger;
  orchestrators: Orchestrator[] = [];
  agents: AgentHandle[] = [];
  client!: ExecutionClient;
  store!: ExecutionStore;
  repository!: WorkflowRepository;
  private producer!: Producer;
  private readonly taps: TopicTap[] = [];
  private readonly sinks: HistorySink[] = [];
  private eventsTap?: Promise<TopicTap>;

  private constructor(
    readonly prefix: string,
    readonly kafka: Kafka,
    readonly codec: EnvelopeCodec,
    readonly redis: Redis,
    readonly pool: pg.Pool,
    readonly options: TestEngineOptions,
  ) {
    this.logger = createLogger({ level: options.logLevel ?? 'warn', name: 'test-engine' });
  }

  static async start(options: TestEngineOptions): Promise<TestEngine> {
    const services = testServices();
    const prefix = uniquePrefix(options.label);
    const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: prefix });
    const codec = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl));
    const engine = new TestEngine(
      prefix,
      kafka,
      codec,
      new Redis(services.redisUrl),
      new pg.Pool({ connectionString: services.databaseUrl, max: 4 }),
      options,
    );
    await engine.boot();
    return engine;
  }

  private async boot(): Promise<void> {
    await migrate({ databaseUrl: testServices().databaseUrl });
    const admin = this.kafka.admin();
    await admin.connect();
    const partitions = this.options.partitions ?? 4;
    const specs = loadTopicSpecs({
      prefix: this.prefix,
      extraAgentTypes: [
        ...this.options.agents.map((agent) => agent.type),
        ...(this.options.extraAgentTypes ?? []),
      ],
    });
    await createMissingTopics(
      admin,
      specs.map((spec) => ({ ...spec, partitions: Math.min(spec.partitions, partitions) })),
    );
    await admin.disconnect();
    this.repository = new WorkflowRepository(this.pool);
    this.store = new ExecutionStore({ redis: this.redis, keyPrefix: this.prefix });
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.client = new ExecutionClient(this.producer, this.codec, topicNames(this.prefix));
    for (let index = 0; index < (this.options.orchestrators ?? 1); index++) await this.addOrchestrator();
    for (const agent of this.options.agents) {
      this.agents.push(
        await runAgent(agent, {
          kafka: this.kafka,
          codec: this.codec,
          topicPrefix: this.prefix,
          logger: this.logger,
        }),
      );
    }
  }

  async addOrchestrator(): Promise<Orchestrator> {
    const orchestrator = new Orchestrator({
      kafka: this.kafka,
      redis: this.redis,
      codec: this.codec,
      repository: this.repository,
      logger: this.logger,
      topicPrefix: this.prefix,
      maxConcurrentWorkflows: this.options.maxConcurrentWorkflows ?? 10_000,
      sweepIntervalMs: 1000,
    });
    await orchestrator.start();
    this.orchestrators.push(orchestrator);
    return orchestrator;
  }

  /** Registers a definition under a name unique to this engine; returns that name. */
  async register(definition: { workflow: Record<string, unknown> }): Promise<string> {
    const name = `${this.prefix}.${String(definition.workflow.name ?? 'workflow')}`;
    const named = { workflow: { ...definition.workflow, name } };
    const { definition: parsed, problems } = parseDefinition(named);
    if (!parsed)
      throw new Error(`invalid test workflow: ${problems.map((problem) => problem.message).join('; ')}`);
    await this.repository.saveVersion({ name, definition: named });
    return name;
  }

  async run(workflowName: string, input: unknown): Promise<string> {
    const [id] = await this.client.start([{ workflowName, input }]);
    return id!;
  }

  /** The states of many executions in one round trip, in the order asked (null where there is none yet). */
  async states(executionIds: readonly string[]): Promise<(ExecutionState | null)[]> {
    const stored = await this.store.loadMany(executionIds);
    return executionIds.map((id) => {
      const entry = stored.get(id);
      return entry ? (JSON.parse(entry.state) as ExecutionState) : null;
    });
  }

  async state(executionId: string): Promise<ExecutionState | null> {
    const stored = await this.store.load(executionId);
    return stored ? (JSON.parse(stored.state) as ExecutionState) : null;
  }

  /** Polls the execution's state until it ends (or `until` holds); fails with the last state seen. */
  async waitFor(
    executionId: string,
    until: (state: ExecutionState) => boolean = (state) => TERMINAL_STATUSES.has(state.status),
    timeoutMs = 30_000,
  ): Promise<ExecutionState> {
    const deadline = Date.now() + timeoutMs;
    let last: ExecutionState | null = null;
    while (Date.now() < deadline) {
      last = await this.state(executionId);
      if (last && until(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `execution ${executionId} did not get there within ${timeoutMs} ms; last state: ${JSON.stringify(last)}`,
    );
  }

  /** Starts reading `topic` from its beginning; the tap is closed by stop(). */
  async tap(topic: string): Promise<TopicTap> {
    const tap = await TopicTap.open(this.kafka, this.codec, topic, this.prefix);
    this.taps.push(tap);
    return tap;
  }

  /** The lifecycle events of one execution read so far, in seq order (one shared tap per engine). */
  async events(executionId: string): Promise<ReadEvent[]> {
    this.eventsTap ??= this.tap(topicNames(this.prefix).executionEvents);
    const tap = await this.eventsTap;
    // The topic is at-least-once: a re-published outbox repeats events with the same id, which every reader
    // (the history sink, /ws clients) drops, and so does this one.
    const byId = new Map<string, ExecutionEvent>();
    for (const record of tap.records) {
      if (record.envelope?.name !== 'ExecutionEvent') continue;
      const event = record.envelope.value;
      if (event.execution_id === executionId && !byId.has(event.event_id)) byId.set(event.event_id, event);
    }
    return [...byId.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((event) => ({
        seq: event.seq,
        type: event.type,
        stepId: event.step_id ?? null,
        attempt: event.attempt ?? null,
        status: event.status,
        timestamp: event.timestamp,
        data: JSON.parse(event.data_json) as ReadEvent['data'],
      }));
  }

  /** Waits until the execution's events on the topic satisfy `until` (e.g. up to its final event). */
  async waitForEvents(
    executionId: string,
    until: (events: readonly ReadEvent[]) => boolean,
    timeoutMs = 30_000,
  ): Promise<ReadEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const events = await this.events(executionId);
      if (until(events)) return events;
      if (Date.now() > deadline)
        throw new Error(
          `events of ${executionId} not there within ${timeoutMs} ms: ${events.map((event) => event.type).join(', ')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Produces records to a topic and waits until the orchestrators' group has committed past all of them,
   * i.e. until they were routed (or refused, or dead-lettered): a barrier for inputs that change nothing.
   */
  async produceAndAwaitConsumed(
    topic: string,
    messages: readonly { key: string; value: Buffer }[],
    timeoutMs = 30_000,
  ): Promise<{ partition: number; offset: string }[]> {
    // One record per send, so each send's base offset is that record's offset.
    const positions: { partition: number; offset: string }[] = [];
    const last = new Map<number, bigint>();
    for (const message of messages) {
      const [metadata] = await this.producer.send({ topic, acks: -1, messages: [message] });
      const offset = BigInt(metadata!.baseOffset ?? '0');
      positions.push({ partition: metadata!.partition, offset: offset.toString() });
      if (offset > (last.get(metadata!.partition) ?? -1n)) last.set(metadata!.partition, offset);
    }
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [committed] = await admin.fetchOffsets({
          groupId: `${this.prefix}.orchestrator`,
          topics: [topic],
        });
        const done = [...last].every(([partition, offset]) => {
          const entry = committed?.partitions.find((candidate) => candidate.partition === partition);
          return entry !== undefined && BigInt(entry.offset) > offset;
        });
        if (done) return positions;
        if (Date.now() > deadline)
          throw new Error(`the orchestrators did not consume ${topic} past ${[...last].join(' ')} in time`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** A raw producer for tests that write records themselves (duplicates, poison). */
  get rawProducer(): Producer {
    return this.producer;
  }

  /** The history sink on this engine's events topic, as `percolator serve --role history` runs it; stopped with the engine. */
  async startHistorySink(): Promise<HistorySink> {
    const sink = new HistorySink({
      kafka: this.kafka,
      codec: this.codec,
      pool: this.pool,
      topicPrefix: this.prefix,
      logger: this.logger,
    });
    await sink.start();
    this.sinks.push(sink);
    return sink;
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.sinks.map((sink) => sink.stop()));
    await Promise.allSettled(this.taps.map((tap) => tap.close()));
    await Promise.allSettled(this.agents.map((agent) => agent.stop()));
    await Promise.allSettled(this.orchestrators.map((orchestrator) => orchestrator.stop()));
    await this.producer?.disconnect();
    this.redis.disconnect();
    await this.pool.end();
  }
}
