// Event triggers: one consumer group (`<prefix>.triggers`) over the inbound topic and every topic an active
// event trigger names. Each record is read as a CloudEvent (see cloud-event.ts); per batch, every matching
// trigger whose filter holds contributes a start request (one ExecutionClient.start call for the batch), and
// every execution waiting for the event (wait_for_event, found in the wait index) gets a signal. Ids are
// derived from the event's identity, so a redelivered or republished event starts and resumes nothing twice.
// Records that are not events are dead-lettered with their source position; the consumer goes on.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { sendInBatches } from '../../kafka/send-batches.js';
import type { Redis } from 'ioredis';
import { deadLetterMessages, type Rejection } from '../../kafka/dead-letters.js';
import type { CompiledTrigger } from '../../definition/index.js';
import { buildEventScope, evaluateCondition, evaluateExpression } from '../../expression/index.js';
import type { AvroCodec } from '../../kafka/avro-codec.js';
import type { EnvelopeCodec } from '../../kafka/schemas.js';
import { topicNames } from '../../kafka/topic-specs.js';
import type { Logger } from '../../observability/logger.js';
import type { ExecutionClient, StartRequest } from '../../orchestrator/execution-client.js';
import { WaitIndex } from '../../state/wait-index.js';
import type { ActiveWorkflow } from '../active-workflows.js';
import { eventExecutionId, eventSignalId, triggerId } from '../ids.js';
import {
  correlationKeyOf,
  eventIdentity,
  parseCloudEvent,
  type CloudEvent,
  type KafkaRecordView,
} from './cloud-event.js';

type EventTrigger = Extract<CompiledTrigger, { type: 'event' }>;

export interface EventTriggersOptions {
  kafka: Kafka;
  redis: Redis;
  codec: EnvelopeCodec;
  /** Decodes Avro event data; without it such events are dead-lettered. */
  avro?: AvroCodec;
  workflows: { load(types: readonly ('schedule' | 'event')[]): Promise<ActiveWorkflow[]> };
  client: Pick<ExecutionClient, 'start' | 'signalMany'>;
  logger: Logger;
  topicPrefix: string;
  /** Prefix of Redis keys (the wait index); defaults to the topic prefix. */
  keyPrefix?: string;
  /** How often the triggers are reloaded from Postgres (`reload()` does it at once). */
  reloadIntervalMs?: number;
  /** Where a new group starts on a partition without committed offsets: the newest record by default. */
  fromBeginning?: boolean;
}

export interface EventTriggerStats {
  records: number;
  events: number;
  /** Records that were not events, dead-lettered. */
  invalid: number;
  /** Start requests sent (a redelivered event counts again; the orchestrator refuses the duplicate). */
  startsRequested: number;
  /** Trigger matches whose filter did not hold. */
  filteredOut: number;
  /** Filters or input mappings that failed to evaluate (logged; no start). */
  expressionErrors: number;
  signals: number;
}

interface Route {
  readonly workflow: ActiveWorkflow;
  readonly index: number;
  readonly trigger: EventTrigger;
}

export class EventTriggers {
  readonly stats: EventTriggerStats = {
    records: 0,
    events: 0,
    invalid: 0,
    startsRequested: 0,
    filteredOut: 0,
    expressionErrors: 0,
    signals: 0,
  };
  readonly groupId: string;
  private readonly defaultTopic: string;
  private readonly deadLetterTopic: string;
  private readonly waits: WaitIndex;
  private readonly producer: Producer;
  /** topic → event type → triggers. */
  private routes = new Map<string, Map<string, Route[]>>();
  private consumer?: Consumer;
  private subscribed: string[] = [];
  private reloadTimer?: NodeJS.Timeout;
  private serial: Promise<void> = Promise.resolve();
  private running = false;

  constructor(private readonly options: EventTriggersOptions) {
    const topics = topicNames(options.topicPrefix);
    this.groupId = `${options.topicPrefix}.triggers`;
    this.defaultTopic = topics.eventsInbound;
    this.deadLetterTopic = topics.deadLetters;
    this.waits = new WaitIndex(options.redis, options.keyPrefix ?? options.topicPrefix);
    this.producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  }

