import { describe, expect, it } from 'vitest';
import {
  assertExecutionId,
  assertKeyPrefix,
  executionKeys,
  outboxPendingKey,
  shardOf,
  timerShardKeys,
} from '../../../src/state/keys.js';

// The hash tag Redis Cluster hashes: the text between the first '{' and the next '}'.
function hashTag(key: string): string {
  const open = key.indexOf('{');
  return key.slice(open + 1, key.indexOf('}', open + 1));
}

describe('state keys', () => {
  it('puts every key of one execution under the execution id as hash tag', () => {
    const keys = executionKeys('percolator', 'exec-42');
    expect(keys).toEqual({ state: 'percolator:{exec-42}:state', outbox: 'percolator:{exec-42}:outbox' });
    expect(new Set(Object.values(keys).map(hashTag))).toEqual(new Set(['exec-42']));
  });

  it('gives each index and timer shard a tag of its own, shared by the keys one script touches', () => {
    expect(outboxPendingKey('p', 3)).toBe('p:outbox-pending:{3}');
    const timers = timerShardKeys('p', 5);
    expect(timers).toEqual({
      due: 'p:timers:{5}',
      inflight: 'p:timers:{5}:inflight',
      data: 'p:timers:{5}:data',
    });
    expect(new Set(Object.values(timers).map(hashTag))).toEqual(new Set(['5']));
  });

  it('refuses prefixes and execution ids that would move the hash tag', () => {
    for (const bad of ['', 'a{b', 'a}b', 'a\nb']) {
      expect(() => assertKeyPrefix(bad)).toThrow(/prefix/);
      expect(() => assertExecutionId(bad)).toThrow(/execution id/);
    }
    expect(() => assertExecutionId('3f2a:retry.1')).not.toThrow();
  });

  it('shards ids stably and evenly', () => {
    expect(shardOf('exec-1', 16)).toBe(shardOf('exec-1', 16));
    // FNV-1a of the empty input is its offset basis.
    expect(shardOf('', 1 << 30)).toBe(0x811c9dc5 % (1 << 30));
    expect(shardOf('a', 2 ** 32 - 1)).toBe(0xe40c292c);
    const counts = new Array<number>(16).fill(0);
    for (let n = 0; n < 16_000; n++) counts[shardOf(`exec-${n}`, 16)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });
});
