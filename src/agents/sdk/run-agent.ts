// Runs an agent against Kafka: consumes its command topic, hands commands to the CommandRunner, publishes
// results and dead letters in batches, commits offsets only below records whose results are published,
// heartbeats, and stops gracefully.
//
// Records are dispatched as they arrive and the batch callback returns without waiting for handlers, so
// a slow handler holds only its own slot, never the fetch of other partitions. Admission is bounded
// (concurrency + prefetch commands accepted and unfinished); when full, the batch callback waits and
// heartbeats. The kafkajs fetch position follows dispatch, while commits follow publication.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { AvroCodecError } from '../../kafka/avro-codec.js';
import type { DecodedEnvelope } from '../../kafka/envelopes.js';
import type { EnvelopeCodec } from '../../kafka/schemas.js';
import { topicNames } from '../../kafka/topic-specs.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import {
  CommandRunner,
  DEFAULT_ABORT_GRACE_MS,
  DEFAULT_RESULT_CACHE_SIZE,
  type RunOutcome,
} from './command-runner.js';
import { deadLetterMessages } from '../../kafka/dead-letters.js';
import { Admission } from './admission.js';
import type { AgentDefinition } from './define-agent.js';
import { OffsetTracker } from './offset-tracker.js';
import { RecordPublisher } from './record-publisher.js';
import { buildHeartbeat, commandTraceContext, heartbeatKey, traceHeaders } from './records.js';

export interface RunAgentOptions {
  kafka: Kafka;
  /** An envelope codec (its creation registers the envelope schemas). */
  codec: EnvelopeCodec;
  /** Topic prefix of the environment, e.g. `percolator`. */
  topicPrefix: string;
  logger?: Logger;
  /** Defaults to `<type>-<host>-<pid>-<random>`. */
  instanceId?: string;
  /** Replaces the agent's own concurrency. */
  concurrency?: number;
  /** Commands accepted beyond those running, waiting for a slot. Default: the concurrency. */
  prefetch?: number;
  /** Default 5 000 ms. */
  heartbeatIntervalMs?: number;
  /** How long stop() lets running handlers finish before it aborts them and gives them back. Default 10 000 ms. */
  shutdownTimeoutMs?: number;
  /** How long an aborted handler may take to settle. Default 1 000 ms. */
  abortGraceMs?: number;
  /** Command ids whose results are remembered for redeliveries. Default 10 000. */
  resultCacheSize?: number;
  /** Largest output_json in bytes; a larger output fails as INVALID_OUTPUT. Default 900 000. */
  maxOutputBytes?: number;
  /** How often published progress is committed. Default 1 000 ms. */
  commitIntervalMs?: number;
  /** Partitions whose batches are dispatched at once. Default: min(concurrency, 32), at least 2. */
  partitionsConsumedConcurrently?: number;
  /** Where a new consumer group starts: the earliest command (default) or only new ones. */
  fromBeginning?: boolean;
  /** How long the group waits for a silent (crashed) instance before reassigning its partitions. Default 10 000 ms. */
  sessionTimeoutMs?: number;
  /** How long an idle fetch waits on the broker; bounds how quickly stop() returns. Default 1 000 ms. */
  maxWaitTimeInMs?: number;
}

export interface AgentHandle {
  readonly agent: AgentDefinition;
  readonly instanceId: string;
  readonly groupId: string;
  readonly commandTopic: string;
  /** Handlers running right now. */
  readonly inFlight: number;
  /** Stops gracefully; safe to call more than once. */
  stop(): Promise<void>;
  /** Settles when the agent has stopped, through stop() or because its consumer crashed for good. */
  readonly stopped: Promise<void>;
}

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/**
 * How long the group waits for a silent member before giving its partitions to the others: the time an
 * agent type's commands wait after one of its processes dies. kafkajs's 30 s made a crashed agent cost a
 * 10 s step timeout its next attempt too; 10 s is well above the group heartbeat below and above the
 * brokers' minimum (group.min.session.timeout.ms, 6 s by default).
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
const DEFAULT_COMMIT_INTERVAL_MS = 1_000;
/**
 * kafkajs sends a group heartbeat at most this often; the batch callback asks for one at this pace while it
 * waits. A heartbeat is also how a member learns that the group is rebalancing, so this bounds how soon the
 * others take over from a member that left.
 */
const GROUP_HEARTBEAT_MS = 1_000;

/** The consumer group of an agent type: all its instances share the type's commands. */
export function agentGroupId(topicPrefix: string, agentType: string): string {
  return `${topicPrefix}.agent.${agentType}`;
}

