// Quick "does it really answer" checks for each service the integration suite needs.
import { Redis } from 'ioredis';
import pg from 'pg';
import { createKafka } from '../../src/kafka/client.js';

export interface TestServices {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  redisUrl: string;
  databaseUrl: string;
}

export type ServiceName = 'Kafka' | 'schema registry' | 'Redis' | 'Postgres';

async function probeKafka(brokers: string[]): Promise<void> {
  const admin = createKafka({ brokers, clientId: 'percolator-test-probe', retries: 1 }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function probeRegistry(url: string): Promise<void> {
  const response = await fetch(`${url.replace(/\/$/, '')}/subjects`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET /subjects answered ${response.status}`);
}

async function probeRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Returns one line per service that does not answer, naming it, its address and the error. */
export async function unreachableServices(services: TestServices): Promise<string[]> {
  const checks: [ServiceName, string, Promise<void>][] = [
    ['Kafka', services.kafkaBrokers.join(','), probeKafka(services.kafkaBrokers)],
    ['schema registry', services.schemaRegistryUrl, probeRegistry(services.schemaRegistryUrl)],
    ['Redis', services.redisUrl, probeRedis(services.redisUrl)],
    ['Postgres', services.databaseUrl, probePostgres(services.databaseUrl)],
  ];
  const results = await Promise.allSettled(checks.map(([, , check]) => check));
  return results.flatMap((result, index) => {
    if (result.status === 'fulfilled') return [];
    const [name, address] = checks[index]!;
    return [`${name} at ${address}: ${(result.reason as Error).message}`];
  });
}
