import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../../src/agents/sdk/concurrency-limiter.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimiter', () => {
  it('never runs more tasks at once than its capacity, and runs them all', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let running = 0;
    let peak = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 1 + (index % 4)));
          running--;
          return index;
        }),
      ),
    );
    expect(done).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(peak).toBe(3);
    expect(limiter.active).toBe(0);
    expect(limiter.waiting).toBe(0);
  });

  it('grants slots in the order they were asked for', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const first = await limiter.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) => limiter.acquire().then((release) => (order.push(n), release)));
    expect(limiter.waiting).toBe(3);
    first();
    for (const waiter of waiters) (await waiter)();
    expect(order).toEqual([1, 2, 3]);
  });

  it('drops a waiter whose signal aborts, with the signal reason, and frees nothing twice', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    const next = limiter.acquire();
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(limiter.waiting).toBe(1);
    held();
    held();
    const release = await next;
    expect(limiter.active).toBe(1);
    release();
    await tick();
    expect(limiter.active).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = new ConcurrencyLimiter(2);
    await expect(limiter.acquire(AbortSignal.abort(new Error('late')))).rejects.toThrow('late');
    expect(limiter.active).toBe(0);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
    expect(() => new ConcurrencyLimiter(1.5)).toThrow(RangeError);
  });
});
