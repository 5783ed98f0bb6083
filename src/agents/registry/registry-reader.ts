// Feeds an AgentRegistry from Kafka: the compacted heartbeats topic from its beginning (the latest
// heartbeat of every instance, then every new one) and the results topic from now on. It reads in a
// consumer group of its own that never commits, so every process that runs it sees everything and leaves
// no offsets behind.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { Kafka } from 'kafkajs';
import { ConsumerRunner, type RunnerBatch } from '../../kafka/consumer-runner.js';
import { withRetry } from '../../errors.js';
import { AvroCodecError } from '../../kafka/avro-codec.js';
import type { EnvelopeCodec } from '../../kafka/schemas.js';
import { topicNames } from '../../kafka/topic-specs.js';
import type { Logger } from '../../observability/logger.js';
import { AgentRegistry, type AgentRegistryOptions } from './agent-registry.js';

export interface AgentRegistryReaderOptions extends AgentRegistryOptions {
  kafka: Kafka;
  codec: EnvelopeCodec;
  topicPrefix: string;
  logger?: Logger;
  /** Also count results for response times and error rates. Default true. */
  readResults?: boolean;
  /** How long start() waits to have read the heartbeats that existed when it began. Default 10 000 ms. */
  catchUpTimeoutMs?: number;
  /** A registry to feed instead of a new one. */
  registry?: AgentRegistry;
}

export interface RunningAgentRegistry {
  readonly registry: AgentRegistry;
  /** The consumer feeding it, for the process's health board. */
  readonly runner: ConsumerRunner;
  stop(): Promise<void>;
}

/**
 * Starts reading; resolves once the heartbeats present at start have been read (or the catch-up timeout
 * passed, which is logged), so the first answers already know the running agents.
 */
export async function startAgentRegistry(options: AgentRegistryReaderOptions): Promise<RunningAgentRegistry> {
  const registry = options.registry ?? new AgentRegistry(options);
  const topics = topicNames(options.topicPrefix);
  const logger = options.logger?.child({ component: 'agent-registry' });
  const targets = await heartbeatEnds(options.kafka, topics.agentHeartbeats, logger);
  let caughtUp!: () => void;
  const ready = new Promise<void>((resolve) => (caughtUp = resolve));
  const progress = (partition: number, next: bigint) => {
    const target = targets.get(partition);
    if (target !== undefined && next >= target) targets.delete(partition);
    if (targets.size === 0) caughtUp();
  };
  if (targets.size === 0) caughtUp();

  const eachBatch = async (batch: RunnerBatch) => {
    for (const message of batch.messages) {
      if (batch.topic === topics.agentHeartbeats && message.value === null) {
        const [type, ...rest] = (message.key?.toString('utf8') ?? '').split('/');
        if (type && rest.length > 0) registry.forgetInstance(type, rest.join('/'));
      } else if (message.value) {
        try {
          const decoded = await options.codec.decode(message.value);
          if (decoded.name === 'AgentHeartbeat') registry.observeHeartbeat(decoded.value);
          else if (decoded.name === 'AgentResult') registry.observeResult(decoded.value);
        } catch (error) {
          // Unreadable records are the writers' problem (they dead-letter nothing here); a registry that
          // is unreachable loses a statistic, not correctness.
          if (!(error instanceof AvroCodecError)) logger?.warn({ err: error }, 'could not decode a record');
        }
      }
    }
    // lastOffset() rather than the last message's: compaction and control records leave gaps.
    if (batch.topic === topics.agentHeartbeats) progress(batch.partition, BigInt(batch.lastOffset()) + 1n);
  };

  // A group of its own that never commits: after a restart it reads the heartbeats again, which is harmless.
  const runner = new ConsumerRunner({
    kafka: options.kafka,
    consumer: {
      groupId: `${options.topicPrefix}.agent-registry.${randomUUID()}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
    },
    topics: [
      { topic: topics.agentHeartbeats, fromBeginning: true },
      ...((options.readResults ?? true) ? [{ topic: topics.agentResults, fromBeginning: false }] : []),
    ],
    autoCommit: false,
    handler: eachBatch,
    logger: logger ?? pino({ level: 'silent' }),
    component: 'agent-registry',
  });
  await runner.start();

  const timeoutMs = options.catchUpTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    ready.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (timedOut) logger?.warn({ timeoutMs }, 'agent registry still reading past heartbeats');

  return {
    registry,
    runner,
    stop: () => runner.stop(),
  };
}

/**
 * The end offset of every non-empty heartbeats partition: what "caught up" means at start. Right after the
 * topic was created the brokers may not know its leaders yet, so a retriable error is retried for a while;
 * if the ends stay unknown, start() does not wait for catching up.
 */
async function heartbeatEnds(
  kafka: Kafka,
  topic: string,
  logger: Logger | undefined,
): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await withRetry(() => admin.fetchTopicOffsets(topic), {
      attempts: 10,
      initialDelayMs: 300,
      maxDelayMs: 1000,
    });
    return new Map(
      offsets
        .filter((entry) => BigInt(entry.high) > BigInt(entry.low))
        .map((entry) => [entry.partition, BigInt(entry.high)]),
    );
  } catch (error) {
    logger?.warn({ err: error, topic }, 'could not read where the heartbeats end; not waiting for them');
    return new Map();
  } finally {
    await admin.disconnect();
  }
}
