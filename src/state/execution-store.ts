// Hot execution state in Redis: batched loads, one atomic the percolatorTransition script call per execution (all of a batch
// in one pipeline), the outbox of records still to publish, and the index that finds outboxes a crash left.
//
// The pending-outbox index lives in other hash slots than the executions it lists, so no script may touch
// both under Redis Cluster. It is kept as a superset instead: an execution is added after every transition
// that appends records and removed only by "remove, then look again, re-add if the outbox exists". An extra
// member costs a lookup; a missing one would need a crash within one round trip of a concurrent writer.
import type { Redis } from 'ioredis';
import { PercolatorError } from '../errors.js';
import { assertExecutionId, assertKeyPrefix, executionKeys, outboxPendingKey, shardOf } from './keys.js';
import {
  encodeOutboxRecord,
  outboxEntriesFrom,
  type OutboxEntry,
  type OutboxRecord,
} from './outbox-framing.js';
import { execPipeline, toStateError } from './redis-errors.js';
import { scriptedPipelines, type ScriptedPipeline } from './scripts.js';
import { interpretTransitionReply, type TransitionResult } from './transition-result.js';

export interface ExecutionStoreOptions {
  redis: Redis;
  /** Prefix of every key (no braces); tests pass a unique one. */
  keyPrefix: string;
  /** How long a finished execution stays readable before Redis drops it. Default 7 days. */
  finishedRetentionMs?: number;
  /** How many recent input ids an execution remembers to refuse duplicates. Default 16. */
  rememberedInputs?: number;
  /** Shards of the pending-outbox index. Changing it orphans index entries; choose once. Default 16. */
  outboxIndexShards?: number;
}

export interface ExecutionStoreConfig {
  keyPrefix: string;
  finishedRetentionMs: number;
  rememberedInputs: number;
  outboxIndexShards: number;
}

export interface StoredExecution {
  version: number;
  /** Opaque to this layer; the orchestrator serialises it. */
  state: string;
}

export interface Transition {
  executionId: string;
  /** The version the state was loaded at; 0 for a new execution. */
  expectedVersion: number;
  /** Deterministic id of the input routed (e.g. command id + attempt of a result, timer id). */
  inputId: string;
  state: string;
  /** Records to publish, already encoded; appended to the outbox in this order. */
  commands: OutboxRecord[];
  /** The execution reached an end state: its keys expire after `finishedRetentionMs`. */
  finished?: boolean;
}

export interface OutboxAck {
  executionId: string;
  /** Ids of the entries that were published. */
  ids: string[];
}

export const EXECUTION_STORE_DEFAULTS = {
  finishedRetentionMs: 7 * 24 * 60 * 60 * 1000,
  rememberedInputs: 16,
  outboxIndexShards: 16,
} as const;

export function resolveExecutionStoreConfig(
  options: Omit<ExecutionStoreOptions, 'redis'>,
): ExecutionStoreConfig {
  assertKeyPrefix(options.keyPrefix);
  const config: ExecutionStoreConfig = {
    keyPrefix: options.keyPrefix,
    finishedRetentionMs: options.finishedRetentionMs ?? EXECUTION_STORE_DEFAULTS.finishedRetentionMs,
    rememberedInputs: options.rememberedInputs ?? EXECUTION_STORE_DEFAULTS.rememberedInputs,
    outboxIndexShards: options.outboxIndexShards ?? EXECUTION_STORE_DEFAULTS.outboxIndexShards,
  };
  for (const name of ['finishedRetentionMs', 'rememberedInputs', 'outboxIndexShards'] as const) {
    if (!Number.isSafeInteger(config[name]) || config[name] < 1) {
      throw new PercolatorError('STATE_INVALID_ARGUMENT', `${name} must be a positive integer`, false);
    }
  }
  return config;
}

export class ExecutionStore {
  readonly config: ExecutionStoreConfig;
  private readonly redis: Redis;
  private readonly pipeline: () => ScriptedPipeline;

  constructor(options: ExecutionStoreOptions) {
    this.config = resolveExecutionStoreConfig(options);
    this.redis = options.redis;
    this.pipeline = scriptedPipelines(options.redis);
  }

  /** Version and state of each execution (null when unknown or expired), in one round trip. */
  async loadMany(executionIds: readonly string[]): Promise<Map<string, StoredExecution | null>> {
    const pipeline = this.pipeline();
    for (const id of executionIds) pipeline.hmget(this.keys(id).state, 'v', 's');
    const results = await execPipeline(pipeline, 'loading executions');
    const loaded = new Map<string, StoredExecution | null>();
    executionIds.forEach((id, n) => {
      const [version, state] = results[n] as [string | null, string | null];
      loaded.set(id, version === null ? null : { version: Number(version), state: state ?? '' });
    });
    return loaded;
  }

  async load(executionId: string): Promise<StoredExecution | null> {
    return (await this.loadMany([executionId])).get(executionId) ?? null;
  }

