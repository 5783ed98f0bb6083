// The Redis client of every long-lived process: bounded waits, reconnection for ever, errors logged as JSON.
// A Redis outage then shows as fast, retriable command failures (STATE_UNAVAILABLE) that the callers retry or
// answer 503 to, and the client comes back by itself when Redis does; it never crashes the process.
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { clientErrorLog } from './client-error-log.js';

/** Defaults chosen so a caller waits seconds, not minutes, for Redis before it gets a retriable error. */
export const REDIS_CLIENT_DEFAULTS = {
  /** A TCP connect (or a TLS handshake) that takes longer is abandoned and retried. */
  connectTimeout: 3000,
  /** A command with no reply after this long fails; a blackholed connection is not waited on for ever. */
  commandTimeout: 5000,
  /** A command queued while disconnected fails after this many reconnect attempts (about a second). */
  maxRetriesPerRequest: 2,
} as const;

export function createRedisClient(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    ...REDIS_CLIENT_DEFAULTS,
    // Reconnect for ever, backing off to one attempt every 2 s; a null here would end the client for good.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  });
  watchRedis(redis, logger);
  return redis;
}

/** Gives a client built elsewhere (e.g. a duplicate()) the same error listener. */
export function watchRedis(redis: Redis, logger: Logger): void {
  const log = clientErrorLog({ logger, dependency: 'redis' });
  // Without an 'error' listener ioredis prints "[ioredis] Unhandled error event" to stderr, as plain text.
  redis.on('error', (error) => log.error(error));
  redis.on('ready', () => log.recovered());
}
