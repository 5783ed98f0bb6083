// How long an API call may wait for a dependency. The API's clients fail fast while a dependency is away, so a
// caller gets a prompt 503 with Retry-After (problem.ts) instead of a 500 after seconds of silent retrying;
// the engine's other roles keep their patient clients.
import type { RedisOptions } from 'ioredis';
import type { PoolConfig } from 'pg';
import type { RetryOptions } from 'kafkajs';
import type { KafkaClientOptions } from '../kafka/client.js';

/** ioredis: no queueing while disconnected, one retry, and no command waits longer than 2 s. */
export const API_REDIS_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
};

/** pg: 2 s to get a connection, 10 s for a query (the slowest list or metrics query takes far less). */
export const API_POOL_OPTIONS: PoolConfig = {
  connectionTimeoutMillis: 2000,
  query_timeout: 10_000,
};

/**
 * kafkajs: the API publishes through a client of its own, since reconnecting to a broker follows the client's
 * retry settings, not the producer's: 1 s to connect, two quick retries (an idempotent producer needs one).
 */
export const API_KAFKA_CLIENT: Pick<KafkaClientOptions, 'connectionTimeoutMs' | 'retries'> = {
  connectionTimeoutMs: 1000,
  retries: 2,
};

export const API_PRODUCER_RETRY: RetryOptions = {
  retries: 2,
  initialRetryTime: 100,
  maxRetryTime: 1000,
};
