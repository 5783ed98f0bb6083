// A whole engine on the real services for one test file: its own topic and key prefix, topics, envelope
// schemas, migrations, orchestrator instance(s) and agents, plus helpers to register and run workflows.
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Kafka, Producer } from 'kafkajs';
import { runAgent, type AgentDefinition, type AgentHandle } from '../../src/agents/sdk/index.js';
import type { ExecutionState } from '../../src/core/model.js';
import { TERMINAL_STATUSES } from '../../src/core/model.js';
import { parseDefinition } from '../../src/definition/index.js';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import { createKafka } from '../../src/kafka/client.js';
import { EnvelopeCodec } from '../../src/kafka/schemas.js';
import { createMissingTopics } from '../../src/kafka/topic-admin.js';
import { loadTopicSpecs, topicNames } from '../../src/kafka/topic-specs.js';
import { createLogger } from '../../src/observability/logger.js';
import { ExecutionClient } from '../../src/orchestrator/execution-client.js';
import { Orchestrator } from '../../src/orchestrator/orchestrator.js';
import { ExecutionStore } from '../../src/state/index.js';
import { migrate } from '../../src/store/migrate.js';
import { WorkflowRepository } from '../../src/store/workflow-repository.js';
import { testServices, uniquePrefix } from './services.js';

export interface TestEngineOptions {
  label: string;
  agents: readonly AgentDefinition[];
  orchestrators?: number;
  maxConcurrentWorkflows?: number;
  /** Partitions per topic; few keep topic creation quick. */
  partitions?: number;
}

export class TestEngine {
  readonly logger = createLogger({ level: 'warn', name: 'test-engine' });
  orchestrators: Orchestrator[] = [];
  agents: AgentHandle[] = [];
  client!: ExecutionClient;
  store!: ExecutionStore;
  repository!: WorkflowRepository;
  private producer!: Producer;

  private constructor(
    readonly prefix: string,
    readonly kafka: Kafka,
    readonly codec: EnvelopeCodec,
    readonly redis: Redis,
    readonly pool: pg.Pool,
    readonly options: TestEngineOptions,
  ) {}

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
      extraAgentTypes: this.options.agents.map((agent) => agent.type),
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

  async stop(): Promise<void> {
    await Promise.allSettled(this.agents.map((agent) => agent.stop()));
    await Promise.allSettled(this.orchestrators.map((orchestrator) => orchestrator.stop()));
    await this.producer?.disconnect();
    this.redis.disconnect();
    await this.pool.end();
  }
}