  /** The topics the consumer reads now. */
  get topics(): readonly string[] {
    return this.subscribed;
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.running = true;
    await this.reload();
    const interval = this.options.reloadIntervalMs ?? 30_000;
    this.reloadTimer = setInterval(() => {
      this.reload().catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'reloading event triggers failed'),
      );
    }, interval);
    this.reloadTimer.unref();
    this.options.logger.info({ group: this.groupId, topics: this.subscribed }, 'event triggers started');
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.reloadTimer) clearInterval(this.reloadTimer);
    await this.exclusive(async () => {
      await this.consumer?.disconnect();
      this.consumer = undefined;
    });
    await this.producer.disconnect();
    this.options.logger.info({ group: this.groupId }, 'event triggers stopped');
  }

  /**
   * Reads the active workflows' event triggers again; when the set of topics changed, the consumer is
   * re-created over the new union (committed offsets carry over, so nothing is skipped).
   */
  reload(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.running) return;
      const workflows = await this.options.workflows.load(['event']);
      const routes = new Map<string, Map<string, Route[]>>();
      for (const workflow of workflows) {
        workflow.compiled.triggers.forEach((trigger, index) => {
          if (trigger.type !== 'event') return;
          const topic = trigger.topic ?? this.defaultTopic;
          const byType = routes.get(topic) ?? new Map<string, Route[]>();
          byType.set(trigger.eventType, [
            ...(byType.get(trigger.eventType) ?? []),
            { workflow, index, trigger },
          ]);
          routes.set(topic, byType);
        });
      }
      this.routes = routes;
      const topics = await this.existingTopics([this.defaultTopic, ...routes.keys()]);
      if (this.consumer && sameSet(topics, this.subscribed)) return;
      await this.subscribe(topics);
    });
  }

  private async existingTopics(wanted: readonly string[]): Promise<string[]> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const unique = [...new Set(wanted)].sort();
      const missing = unique.filter((topic) => !existing.has(topic));
      if (missing.length > 0) {
        this.options.logger.warn(
          { topics: missing },
          'event trigger topics do not exist (yet); they are read once created, at a later reload',
        );
      }
      return unique.filter((topic) => existing.has(topic));
    } finally {
      await admin.disconnect();
    }
  }

  private async subscribe(topics: string[]): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
    this.subscribed = topics;
    if (topics.length === 0) return;
    const consumer = this.options.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning ?? false });
    await consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.consumer = consumer;
  }

  /** Waits until the group has partitions assigned (tests and start-up checks). */
  async waitUntilAssigned(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      for (;;) {
        const { groups } = await admin.describeGroups([this.groupId]);
        if (groups[0]?.state === 'Stable' && groups[0].members.length > 0) return;
        if (Date.now() > deadline)
          throw new Error(`consumer group ${this.groupId} did not stabilise in time`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await admin.disconnect();
    }
  }

  private async onBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const byType = this.routes.get(batch.topic);
    const views = batch.messages.map((message): KafkaRecordView => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers,
    }));
    const parsed = await Promise.all(
      views.map((view) => parseCloudEvent(view, { avro: this.options.avro, envelopes: this.options.codec })),
    );

    const starts = new Map<string, StartRequest>();
    const deadLetters: { message: KafkaMessage; code: string; reason: string }[] = [];
    const events: { event: CloudEvent; view: KafkaRecordView; identity: string }[] = [];
    for (const [position, result] of parsed.entries()) {
      const message = batch.messages[position]!;
      const view = views[position]!;
      if (!result.ok) {
        deadLetters.push({ message, code: result.code, reason: result.reason });
        continue;
      }
      const identity = eventIdentity(result.event, view);
      events.push({ event: result.event, view, identity });
      for (const route of byType?.get(result.event.type) ?? []) {
        const request = await this.startFor(route, result.event, identity, Number(message.timestamp));
        if (request) starts.set(request.executionId!, request);
      }
    }

    const waiting = await Promise.all(
      events.map(({ event, view }) => this.waits.waiting(event.type, correlationKeyOf(event, view))),
    );
    const signals = events.flatMap(({ event, identity, view }, position) => {
      const correlationKey = correlationKeyOf(event, view);
      return (waiting[position] ?? []).map((executionId) => ({
        executionId,
        eventType: event.type,
        data: event.data,
        eventId: eventSignalId(identity),
        ...(correlationKey === undefined ? {} : { correlationKey }),
      }));
    });

    if (starts.size > 0) await this.options.client.start([...starts.values()]);
    await this.options.client.signalMany(signals);
    if (deadLetters.length > 0) await this.deadLetter(batch.topic, batch.partition, deadLetters);

    this.stats.records += batch.messages.length;
    this.stats.events += events.length;
    this.stats.invalid += deadLetters.length;
    this.stats.startsRequested += starts.size;
    this.stats.signals += signals.length;
    resolveOffset(batch.lastOffset());
    await heartbeat();
  }

  /** The start request of one trigger for one event, or undefined when its filter says no (or fails). */
  private async startFor(
    route: Route,
    event: CloudEvent,
    identity: string,
    nowMs: number,
  ): Promise<StartRequest | undefined> {
    const { workflow, index, trigger } = route;
    // The payload is the root; `$event` is the whole CloudEvent (attributes, extensions and data).
    const scope = buildEventScope(event);
    const id = triggerId(workflow.workflowId, index);
    if (trigger.filter) {
      const verdict = await evaluateCondition(trigger.filter, scope, { nowMs });
      if (!verdict.ok) {
        this.stats.expressionErrors++;
        this.options.logger.warn(
          { trigger: id, workflow: workflow.name, eventId: event.id, error: verdict.error },
          'event trigger filter failed; no execution started',
        );
        return undefined;
      }
      if (!verdict.value) {
        this.stats.filteredOut++;
        return undefined;
      }
    }
    let input: unknown = event.data;
    if (trigger.input) {
      const mapped = await evaluateExpression(trigger.input, scope, { nowMs });
      if (!mapped.ok) {
        this.stats.expressionErrors++;
        this.options.logger.warn(
          { trigger: id, workflow: workflow.name, eventId: event.id, error: mapped.error },
          'event trigger input mapping failed; no execution started',
        );
        return undefined;
      }
      input = mapped.value ?? null;
    }
    return {
      workflowId: workflow.workflowId,
      workflowName: workflow.name,
      version: workflow.version,
      input,
      executionId: eventExecutionId(workflow.workflowId, index, identity),
      trigger: { type: 'EVENT', id },
    };
  }

  private async deadLetter(
    topic: string,
    partition: number,
    rejections: readonly Rejection[],
  ): Promise<void> {
    for (const { message, code, reason } of rejections) {
      this.options.logger.warn(
        { topic, partition, offset: message.offset, code, reason },
        'dead-lettered an event',
      );
    }
    const source = { topic, partition, consumerGroup: this.groupId };
    const messages = deadLetterMessages(this.options.codec, source, rejections);
    await sendInBatches(this.producer, [{ topic: this.deadLetterTopic, messages }]);
  }

  private exclusive(task: () => Promise<void>): Promise<void> {
    const next = this.serial.then(task);
    this.serial = next.catch(() => undefined);
    return next;
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}
