// The scheduler's lease in Redis: one holder at a time computes and fires due ticks. The lease value is
// `<epoch>:<instance token>`; the epoch grows by one at every acquisition, so a holder that lost the lease (a
// pause longer than the TTL) and a later holder never share a value. Recording the last fired ticks is a fenced
// write: it happens only while the caller's exact lease value is still current, and a tick never moves back.
import type { Redis } from 'ioredis';
import { assertKeyPrefix } from '../../state/keys.js';

// KEYS: lease, epoch counter. ARGV: instance token, TTL ms.
// Returns the lease value when the caller holds the lease after the call (renewed or newly acquired), else nil.
const HOLD = `
local current = redis.call('GET', KEYS[1])
if current then
  local sep = string.find(current, ':', 1, true)
  if sep and string.sub(current, sep + 1) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return current
  end
  return false
end
local value = redis.call('INCR', KEYS[2]) .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return value
`;

// KEYS: lease, last-fired hash. ARGV: expected lease value, then pairs of trigger id and tick (ms).
// Returns 1 when written, 0 when the lease is no longer the caller's (nothing written).
const COMMIT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do
  local current = redis.call('HGET', KEYS[2], ARGV[i])
  if not current or tonumber(current) < tonumber(ARGV[i + 1]) then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  end
end
return 1
`;

// KEYS: lease. ARGV: expected lease value. Returns 1 when released, 0 when it was not the caller's.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export class SchedulerLease {
  private readonly keys: { lease: string; epoch: string; last: string };

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly token: string,
    private readonly ttlMs: number,
  ) {
    assertKeyPrefix(keyPrefix);
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
    const value = (await this.redis.eval(
      HOLD,
      2,
      this.keys.lease,
      this.keys.epoch,
      this.token,
      this.ttlMs,
    )) as string | null;
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
    const written = await this.redis.eval(COMMIT, 2, this.keys.lease, this.keys.last, leaseValue, ...pairs);
    return written === 1;
  }

  async release(leaseValue: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.keys.lease, leaseValue);
  }
}
