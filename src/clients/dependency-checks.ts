// Readiness of the dependencies, asked through the process's own clients and configuration: whatever address
// the engine uses is the one that is checked (a relay, a managed service, a Kubernetes service name).
import type { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { ReadinessCheck } from '../api/readiness.js';

const REGISTRY_TIMEOUT_MS = 3000;

/**
 * A metadata request through a dedicated admin client that does not retry (the caller asks again a second
 * later). It passes when the cluster lists at least as many live brokers as KAFKA_BROKERS names: a configured
 * broker that is down is missing from the metadata.
 */
export function kafkaCheck(
  kafka: Kafka,
  configuredBrokers: readonly string[],
): ReadinessCheck & {
  close(): Promise<void>;
} {
  let admin: Admin | undefined;
  return {
    name: 'kafka',
    async check() {
      admin ??= kafka.admin({ retry: { retries: 0 } });
      // Cheap once connected; after an outage it reconnects.
      await admin.connect();
      const { brokers } = await admin.describeCluster();
      if (brokers.length < configuredBrokers.length) {
        const seen = brokers.map(({ host, port }) => `${host}:${port}`).join(', ') || 'none';
        throw new Error(
          `the cluster lists ${brokers.length} live broker(s) (${seen}) but KAFKA_BROKERS names ${configuredBrokers.length}`,
        );
      }
    },
    async close() {
      await admin?.disconnect();
    },
  };
}

export function redisCheck(redis: Redis): ReadinessCheck {
  return {
    name: 'redis',
    async check() {
      const reply = await redis.ping();
      if (reply !== 'PONG') throw new Error(`PING answered ${reply}`);
    },
  };
}

export function postgresCheck(pool: pg.Pool): ReadinessCheck {
  return {
    name: 'postgres',
    async check() {
      await pool.query('SELECT 1');
    },
  };
}

/** A GET on SCHEMA_REGISTRY_URL + /subjects: the Confluent-compatible API the codec itself uses. */
export function registryCheck(registryUrl: string): ReadinessCheck {
  const url = `${registryUrl.replace(/\/+$/, '')}/subjects`;
  return {
    name: 'schema-registry',
    async check() {
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(REGISTRY_TIMEOUT_MS) });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new Error(`GET ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
      }
      // Drain the body so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    },
  };
}
