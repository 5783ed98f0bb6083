// Durable timers: sorted sets sharded by execution id, claimed under a lease by an atomic script per shard.
// A timer is delivered at least once (a claimer that dies before acking loses its lease and the timer is
// claimed again); the orchestrator's duplicate-input refusal, keyed by the timer id, makes it count once.
import type { Redis } from 'ioredis';
import { PercolatorError } from '../errors.js';
import { assertExecutionId, assertKeyPrefix, shardOf, timerShardKeys, type TimerShardKeys } from './keys.js';
import { execPipeline } from './redis-errors.js';
import { scriptedPipelines, type ScriptedPipeline } from './scripts.js';
import { decodeTimerRecord, encodeTimerRecord } from './timer-record.js';

export interface TimerStoreOptions {
  redis: Redis;
  /** Prefix of every key (no braces); tests pass a unique one. */
  keyPrefix: string;
  /** How many sorted sets the timers spread over. Fixed once timers exist. Default 16. */
  shards?: number;
}

export interface TimerStoreConfig {
  keyPrefix: string;
  shards: number;
}

export interface TimerRef {
  /** Deterministic; see `timerId`. */
  id: string;
  /** Decides the shard. */
  executionId: string;
}

export interface Timer extends TimerRef {
  /** When the timer is due, ms since the epoch. */
  dueAt: number;
  /** Opaque to this layer. */
  payload: string;
}

export interface ClaimedTimer extends Timer {
  /** How many times it has been handed out, this time included; more than 1 means a claimer died. */
  deliveries: number;
  /** Until when no other claimer receives it (ms); ack before then. */
  leaseUntil: number;
}

export interface TimerIdParts {
  executionId: string;
  stepId: string;
  attempt: number;
  kind: string;
}

export const TIMER_STORE_DEFAULTS = { shards: 16 } as const;

/** The deterministic id of a timer, which also serves as the input id of its firing. */
export function timerId(parts: TimerIdParts): string {
  const escaped = [parts.executionId, parts.stepId, String(parts.attempt), parts.kind].map(
    encodeURIComponent,
  );
  return `timer:${escaped.join(':')}`;
}

/**
 * Splits `limit` claims over shards that have `available[s]` due timers: everything when it fits, else a
 * fair share per shard where the shards with fewer timers hand their unused share to the others.
 */
export function allocateClaims(available: readonly number[], limit: number): number[] {
  const allocation = available.map(() => 0);
  const order = available.map((_, shard) => shard).sort((a, b) => (available[a] ?? 0) - (available[b] ?? 0));
  let left = limit;
  order.forEach((shard, position) => {
    const share = Math.min(available[shard] ?? 0, Math.floor(left / (order.length - position)));
    allocation[shard] = share;
    left -= share;
  });
  return allocation;
}

export function resolveTimerStoreConfig(options: Omit<TimerStoreOptions, 'redis'>): TimerStoreConfig {
  assertKeyPrefix(options.keyPrefix);
  const shards = options.shards ?? TIMER_STORE_DEFAULTS.shards;
  if (!Number.isSafeInteger(shards) || shards < 1) {
    throw new PercolatorError('STATE_INVALID_ARGUMENT', 'timer shards must be a positive integer', false);
  }
  return { keyPrefix: options.keyPrefix, shards };
}

// Keeps each script call's ARGV to a modest size however large the batch.
const PER_CALL = 500;

export class TimerStore {
  readonly config: TimerStoreConfig;
  private readonly pipeline: () => ScriptedPipeline;
  private readonly shardKeys: TimerShardKeys[];

  constructor(options: TimerStoreOptions) {
    this.config = resolveTimerStoreConfig(options);
    this.pipeline = scriptedPipelines(options.redis);
    this.shardKeys = Array.from({ length: this.config.shards }, (_, shard) =>
      timerShardKeys(this.config.keyPrefix, shard),
    );
  }

