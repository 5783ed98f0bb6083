// Event triggers: one consumer group (`<prefix>.triggers`) over the inbound topic and every topic an active
// event trigger names. Each record is read as a CloudEvent (see cloud-event.ts); per batch, every matching
// trigger whose filter holds contributes a start request (one ExecutionClient.start call for the batch), and
// every execution waiting for the event (wait_for_event, found in the wait index) gets a signal. Ids are
// derived from the event's identity, so a redelivered or republished event starts and resumes nothing twice.
// Records that are not events are dead-lettered with their source position; the consumer goes on.
import type { Admin, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Redis } from 'ioredis';
import { ConsumerRunner, type RunnerBatch } from '../../kafka/consumer-runner.js';
import type { Rejection } from '../../kafka/dead-letters.js';
import { checkJsonValue } from '../../payload/limits.js';
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
  /** How often the triggers are reloaded from Postgres and missing topics looked for (`reload()` does it at once). */
  reloadIntervalMs?: number;
  /**
   * Where the group starts on a partition without committed offsets (a new deployment, or a trigger topic
   * added later): the oldest record by default, so an event sent before the group joined is not lost.
   */
  fromBeginning?: boolean;
  /** Called for each dead-lettered record (metrics). */
  onDeadLetter?: (code: string) => void;
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
  private readonly admin: Admin;
  private readonly runner: ConsumerRunner;
  /** topic → event type → triggers. */
  private routes = new Map<string, Map<string, Route[]>>();
  private subscribed: string[] = [];
  private consuming = false;
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
    this.admin = options.kafka.admin();
    this.runner = new ConsumerRunner({
      kafka: options.kafka,
      consumer: {
        groupId: this.groupId,
        sessionTimeout: 10_000,
        heartbeatInterval: 1000,
        maxWaitTimeInMs: 100,
      },
      topics: [],
      fromBeginning: options.fromBeginning ?? true,
      partitionsConsumedConcurrently: 4,
      handler: (batch) => this.onBatch(batch),
      logger: options.logger,
      component: 'event-triggers',
      deadLetters: { producer: this.producer, codec: options.codec, topic: this.deadLetterTopic },
      onDeadLetter: (code) => {
        this.stats.invalid++;
        options.onDeadLetter?.(code);
      },
    });
  }

  /** The consumer this role runs, for the process's health board. */
  consumerRunners(): ConsumerRunner[] {
    return [this.runner];
  }

  /** The topics the consumer reads now. */
  get topics(): readonly string[] {
    return this.subscribed;
  }

  async start(): Promise<void> {
    await Promise.all([this.producer.connect(), this.admin.connect()]);
    this.running = true;
    await this.reload();
    const interval = this.options.reloadIntervalMs ?? 5000;
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
      await this.runner.stop();
      this.consuming = false;
    });
    await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
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
      if (this.consuming && sameSet(topics, this.subscribed)) return;
      await this.subscribe(topics);
    });
  }

  private async existingTopics(wanted: readonly string[]): Promise<string[]> {
    const existing = new Set(await this.admin.listTopics());
    const unique = [...new Set(wanted)].sort();
    const missing = unique.filter((topic) => !existing.has(topic));
    if (missing.length > 0 && !sameSet(missing, this.missing)) {
      this.options.logger.warn(
        { topics: missing },
        'event trigger topics do not exist (yet); each is read from its first record once created',
      );
    }
    this.missing = missing;
    return unique.filter((topic) => existing.has(topic));
  }

  private missing: string[] = [];

  /** Replaces the consumer with one over `topics`; a topic new to the group starts at its first record. */
  private async subscribe(topics: string[]): Promise<void> {
    this.subscribed = topics;
    if (topics.length === 0) {
      await this.runner.stop();
      this.consuming = false;
      return;
    }
    await this.runner.resubscribe(topics);
    if (!this.consuming) await this.runner.start();
    this.consuming = true;
  }

  /** Waits until the group has joined with partitions assigned (tests and start-up checks). */
  async waitUntilAssigned(timeoutMs = 30_000): Promise<void> {
    await this.runner.joined(timeoutMs);
  }

  private async onBatch(batch: RunnerBatch): Promise<{ rejected: Rejection[] }> {
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

    this.stats.records += batch.messages.length;
    this.stats.events += events.length;
    this.stats.startsRequested += starts.size;
    this.stats.signals += signals.length;
    return { rejected: deadLetters };
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
    // A mapping can build more than the event held: the start must stay within the engine's payload limits.
    const violation = checkJsonValue(input, 'the mapped input');
    if (violation) {
      this.stats.expressionErrors++;
      this.options.logger.warn(
        { trigger: id, workflow: workflow.name, eventId: event.id, error: violation.message },
        'event trigger input exceeds the payload limits; no execution started',
      );
      return undefined;
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

  private exclusive(task: () => Promise<void>): Promise<void> {
    const next = this.serial.then(task);
    this.serial = next.catch(() => undefined);
    return next;
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}