  /**
   * Runs the percolatorTransition script for every transition in one pipeline; results come back in input order. A throw
   * means the batch's fate is partly unknown: retrying it is safe, since applied transitions then answer
   * `duplicate` with their outbox.
   */
  async applyMany(transitions: readonly Transition[]): Promise<TransitionResult[]> {
    const pipeline = this.pipeline();
    const replyAt: number[] = [];
    for (const transition of transitions) {
      const keys = this.keys(transition.executionId);
      if (!Number.isSafeInteger(transition.expectedVersion) || transition.expectedVersion < 0) {
        throw new PercolatorError(
          'STATE_INVALID_ARGUMENT',
          `expected version of ${transition.executionId} must be a non-negative integer`,
          false,
        );
      }
      replyAt.push(pipeline.length);
      pipeline.percolatorTransitionBuffer(
        keys.state,
        keys.outbox,
        transition.expectedVersion,
        transition.inputId,
        transition.state,
        transition.finished ? this.config.finishedRetentionMs : 0,
        this.config.rememberedInputs,
        ...transition.commands.map(encodeOutboxRecord),
      );
      // After the script, so that an index sweep between the two still sees the outbox (see the top).
      if (transition.commands.length > 0)
        pipeline.sadd(this.pendingKey(transition.executionId), transition.executionId);
    }
    const results = await execPipeline(pipeline, 'applying transitions');
    return transitions.map((transition, n) =>
      interpretTransitionReply(transition.executionId, results[replyAt[n] ?? -1], transition.commands.length),
    );
  }

  async apply(transition: Transition): Promise<TransitionResult> {
    const [result] = await this.applyMany([transition]);
    return result as TransitionResult;
  }

  /** The unacknowledged entries of one execution's outbox, in publishing order. */
  async readOutbox(executionId: string): Promise<OutboxEntry[]> {
    return (await this.readOutboxes([executionId])).get(executionId) ?? [];
  }

  /** Outboxes of many executions in one round trip (e.g. the ids `pendingOutboxes` returned). */
  async readOutboxes(executionIds: readonly string[]): Promise<Map<string, OutboxEntry[]>> {
    const pipeline = this.pipeline();
    for (const id of executionIds) pipeline.hgetallBuffer(this.keys(id).outbox);
    const results = await execPipeline(pipeline, 'reading outboxes');
    const outboxes = new Map<string, OutboxEntry[]>();
    executionIds.forEach((id, n) => {
      outboxes.set(id, outboxEntriesFrom(Object.entries(results[n] as Record<string, Buffer>)));
    });
    return outboxes;
  }

  /**
   * Removes published entries (only those) and unindexes outboxes that became empty. Returns how many
   * entries each outbox still holds, in input order.
   */
  async ackOutbox(acks: readonly OutboxAck[]): Promise<number[]> {
    const pipeline = this.pipeline();
    for (const ack of acks) pipeline.percolatorAckOutbox(this.keys(ack.executionId).outbox, ...ack.ids);
    const remaining = (await execPipeline(pipeline, 'acknowledging outboxes')) as number[];
    const emptied = acks.filter((_, n) => remaining[n] === 0).map((ack) => ack.executionId);
    await this.unindex(emptied);
    return remaining;
  }

  /**
   * Executions whose outbox is not empty (up to `limit`), for a restarted orchestrator to re-publish and
   * ack. Index members whose outbox is gone are dropped on the way.
   */
  async pendingOutboxes(limit: number): Promise<string[]> {
    const found: string[] = [];
    for (let shard = 0; shard < this.config.outboxIndexShards && found.length < limit; shard++) {
      const key = outboxPendingKey(this.config.keyPrefix, shard);
      let cursor = '0';
      do {
        let members: string[];
        try {
          [cursor, members] = await this.redis.sscan(key, cursor, 'COUNT', Math.max(limit, 100));
        } catch (error) {
          throw toStateError(error, 'scanning pending outboxes');
        }
        if (members.length === 0) continue;
        const check = this.pipeline();
        for (const id of members) check.exists(this.keys(id).outbox);
        const exists = await execPipeline(check, 'checking pending outboxes');
        found.push(...members.filter((_, n) => exists[n] === 1));
        await this.unindex(members.filter((_, n) => exists[n] !== 1));
      } while (cursor !== '0' && found.length < limit);
    }
    return found.slice(0, limit);
  }

  // Remove, then look again: a transition that wrote meanwhile either re-adds itself later or is seen here.
  private async unindex(executionIds: readonly string[]): Promise<void> {
    if (executionIds.length === 0) return;
    const pipeline = this.pipeline();
    for (const id of executionIds) pipeline.srem(this.pendingKey(id), id).exists(this.keys(id).outbox);
    const results = await execPipeline(pipeline, 'unindexing outboxes');
    const refilled = executionIds.filter((_, n) => results[2 * n + 1] === 1);
    if (refilled.length === 0) return;
    const readd = this.pipeline();
    for (const id of refilled) readd.sadd(this.pendingKey(id), id);
    await execPipeline(readd, 'reindexing outboxes');
  }

  private keys(executionId: string) {
    assertExecutionId(executionId);
    return executionKeys(this.config.keyPrefix, executionId);
  }

  private pendingKey(executionId: string): string {
    return outboxPendingKey(this.config.keyPrefix, shardOf(executionId, this.config.outboxIndexShards));
  }
}
