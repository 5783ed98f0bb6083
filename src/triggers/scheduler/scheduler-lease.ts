// The scheduler's lease in Redis: one holder at a time computes and fires due ticks. The lease value is
// `<epoch>:<instance token>`; the epoch grows by one at every acquisition, so a holder that lost the lease (a
// pause longer than the TTL) and a later holder never share a value. Recording the last fired ticks is a fenced
// write: it happens only while the caller's exact lease value is still current, and a tick never moves back.
import type { Redis } from 'ioredis';
import { assertKeyPrefix } from '../../state/keys.js';
import { defineScripts, type ScriptCommands } from '../../state/scripts.js';

// The scripts (percolatorLeaseHold, percolatorLeaseCommit, percolatorLeaseRelease) live with the state layer's
// others, in src/state/lua/scheduler-lease.ts.

export class SchedulerLease {
  private readonly keys: { lease: string; epoch: string; last: string };
  private readonly redis: Redis & ScriptCommands;

  constructor(
    redis: Redis,
    keyPrefix: string,
    private readonly token: string,
    private readonly ttlMs: number,
  ) {
    assertKeyPrefix(keyPrefix);
    this.redis = defineScripts(redis);
    if (token.includes(':')) throw new Error('a scheduler instance token may not contain ":"');
    // One hash tag: the scripts touch several of these keys at once, which Redis Cluster allows within a slot.
    this.keys = {
      lease: `${keyPrefix}:{scheduler}:lease`,
      epoch: `${keyPrefix}:{scheduler}:epoch`,
      last: `${keyPrefix}:{scheduler}:last`,
    };
  }

  /** Renews or acquires the lease; returns the lease value while this instance holds it, else null. */
  async hold(): Promise<string | null> {
    const value = await this.redis.percolatorLeaseHold(
      this.keys.lease,
      this.keys.epoch,
      this.token,
      this.ttlMs,
    );
    return value ?? null;
  }

  /** The last fired tick (ms) of each trigger id, undefined for a trigger never seen. */
  async lastTicks(triggerIds: readonly string[]): Promise<(number | undefined)[]> {
    if (triggerIds.length === 0) return [];
    const values = await this.redis.hmget(this.keys.last, ...triggerIds);
    return values.map((value) => (value === null ? undefined : Number(value)));
  }

  /** Records ticks as fired (never moving one back) if `leaseValue` still holds the lease. */
  async commit(leaseValue: string, ticks: ReadonlyMap<string, number>): Promise<boolean> {
    if (ticks.size === 0) return true;
    const pairs = [...ticks].flatMap(([id, tick]) => [id, String(tick)]);
    const written = await this.redis.percolatorLeaseCommit(
      this.keys.lease,
      this.keys.last,
      leaseValue,
      ...pairs,
    );
    return written === 1;
  }

  async release(leaseValue: string): Promise<void> {
    await this.redis.percolatorLeaseRelease(this.keys.lease, leaseValue);
  }
}
