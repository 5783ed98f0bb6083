import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { testServices, uniquePrefix } from '../support/services.js';

describe('Redis', () => {
  const redis = new Redis(testServices().redisUrl);
  const prefix = uniquePrefix('redis');

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('stores and reads back a hash in one pipelined round trip', async () => {
    const key = `${prefix}:{exec-1}:state`;
    const results = await redis
      .pipeline()
      .hset(key, { status: 'running', version: '3' })
      .hincrby(key, 'version', 1)
      .hgetall(key)
      .exec();
    expect(results?.every(([error]) => error === null)).toBe(true);
    expect(results?.[2]?.[1]).toEqual({ status: 'running', version: '4' });
  });

  it('runs a Lua script atomically', async () => {
    const key = `${prefix}:{exec-2}:version`;
    const compareAndSet = `
      if redis.call('GET', KEYS[1]) == ARGV[1] or (redis.call('EXISTS', KEYS[1]) == 0 and ARGV[1] == '0') then
        redis.call('SET', KEYS[1], ARGV[2]); return 1
      end
      return 0`;
    expect(await redis.eval(compareAndSet, 1, key, '0', '1')).toBe(1);
    expect(await redis.eval(compareAndSet, 1, key, '0', '2')).toBe(0);
    expect(await redis.get(key)).toBe('1');
  });
});