  /** Adds timers; an id already scheduled or in flight keeps its first schedule. Returns how many were new. */
  async schedule(timers: readonly Timer[]): Promise<number> {
    for (const timer of timers) {
      if (!Number.isSafeInteger(timer.dueAt) || timer.dueAt < 0) {
        throw new PercolatorError(
          'STATE_INVALID_ARGUMENT',
          `timer ${timer.id} needs a due time in ms`,
          false,
        );
      }
    }
    const added = await this.perShard(timers, 'scheduling timers', (pipeline, keys, batch) =>
      pipeline.percolatorTimerSchedule(
        keys.due,
        keys.inflight,
        keys.data,
        ...batch.flatMap((timer) => [
          timer.id,
          timer.dueAt,
          encodeTimerRecord({
            deliveries: 0,
            dueAt: timer.dueAt,
            executionId: timer.executionId,
            payload: timer.payload,
          }),
        ]),
      ),
    );
    return sum(added);
  }

  /** Drops timers, due or in flight. Returns how many existed. */
  async cancel(refs: readonly TimerRef[]): Promise<number> {
    const removed = await this.perShard(refs, 'cancelling timers', (pipeline, keys, batch) =>
      pipeline.percolatorTimerCancel(keys.due, keys.inflight, keys.data, ...batch.map((ref) => ref.id)),
    );
    return sum(removed);
  }

  /** Forgets delivered timers. Returns how many were in flight. */
  async ack(refs: readonly TimerRef[]): Promise<number> {
    const removed = await this.perShard(refs, 'acknowledging timers', (pipeline, keys, batch) =>
      pipeline.percolatorTimerAck(keys.due, keys.inflight, keys.data, ...batch.map((ref) => ref.id)),
    );
    return sum(removed);
  }

  /**
   * Claims up to `limit` timers due at `now` (the caller's clock), each under a lease of `leaseMs`: timers
   * whose lease ran out first, then due ones, spread fairly over the shards. One pipelined round trip counts
   * what each shard has, a second claims; when nothing is due the second is skipped.
   */
  async claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedTimer[]> {
    for (const [name, value] of [
      ['now', now],
      ['limit', limit],
      ['leaseMs', leaseMs],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < (name === 'now' ? 0 : 1)) {
        throw new PercolatorError(
          'STATE_INVALID_ARGUMENT',
          `claimDue: ${name} must be a ${name === 'now' ? 'non-negative' : 'positive'} integer`,
          false,
        );
      }
    }
    const count = this.pipeline();
    for (const keys of this.shardKeys) count.zcount(keys.inflight, '-inf', now).zcount(keys.due, '-inf', now);
    const counts = (await execPipeline(count, 'counting due timers')) as number[];
    const available = this.shardKeys.map(
      (_, shard) => (counts[2 * shard] ?? 0) + (counts[2 * shard + 1] ?? 0),
    );
    const allocation = allocateClaims(available, limit);
    const claiming = allocation.flatMap((share, shard) => (share > 0 ? [{ shard, share }] : []));
    if (claiming.length === 0) return [];

    const claim = this.pipeline();
    for (const { shard, share } of claiming) {
      const keys = this.shardKeys[shard] as TimerShardKeys;
      claim.percolatorTimerClaim(keys.due, keys.inflight, keys.data, now, share, leaseMs);
    }
    const replies = (await execPipeline(claim, 'claiming due timers')) as string[][];
    const claimed: ClaimedTimer[] = [];
    for (const reply of replies) {
      for (let n = 0; n + 1 < reply.length; n += 2) {
        claimed.push({
          id: reply[n] as string,
          ...decodeTimerRecord(reply[n + 1] as string),
          leaseUntil: now + leaseMs,
        });
      }
    }
    return claimed.sort((a, b) => a.dueAt - b.dueAt);
  }

  private async perShard<T extends TimerRef>(
    items: readonly T[],
    action: string,
    queue: (pipeline: ScriptedPipeline, keys: TimerShardKeys, batch: T[]) => void,
  ): Promise<number[]> {
    const byShard = new Map<number, T[]>();
    for (const item of items) {
      assertExecutionId(item.executionId);
      if (item.id.length === 0)
        throw new PercolatorError('STATE_INVALID_ARGUMENT', 'a timer id is empty', false);
      const shard = shardOf(item.executionId, this.config.shards);
      const group = byShard.get(shard);
      if (group) group.push(item);
      else byShard.set(shard, [item]);
    }
    if (byShard.size === 0) return [];
    const pipeline = this.pipeline();
    for (const [shard, group] of byShard) {
      for (let first = 0; first < group.length; first += PER_CALL) {
        queue(pipeline, this.shardKeys[shard] as TimerShardKeys, group.slice(first, first + PER_CALL));
      }
    }
    return (await execPipeline(pipeline, action)) as number[];
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
