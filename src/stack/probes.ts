// One short, quiet question per service: does it really answer as that service? Every probe gives up within
// a couple of seconds and never retries, so `stack status` and the warm `stack up` stay fast.
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { formatHostPort, type HostPort } from './endpoints.js';

export interface Probe {
  up: boolean;
  /** Why it is down, or what it said when up (e.g. the registry's global compatibility). */
  detail?: string;
}

const TIMEOUT_MS = 2_000;

export async function probeKafka(broker: HostPort): Promise<Probe> {
  const kafka = new Kafka({
    clientId: 'percolator-stack-probe',
    brokers: [formatHostPort(broker)],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: TIMEOUT_MS,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0
      ? { up: true, detail: `cluster ${cluster.clusterId}` }
      : { up: false, detail: 'no broker registered yet' };
  } catch (error) {
    return { up: false, detail: message(error) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Ready means the management interface's /health/ready says so and the Confluent-compatible API answers;
 * the detail carries the global compatibility so callers can insist on BACKWARD.
 */
export async function probeRegistry(management: HostPort, apiUrl: string): Promise<Probe> {
  try {
    const health = await fetch(`http://${formatHostPort(management)}/health/ready`, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await health.body?.cancel();
    if (health.status !== 200) return { up: false, detail: `/health/ready answered ${health.status}` };
    const config = await fetch(`${apiUrl}/config`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (config.status !== 200) {
      await config.body?.cancel();
      return { up: false, detail: `${apiUrl}/config answered ${config.status}` };
    }
    const body = (await config.json()) as { compatibilityLevel?: string; compatibility?: string };
    return { up: true, detail: body.compatibilityLevel ?? body.compatibility ?? 'unknown' };
  } catch (error) {
    return { up: false, detail: message(error) };
  }
}

export async function probeRedis({ host, port }: HostPort): Promise<Probe> {
  const redis = new Redis({
    host,
    port,
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    commandTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Connection errors also arrive as events; without a listener ioredis prints them.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const answer = await redis.ping();
    return answer === 'PONG' ? { up: true } : { up: false, detail: `PING answered ${answer}` };
  } catch (error) {
    return { up: false, detail: message(error) };
  } finally {
    redis.disconnect();
  }
}

export async function probePostgres(
  target: HostPort & { user: string; password: string | undefined },
): Promise<Probe> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: 'postgres',
    connectionTimeoutMillis: TIMEOUT_MS,
    query_timeout: TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return { up: true };
  } catch (error) {
    return { up: false, detail: message(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether anything accepts connections on the port, to tell "nothing there" from "something else there". */
export function isPortOpen({ host, port }: HostPort, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function message(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return message(error.errors[0]);
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error && !error.message.includes(cause.message)
      ? `${error.message}: ${cause.message}`
      : error.message;
  }
  return String(error);
}
