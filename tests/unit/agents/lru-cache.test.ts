import { describe, expect, it } from 'vitest';
import { LruCache } from '../../../src/agents/sdk/lru-cache.js';

describe('LruCache', () => {
  it('forgets the least recently used entry beyond its capacity', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect(cache.has('b')).toBe(false);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('overwriting a key refreshes it without growing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(10);
    expect(cache.has('b')).toBe(false);
    expect(cache.size).toBe(2);
  });

  it('has() does not refresh an entry', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.has('a')).toBe(true);
    cache.set('c', 3);
    expect(cache.has('a')).toBe(false);
  });

  it('keeps falsy values apart from absent keys', () => {
    const cache = new LruCache<string, number | null>(3);
    cache.set('zero', 0);
    cache.set('null', null);
    expect(cache.get('zero')).toBe(0);
    expect(cache.get('null')).toBeNull();
    expect(cache.get('missing')).toBeUndefined();
    expect(cache.delete('zero')).toBe(true);
    expect(cache.has('zero')).toBe(false);
  });

  it('refuses a capacity below one', () => {
    expect(() => new LruCache(0)).toThrow(RangeError);
  });
});
