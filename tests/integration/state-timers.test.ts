import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { timerShardKeys } from '../../src/state/keys.js';
import { TimerStore, timerId, type Timer } from '../../src/state/timers.js';
import { testServices, uniquePrefix } from '../support/services.js';

const redis = new Redis(testServices().redisUrl);
const prefixes: string[] = [];
const T0 = 1_700_000_000_000;

function newTimers(label: string, shards = 4) {
  const keyPrefix = uniquePrefix(label);
  prefixes.push(keyPrefix);
  return new TimerStore({ redis, keyPrefix, shards });
}

function timer(executionId: string, stepId: string, dueAt: number, attempt = 1): Timer {
  const id = timerId({ executionId, stepId, attempt, kind: 'retry' });
  return { id, executionId, dueAt, payload: JSON.stringify({ executionId, stepId, attempt }) };
}

afterAll(async () => {
  for (const prefix of prefixes) {
    for (let shard = 0; shard < 8; shard++) {
      const keys = timerShardKeys(prefix, shard);
      await redis.del(keys.due, keys.inflight, keys.data);
    }
  }
  redis.disconnect();
});

describe('TimerStore', () => {
  it('claims only the timers that are due, and delivers their payload', async () => {
    const timers = newTimers('timers-due');
    const early = timer('e1', 'draft', T0 + 1000);
    const late = timer('e2', 'review', T0 + 5000);
    expect(await timers.schedule([early, late])).toBe(2);

    expect(await timers.claimDue(T0 + 999, 10, 30_000)).toEqual([]);
    expect(await timers.claimDue(T0 + 1000, 10, 30_000)).toEqual([
      { ...early, deliveries: 1, leaseUntil: T0 + 31_000 },
    ]);
    // Claimed and leased: not handed out again while the lease lasts.
    expect(await timers.claimDue(T0 + 2000, 10, 30_000)).toEqual([]);
    expect(await timers.ack([early])).toBe(1);
    expect(await timers.claimDue(T0 + 60_000, 10, 30_000)).toEqual([
      { ...late, deliveries: 1, leaseUntil: T0 + 90_000 },
    ]);
  });

  it('hands a timer out again when its claimer let the lease run out', async () => {
    const timers = newTimers('timers-lease');
    const due = timer('e1', 'draft', T0);
    await timers.schedule([due]);

    const [first] = await timers.claimDue(T0, 10, 1000);
    expect(first).toMatchObject({ id: due.id, deliveries: 1, leaseUntil: T0 + 1000 });
    expect(await timers.claimDue(T0 + 999, 10, 1000)).toEqual([]);

    const [second] = await timers.claimDue(T0 + 1000, 10, 1000);
    expect(second).toMatchObject({ id: due.id, deliveries: 2, dueAt: T0, leaseUntil: T0 + 2000 });
    expect(await timers.ack([due])).toBe(1);
    expect(await timers.ack([due])).toBe(0);
    expect(await timers.claimDue(T0 + 10_000, 10, 1000)).toEqual([]);
  });

  it('keeps one timer when the same id is scheduled twice, even while it is in flight', async () => {
    const timers = newTimers('timers-idem');
    const original = timer('e1', 'draft', T0);
    expect(await timers.schedule([original, original])).toBe(1);
    expect(await timers.schedule([{ ...original, dueAt: T0 + 1, payload: 'other' }])).toBe(0);

    const claimed = await timers.claimDue(T0 + 5, 10, 1000);
    expect(claimed).toEqual([{ ...original, deliveries: 1, leaseUntil: T0 + 1005 }]);
    expect(await timers.schedule([original])).toBe(0);
    expect(await timers.claimDue(T0 + 500, 10, 1000)).toEqual([]);
  });

  it('cancels timers that are due or in flight', async () => {
    const timers = newTimers('timers-cancel');
    const waiting = timer('e1', 'draft', T0 + 10_000);
    const inFlight = timer('e2', 'draft', T0);
    const kept = timer('e3', 'draft', T0 + 10_000);
    await timers.schedule([waiting, inFlight, kept]);
    await timers.claimDue(T0, 10, 1000);

    expect(await timers.cancel([waiting, inFlight, timer('e4', 'never', T0)])).toBe(2);
    const later = await timers.claimDue(T0 + 20_000, 10, 1000);
    expect(later.map((claimed) => claimed.id)).toEqual([kept.id]);
    // A cancelled id may be scheduled anew.
    expect(await timers.schedule([waiting])).toBe(1);
  });

  it('spreads a limited claim over the shards and claims the rest on the next call', async () => {
    const timers = newTimers('timers-limit', 8);
    const all = Array.from({ length: 50 }, (_, n) => timer(`exec-${n}`, 'step', T0 + n));
    await timers.schedule(all);

    const first = await timers.claimDue(T0 + 100, 20, 1000);
    expect(first).toHaveLength(20);
    const rest = await timers.claimDue(T0 + 100, 100, 1000);
    expect(rest).toHaveLength(30);
    expect(new Set([...first, ...rest].map((claimed) => claimed.id)).size).toBe(50);
  });

  it('never gives two racing claimers the same timer: 500 timers, disjoint sets, nothing lost', async () => {
    const prefixTimers = newTimers('timers-race', 8);
    const all = Array.from({ length: 500 }, (_, n) => timer(`exec-${n}`, `step-${n % 3}`, T0 + n));
    expect(await prefixTimers.schedule(all)).toBe(500);

    // Two claimers with their own connections, claiming in small bites until nothing is left.
    const claimers = [new Redis(testServices().redisUrl), new Redis(testServices().redisUrl)];
    try {
      const received = await Promise.all(
        claimers.map(async (connection) => {
          const store = new TimerStore({
            redis: connection,
            keyPrefix: prefixTimers.config.keyPrefix,
            shards: 8,
          });
          const mine: string[] = [];
          for (;;) {
            const batch = await store.claimDue(T0 + 1000, 7, 60_000);
            if (batch.length === 0) break;
            mine.push(...batch.map((claimed) => claimed.id));
          }
          return mine;
        }),
      );
      const [a = [], b = []] = received;
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      expect(a.filter((id) => b.includes(id))).toEqual([]);
      expect(new Set([...a, ...b])).toEqual(new Set(all.map((t) => t.id)));
      expect(a.length + b.length).toBe(500);
    } finally {
      for (const connection of claimers) connection.disconnect();
    }
  });
});
