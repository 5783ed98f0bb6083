import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../../src/agents/sdk/offset-tracker.js';

describe('OffsetTracker', () => {
  it('has nothing to commit before it sees a record', () => {
    expect(new OffsetTracker().committable()).toBeNull();
  });

  it('commits up to the first record whose result is not published, whatever order they finish in', () => {
    const tracker = new OffsetTracker();
    for (const offset of [5, 6, 7, 8]) tracker.add(offset);
    expect(tracker.committable()).toBe(5);
    tracker.complete(7);
    tracker.complete(6);
    expect(tracker.committable()).toBe(5);
    tracker.complete(5);
    expect(tracker.committable()).toBe(8);
    tracker.complete(8);
    expect(tracker.committable()).toBe(9);
    expect(tracker.outstanding).toBe(0);
  });

  it('never commits past a record that was given back', () => {
    const tracker = new OffsetTracker();
    for (const offset of [0, 1, 2]) tracker.add(offset);
    tracker.complete(0);
    tracker.complete(2);
    expect(tracker.committable()).toBe(1);
  });

  it('ignores completing an offset it does not hold', () => {
    const tracker = new OffsetTracker();
    tracker.add(3);
    tracker.complete(99);
    expect(tracker.committable()).toBe(3);
  });
});
