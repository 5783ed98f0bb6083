import { describe, expect, it } from 'vitest';
import { decodeTimerRecord, encodeTimerRecord } from '../../../src/state/timer-record.js';
import { allocateClaims, timerId } from '../../../src/state/timers.js';

describe('timer helpers', () => {
  it('derives the same timer id from the same parts, and different ids from different parts', () => {
    const parts = { executionId: 'e1', stepId: 'draft', attempt: 2, kind: 'retry' };
    expect(timerId(parts)).toBe('timer:e1:draft:2:retry');
    expect(timerId(parts)).toBe(timerId({ ...parts }));
    // Separators inside a part cannot make two timers collide.
    expect(timerId({ ...parts, executionId: 'e1:draft', stepId: '2' })).not.toBe(
      timerId({ ...parts, executionId: 'e1', stepId: 'draft:2' }),
    );
  });

  it('round-trips a timer record whose payload holds newlines', () => {
    const record = { deliveries: 3, dueAt: 1_700_000_000_123, executionId: 'e1', payload: 'a\nb\n' };
    expect(decodeTimerRecord(encodeTimerRecord(record))).toEqual(record);
    expect(() => decodeTimerRecord('1\n2')).toThrow(/malformed/);
  });

  it('claims everything when it fits under the limit', () => {
    expect(allocateClaims([3, 0, 5], 10)).toEqual([3, 0, 5]);
  });

  it('shares a tight limit fairly, passing unused shares on', () => {
    expect(allocateClaims([5, 5, 5], 7)).toEqual([2, 2, 3]);
    expect(allocateClaims([1, 100, 0, 40], 30)).toEqual([1, 15, 0, 14]);
    expect(allocateClaims([9, 9], 1)).toEqual([0, 1]);
    const cases: [number[], number][] = [
      [[4, 8, 15, 16, 23, 42], 50],
      [[0, 0, 7], 3],
      [[2, 2, 2, 2], 5],
    ];
    for (const [available, limit] of cases) {
      const allocation = allocateClaims(available, limit);
      const total = available.reduce((sum, count) => sum + count, 0);
      expect(allocation.reduce((sum, share) => sum + share, 0)).toBe(Math.min(limit, total));
      allocation.forEach((share, shard) => expect(share).toBeLessThanOrEqual(available[shard] ?? 0));
    }
  });
});