function defaultInstanceId(type: string): string {
  return `${type}-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Starts an agent; resolves once it has joined its consumer group. */
export async function runAgent(definition: AgentDefinition, options: RunAgentOptions): Promise<AgentHandle> {
  const concurrency = options.concurrency ?? definition.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const agent: AgentDefinition =
    concurrency === definition.concurrency ? definition : { ...definition, concurrency };
  const instanceId = options.instanceId ?? defaultInstanceId(agent.type);
  const logger = (options.logger ?? createLogger({ level: 'info' })).child({
    agentType: agent.type,
    agentId: instanceId,
  });
  const runtime = new AgentRuntime(agent, instanceId, logger, options);
  await runtime.start();
  return runtime.handle();
}

class AgentRuntime {
  private readonly topics: ReturnType<typeof topicNames>;
  private readonly commandTopic: string;
  private readonly groupId: string;
  private readonly runner: CommandRunner;
  private readonly admission: Admission;
  private readonly producer: Producer;
  private readonly consumer: Consumer;
  private readonly publisher: RecordPublisher;
  private readonly stopController = new AbortController();
  private readonly outstanding = new Set<Promise<void>>();
  private trackers = new Map<number, OffsetTracker>();
  private lastCommitted = new Map<number, number>();
  private committing: Promise<void> | null = null;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private commitTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | null = null;
  private resolveStopped!: () => void;
  private readonly stopped = new Promise<void>((resolve) => {
    this.resolveStopped = resolve;
  });

  constructor(
    private readonly agent: AgentDefinition,
    private readonly instanceId: string,
    private readonly logger: Logger,
    private readonly options: RunAgentOptions,
  ) {
    this.topics = topicNames(options.topicPrefix);
    this.commandTopic = this.topics.agentCommands(agent.type);
    this.groupId = agentGroupId(options.topicPrefix, agent.type);
    this.runner = new CommandRunner({
      agent,
      agentId: instanceId,
      logger,
      resultCacheSize: options.resultCacheSize ?? DEFAULT_RESULT_CACHE_SIZE,
      abortGraceMs: options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS,
      ...(options.maxOutputBytes === undefined ? {} : { maxOutputBytes: options.maxOutputBytes }),
    });
    this.admission = new Admission({
      capacity: agent.concurrency + Math.max(0, options.prefetch ?? agent.concurrency),
      stopSignal: this.stopController.signal,
      heartbeatEveryMs: GROUP_HEARTBEAT_MS,
    });
    // One request in flight keeps the idempotent producer's sequence numbers in order.
    this.producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.consumer = options.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      heartbeatInterval: GROUP_HEARTBEAT_MS,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 1_000,
    });
    this.publisher = new RecordPublisher({ producer: this.producer, logger });
  }

  handle(): AgentHandle {
    const runner = this.runner;
    return {
      agent: this.agent,
      instanceId: this.instanceId,
      groupId: this.groupId,
      commandTopic: this.commandTopic,
      get inFlight() {
        return runner.running;
      },
      stop: () => this.stop(),
      stopped: this.stopped,
    };
  }

  async start(): Promise<void> {
    try {
      await this.producer.connect();
      await this.consumer.connect();
      await this.consumer.subscribe({
        topic: this.commandTopic,
        fromBeginning: this.options.fromBeginning ?? true,
      });
      this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        // kafkajs starts every partition of the new assignment again from its committed offset, so
        // progress tracked before the rebalance no longer describes what will be read.
        this.trackers = new Map();
        this.lastCommitted = new Map();
      });
      this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
        this.logger.error({ err: payload.error, restart: payload.restart }, 'agent consumer crashed');
        if (!payload.restart) void this.stop();
      });
      const partitions =
        this.options.partitionsConsumedConcurrently ?? Math.max(2, Math.min(this.agent.concurrency, 32));
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: partitions,
        eachBatch: (payload) => this.eachBatch(payload),
      });
    } catch (error) {
      await Promise.allSettled([this.consumer.disconnect(), this.producer.disconnect()]);
      this.resolveStopped();
      throw error;
    }
    const heartbeatEvery = this.options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.heartbeatTimer = setInterval(() => void this.sendHeartbeat(false), heartbeatEvery);
    this.commitTimer = setInterval(
      () => void this.commit(),
      this.options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS,
    );
    await this.sendHeartbeat(false);
    this.logger.info(
      { topic: this.commandTopic, groupId: this.groupId, concurrency: this.agent.concurrency },
      'agent started',
    );
  }

  private tracker(partition: number): OffsetTracker {
    let tracker = this.trackers.get(partition);
    if (!tracker) {
      tracker = new OffsetTracker();
      this.trackers.set(partition, tracker);
    }
    return tracker;
  }

  private async eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const tracker = this.tracker(batch.partition);
    for (const message of batch.messages) {
      if (this.stopping || !isRunning() || isStale()) return;
      let decoded: DecodedEnvelope | null = null;
      let rejection: { code: string; message: string } | null = null;
      try {
        decoded = await this.options.codec.decode(message.value);
      } catch (error) {
        // Anything else (the registry being unreachable) is transient: the batch is read again later.
        if (!(error instanceof AvroCodecError)) throw error;
        rejection = { code: error.code, message: error.message };
      }
      if (decoded && decoded.name !== 'AgentCommand' && decoded.name !== 'CancelCommand') {
        rejection = {
          code: 'INVALID_RECORD',
          message: `a ${decoded.name} record does not belong on an agent command topic`,
        };
      }
      const offset = Number(message.offset);
      if (decoded?.name === 'AgentCommand') {
        const slot = await this.admission.admit(heartbeat);
        if (!slot) return;
        const command = {
          ...decoded.value,
          trace_context: commandTraceContext(decoded.value, message.headers),
        };
        tracker.add(offset);
        this.follow(
          this.runner
            .submit(command)
            .then((outcome) => this.publishOutcome(outcome))
            .then((published) => {
              if (published) tracker.complete(offset);
            })
            .finally(slot),
        );
      } else if (decoded?.name === 'CancelCommand') {
        const effect = this.runner.cancel(decoded.value);
        this.logger.info(
          { commandId: decoded.value.command_id, effect, reason: decoded.value.reason },
          'cancel received',
        );
        tracker.add(offset);
        tracker.complete(offset);
      } else {
        tracker.add(offset);
        this.follow(
          this.deadLetter(batch.topic, batch.partition, message, rejection!).then(() =>
            tracker.complete(offset),
          ),
        );
      }
      resolveOffset(message.offset);
    }
  }

  private follow(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      this.logger.warn({ err: error }, 'a record was left uncommitted');
    });
    this.outstanding.add(tracked);
    void tracked.finally(() => this.outstanding.delete(tracked));
  }

  private async publishOutcome(outcome: RunOutcome): Promise<boolean> {
    if (outcome.kind === 'given-back') return false;
    const { result, replay } = outcome;
    if (replay)
      this.logger.info({ commandId: result.command_id }, 'command seen before; publishing its result again');
    await this.publisher.publish(this.topics.agentResults, {
      key: result.execution_id,
      value: this.options.codec.encode('AgentResult', result),
      headers: traceHeaders(result.trace_context),
    });
    return true;
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: { code: string; message: string },
  ): Promise<void> {
    this.logger.warn(
      { topic, partition, offset: message.offset, reason: reason.code },
      'dead-lettering a record',
    );
    const source = { topic, partition, consumerGroup: this.groupId };
    const [letter] = deadLetterMessages(this.options.codec, source, [
      { message, code: reason.code, reason: reason.message },
    ]);
    await this.publisher.publish(this.topics.deadLetters, letter!);
  }

  /** Commits, for every partition, the offset below which all results are published. */
  private async commit(): Promise<void> {
    while (this.committing) await this.committing;
    const offsets: { topic: string; partition: number; offset: string }[] = [];
    const trackers = this.trackers;
    const committed = this.lastCommitted;
    for (const [partition, tracker] of trackers) {
      const offset = tracker.committable();
      if (offset !== null && offset > (committed.get(partition) ?? -1)) {
        offsets.push({ topic: this.commandTopic, partition, offset: String(offset) });
      }
    }
    if (offsets.length === 0) return;
    this.committing = (async () => {
      try {
        await this.consumer.commitOffsets(offsets);
        for (const { partition, offset } of offsets) committed.set(partition, Number(offset));
      } catch (error) {
        this.logger.warn({ err: error }, 'committing offsets failed; the next commit retries');
      } finally {
        this.committing = null;
      }
    })();
    await this.committing;
  }

  private async sendHeartbeat(final: boolean): Promise<void> {
    const value = buildHeartbeat(
      this.agent,
      this.instanceId,
      final
        ? { inFlight: 0, capacity: 0 }
        : { inFlight: this.runner.running, capacity: this.agent.concurrency },
      Date.now(),
    );
    try {
      await this.producer.send({
        topic: this.topics.agentHeartbeats,
        acks: -1,
        messages: [
          {
            key: heartbeatKey(this.agent.type, this.instanceId),
            value: this.options.codec.encode('AgentHeartbeat', value),
          },
        ],
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'sending a heartbeat failed');
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown().finally(() => this.resolveStopped());
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const timeoutMs = this.options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    this.logger.info({ inFlight: this.runner.running, pending: this.runner.pending }, 'agent stopping');
    this.stopController.abort();
    try {
      this.consumer.pause([{ topic: this.commandTopic }]);
    } catch {
      // Not running (it crashed): nothing to pause.
    }
    await this.runner.shutdown(timeoutMs);
    await withinMs(Promise.allSettled([...this.outstanding]), timeoutMs);
    this.publisher.close();
    clearInterval(this.heartbeatTimer);
    clearInterval(this.commitTimer);
    await this.commit();
    await this.sendHeartbeat(true);
    await Promise.allSettled([this.consumer.disconnect()]);
    await Promise.allSettled([this.producer.disconnect()]);
    this.logger.info('agent stopped');
  }
}

async function withinMs(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
