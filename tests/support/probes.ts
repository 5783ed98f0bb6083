// Quick "does it really answer" checks for each service the integration suite needs.
import pg from 'pg';
import { parseHostPort } from '../../src/stack/endpoints.js';
import { probeKafka, probeRedis } from '../../src/stack/probes.js';

export interface TestServices {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  redisUrl: string;
  databaseUrl: string;
}

export type ServiceName = 'Kafka' | 'schema registry' | 'Redis' | 'Postgres';

/** The local stack's own probes answer for Kafka and Redis; a probe that finds nothing says why. */
async function viaStackProbe(probe: Promise<{ up: boolean; detail?: string }>): Promise<void> {
  const result = await probe;
  if (!result.up) throw new Error(result.detail ?? 'no answer');
}

function hostPortOf(url: string, defaultPort: number) {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : defaultPort };
}

async function probeRegistry(url: string): Promise<void> {
  const response = await fetch(`${url.replace(/\/$/, '')}/subjects`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET /subjects answered ${response.status}`);
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
    [
      'Kafka',
      services.kafkaBrokers.join(','),
      viaStackProbe(probeKafka(parseHostPort(services.kafkaBrokers[0] ?? '', 9092))),
    ],
    ['schema registry', services.schemaRegistryUrl, probeRegistry(services.schemaRegistryUrl)],
    ['Redis', services.redisUrl, viaStackProbe(probeRedis(hostPortOf(services.redisUrl, 6379)))],
    ['Postgres', services.databaseUrl, probePostgres(services.databaseUrl)],
  ];
  const results = await Promise.allSettled(checks.map(([, , check]) => check));
  return results.flatMap((result, index) => {
    if (result.status === 'fulfilled') return [];
    const [name, address] = checks[index]!;
    return [`${name} at ${address}: ${(result.reason as Error).message}`];
  });
}
