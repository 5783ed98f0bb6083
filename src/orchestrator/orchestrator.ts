// The orchestrator role: a stateless member of one consumer group over the input topics. Per batch it decodes,
// dead-letters what can never be processed, hands the rest to the BatchProcessor and commits only after the
// batch's outboxes are published. Alongside: a timer pump that turns due Redis timers into TimerFired records,
// and a sweeper that re-publishes outboxes and re-admitted starts a crash left behind.
import { isRetriable } from '../errors.js';
import type { Admin, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { sendInBatches } from '../kafka/send-batches.js';
import type { Redis } from 'ioredis';
import type { Rejection } from '../kafka/dead-letters.js';
import { ConsumerRunner, type RunnerBatch } from '../kafka/consumer-runner.js';
import type { DecodedEnvelope } from '../kafka/envelopes.js';
import type { EnvelopeCodec } from '../kafka/schemas.js';
import { topicNames, type TopicNames } from '../kafka/topic-specs.js';
import type { Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { partitionLag } from '../kafka/consumer-lag.js';
import { Admission, ExecutionStore, TimerStore, WaitIndex } from '../state/index.js';
import type { WorkflowRepository } from '../store/workflow-repository.js';
import { coPartitionedAssigner } from './co-partitioned-assigner.js';
import { EffectEncoder } from './effects.js';
import { toOrchestratorInput, type OrchestratorInput } from './inputs.js';
import { KnownTopics } from './known-topics.js';
import { OutboxPublisher } from './outbox-publisher.js';
import { BatchProcessor, type Rejected } from './processor.js';
import { WorkflowGraphs } from './workflow-graphs.js';
import type { ExecutionRepository } from '../store/execution-repository.js';
import { wireRecovery, type RecoveryWiring } from '../recovery/wire-recovery.js';
import type { ParkedStartRepository } from '../store/parked-start-repository.js';

export interface OrchestratorOptions {
  kafka: Kafka;
  redis: Redis;
  codec: EnvelopeCodec;
  repository: WorkflowRepository;
  logger: Logger;
  topicPrefix: string;
  /** Prefix of Redis keys; defaults to the topic prefix. */
  keyPrefix?: string;
  maxConcurrentWorkflows: number;
  /** How often due timers are looked for. */
  timerPollMs?: number;
  sweepIntervalMs?: number;
  /** kafkajs: how soon a dead instance's partitions move to the others. */
  sessionTimeoutMs?: number;
  /** The process's metrics (shared with /metrics); a private set when absent. */
  metrics?: Metrics;
  /**
   * Rebuilding state Redis lost from the Postgres history (src/recovery). Without it a lost state stays lost.
   * `historyGroupId` is the history sink's consumer group (default `<prefix>.history`).
   */
  recovery?: {
    executions: ExecutionRepository;
    /** Keeps parked starts durable (restored after a Redis loss). */
    parkedStarts?: ParkedStartRepository;
    historyGroupId?: string;
    checkIntervalMs?: number;
  };
}

export class Orchestrator {
  readonly topics: TopicNames;
  readonly store: ExecutionStore;
  readonly timers: TimerStore;
  readonly admission: Admission;
  readonly metrics: Metrics;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly runner: ConsumerRunner;
  private readonly publisher: OutboxPublisher;
  private readonly processor: BatchProcessor;
  private readonly groupId: string;
  private readonly loops: Promise<void>[] = [];
  private readonly recovery?: RecoveryWiring;
  private running = false;

  constructor(private readonly options: OrchestratorOptions) {
    const keyPrefix = options.keyPrefix ?? options.topicPrefix;
    this.metrics = options.metrics ?? new Metrics({ processMetrics: false });
    this.topics = topicNames(options.topicPrefix);
    this.groupId = `${options.topicPrefix}.orchestrator`;
    this.store = new ExecutionStore({ redis: options.redis, keyPrefix });
    this.timers = new TimerStore({ redis: options.redis, keyPrefix });
    this.admission = new Admission({
      redis: options.redis,
      keyPrefix,
      limit: options.maxConcurrentWorkflows,
    });
    this.producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.admin = options.kafka.admin();
    this.runner = new ConsumerRunner({
      kafka: options.kafka,
      consumer: {
        groupId: this.groupId,
        partitionAssigners: [coPartitionedAssigner],
        sessionTimeout: options.sessionTimeoutMs ?? 10_000,
        heartbeatInterval: 1000,
        maxWaitTimeInMs: 100,
      },
      topics: this.topics.orchestratorInputs,
      fromBeginning: true,
      partitionsConsumedConcurrently: 4,
      handler: (batch) => this.onBatch(batch),
      logger: options.logger,
      component: 'orchestrator',
      deadLetters: { producer: this.producer, codec: options.codec, topic: this.topics.deadLetters },
      onDeadLetter: (code) => this.metrics.deadLetters.inc({ reason: code, component: 'orchestrator' }),
    });
    const knownTopics = new KnownTopics(this.admin);
    this.publisher = new OutboxPublisher({
      producer: this.producer,
      store: this.store,
      timers: this.timers,
      waits: new WaitIndex(options.redis, keyPrefix),
      admission: this.admission,
      executionsTopic: this.topics.executions,
    });
    const graphs = new WorkflowGraphs(options.repository, this.metrics);
    const encoder = new EffectEncoder(options.codec, this.topics);
    if (options.recovery) {
      this.recovery = wireRecovery({
        ...options.recovery,
        kafka: options.kafka,
        codec: options.codec,
        redis: options.redis,
        keyPrefix,
        topicPrefix: options.topicPrefix,
        eventsTopic: this.topics.executionEvents,
        store: this.store,
        graphs,
        encoder,
        publisher: this.publisher,
        admission: this.admission,
        logger: options.logger,
        metrics: this.metrics,
      });
    }
    this.processor = new BatchProcessor({
      store: this.store,
      graphs,
      encoder,
      ...(this.recovery ? { recovery: this.recovery.recovery } : {}),
      ...(options.recovery?.parkedStarts
        ? { parkedStarts: durableParking(options.recovery.parkedStarts, keyPrefix) }
        : {}),
      publisher: this.publisher,
      admission: this.admission,
      logger: options.logger,
      metrics: this.metrics,
      missingTopics: (topics) => knownTopics.missing(topics),
      agentTopic: (agentType) => this.topics.agentCommands(agentType),
      decodeStart: async (record) => {
        const input = toOrchestratorInput(await options.codec.decode(record), Date.now(), {
          topic: this.topics.executions,
          partition: -1,
          offset: '-1',
        });
        return 'poison' in input ? undefined : input;
      },
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.producer.connect(), this.admin.connect()]);
    this.running = true;
    await this.runner.start();
    this.loops.push(this.every(this.options.timerPollMs ?? 100, () => this.fireDueTimers()));
    this.loops.push(this.every(this.options.sweepIntervalMs ?? 5000, () => this.sweep()));
    this.loops.push(this.every(5000, () => this.refreshGauges()));
    const recovery = this.recovery;
    if (recovery) this.loops.push(this.every(recovery.checkIntervalMs, () => recovery.sweeper.check()));
    this.options.logger.info(
      { group: this.groupId, topics: this.topics.orchestratorInputs },
      'orchestrator started',
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.runner.stop();
    await Promise.allSettled(this.loops);
    await Promise.all([this.producer.disconnect(), this.admin.disconnect(), this.recovery?.close()]);
    this.options.logger.info('orchestrator stopped');
  }

  /** The consumers this role runs, for the process's health board. */
  consumerRunners(): ConsumerRunner[] {
    return [this.runner];
  }

  /**
   * One partition's records: decode and validate each (what fails is returned for dead-lettering), then the
   * processor. An error thrown from here is either transient (the runner retries the batch) or marks a bad
   * record (the runner finds it by re-running record by record and dead-letters it).
   */
  private async onBatch(batch: RunnerBatch): Promise<{ rejected: Rejection[] }> {
    this.metrics.batchSize.observe(batch.messages.length);
    const source = { topic: batch.topic, partition: batch.partition };
    const inputs: OrchestratorInput[] = [];
    const startRecords = new Map<OrchestratorInput, Buffer>();
    const deadLetters: Rejection[] = [];
    type Decoded =
      | { message: KafkaMessage; envelope: DecodedEnvelope }
      | { message: KafkaMessage; error: { code: string; reason: string } };
    const decoded = await Promise.all(
      batch.messages.map(async (message): Promise<Decoded> => {
        try {
          return { message, envelope: await this.options.codec.decode(message.value) };
        } catch (error) {
          // Only a registry outage is worth a retry; garbage stays garbage.
          if (isRetriable(error)) throw error;
          const code = (error as { code?: string }).code ?? 'UNDECODABLE';
          return { message, error: { code, reason: (error as Error).message } };
        }
      }),
    );
    for (const item of decoded) {
      if ('error' in item) {
        deadLetters.push({ message: item.message, code: item.error.code, reason: item.error.reason });
        continue;
      }
      const input = toOrchestratorInput(item.envelope, Number(item.message.timestamp), {
        ...source,
        offset: item.message.offset,
      });
      if ('poison' in input) {
        deadLetters.push({ message: item.message, code: input.poison.code, reason: input.poison.message });
        continue;
      }
      inputs.push(input);
      if (input.input.kind === 'start' && item.message.value) startRecords.set(input, item.message.value);
    }

    const report = await this.processor.process(inputs, startRecords);
    for (const stale of report.stale) this.logRejected(stale);
    for (const poison of report.poison) {
      const message = batch.messages.find((candidate) => candidate.offset === poison.input.source.offset);
      if (message) deadLetters.push({ message, code: poison.code, reason: poison.reason });
    }
    return { rejected: deadLetters };
  }

  private logRejected({ input, reason }: Rejected): void {
    this.options.logger.debug(
      { executionId: input.executionId, inputId: input.inputId, topic: input.source.topic, reason },
      'input rejected as stale',
    );
  }

  /** Claims due timers and hands them to the consumer group as TimerFired records, keyed by execution. */
  private async fireDueTimers(): Promise<boolean> {
    const now = Date.now();
    const due = await this.timers.claimDue(now, 500, 30_000);
    if (due.length === 0) return false;
    const messages: Message[] = due.map((timer) => ({
      key: timer.executionId,
      value: this.options.codec.encode('TimerFired', { ...JSON.parse(timer.payload), fired_at: now }),
    }));
    await sendInBatches(this.producer, [{ topic: this.topics.timers, messages }]);
    await this.timers.ack(due.map(({ id, executionId }) => ({ id, executionId })));
    return due.length === 500;
  }

  /** Repairs what a crash between writing state and publishing left: outboxes and re-admitted starts. */
  private async sweep(): Promise<boolean> {
    const executionIds = await this.store.pendingOutboxes(200);
    if (executionIds.length > 0) {
      const outboxes = await this.store.readOutboxes(executionIds);
      await this.publisher.publish([...outboxes].map(([executionId, entries]) => ({ executionId, entries })));
    }
    const stranded = await this.admission.admittedButParked(200);
    if (stranded.length > 0) {
      const messages = stranded.map((start) => ({ key: start.executionId, value: start.record }));
      await sendInBatches(this.producer, [{ topic: this.topics.executions, messages }]);
    }
    await this.publisher.releaseSlots([]);
    return false;
  }

  /** Gauges that are read, not counted: admission and this group's lag per partition. */
  private async refreshGauges(): Promise<boolean> {
    const { inflight, queued } = await this.admission.counts();
    this.metrics.executionsInFlight.set(inflight);
    this.metrics.admissionQueue.set(queued);
    const lags = await partitionLag(this.admin, this.groupId, this.topics.orchestratorInputs);
    for (const { topic, partition, lag } of lags) {
      this.metrics.consumerLag.set({ group: this.groupId, topic, partition: String(partition) }, lag);
    }
    return false;
  }

  /** Runs `task` repeatedly while running; a task returning true (more work waiting) runs again at once. */
  private async every(intervalMs: number, task: () => Promise<boolean>): Promise<void> {
    while (this.running) {
      let more = false;
      try {
        more = await task();
      } catch (error) {
        this.options.logger.warn({ err: error }, 'background task failed; retrying');
      }
      if (!more) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

function durableParking(repository: ParkedStartRepository, keyPrefix: string) {
  return {
    save: (starts: readonly { executionId: string; record: Buffer }[]) => repository.save(keyPrefix, starts),
  };
}
