// A new deployment loses no event (issue 18): on a brand-new topic prefix, a CloudEvent sent as soon as
// /ready answers 200 starts its workflow; and a trigger on a topic created after the engine started gets that
// topic's first event too.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startEngine, type RunningEngine } from '../../src/engine.js';
import { createKafka } from '../../src/kafka/client.js';
import { createMissingTopics } from '../../src/kafka/topic-admin.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { createLogger } from '../../src/observability/logger.js';
import { ExecutionStore } from '../../src/state/index.js';
import { WorkflowRepository } from '../../src/store/workflow-repository.js';
import { eventExecutionId } from '../../src/triggers/ids.js';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Producer } from 'kafkajs';
import { testServices, uniquePrefix } from '../support/services.js';
import { waitUntil } from '../support/wait.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('event triggers on a fresh deployment', () => {
  const services = testServices();
  const prefix = uniquePrefix('fresh');
  const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: prefix });
  const pool = new pg.Pool({ connectionString: services.databaseUrl, max: 2 });
  const redis = new Redis(services.redisUrl);
  const repository = new WorkflowRepository(pool);
  const store = new ExecutionStore({ redis, keyPrefix: prefix });
  let engine: RunningEngine | undefined;
  let producer: Producer;
  let port: number;

  beforeAll(async () => {
    producer = kafka.producer();
    await producer.connect();
    port = await freePort();
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
    await pool.query(`UPDATE workflows SET status = 'archived' WHERE starts_with(name, $1)`, [prefix]);
    await producer?.disconnect();
    redis.disconnect();
    await pool.end();
  });

  async function register(name: string, trigger: Record<string, unknown>): Promise<string> {
    const definition = {
      workflow: {
        name,
        triggers: [{ type: 'event', ...trigger }],
        steps: [{ id: 'note', type: 'transform', output: "{ 'got': id }" }],
      },
    };
    await repository.saveVersion({ name, definition });
    return (await repository.getActive(name))!.workflowId;
  }

  async function completes(executionId: string): Promise<void> {
    await waitUntil(async () => {
      const stored = await store.load(executionId);
      return stored !== null && (JSON.parse(stored.state) as { status: string }).status === 'completed';
    }, 60_000);
  }

  it('an event sent right after /ready starts its workflow, and so does the first event of a topic created later', async () => {
    const eventType = `${prefix}.order.placed`;
    const first = await register(`${prefix}.on-order`, { event_type: eventType });
    const config = {
      ...loadConfig({
        KAFKA_BROKERS: services.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
        REDIS_URL: services.redisUrl,
        DATABASE_URL: services.databaseUrl,
        PORT: String(port),
        AUTH_MODE: 'off',
        LOG_LEVEL: 'fatal',
      }),
      topicPrefix: prefix,
    };
    engine = await startEngine(config, 'all', createLogger({ level: 'fatal' }));
    await waitUntil(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
        return response?.status === 200;
      },
      60_000,
      50,
    );

    await producer.send({
      topic: topicNames(prefix).eventsInbound,
      acks: -1,
      messages: [
        {
          value: JSON.stringify({
            specversion: '1.0',
            type: eventType,
            id: 'e-1',
            source: '/t',
            data: { id: 1 },
          }),
        },
      ],
    });
    await completes(eventExecutionId(first, 0, 'id:/t:e-1'));

    // A workflow whose trigger reads a topic that does not exist yet; the topic is created, and its very first
    // record is the event.
    const lateTopic = `${prefix}.late-orders`;
    const second = await register(`${prefix}.on-late-order`, { event_type: eventType, topic: lateTopic });
    const admin = kafka.admin();
    await admin.connect();
    await createMissingTopics(admin, [{ name: lateTopic, partitions: 1 }]);
    await admin.disconnect();
    await producer.send({
      topic: lateTopic,
      acks: -1,
      messages: [
        {
          value: JSON.stringify({
            specversion: '1.0',
            type: eventType,
            id: 'e-2',
            source: '/t',
            data: { id: 2 },
          }),
        },
      ],
    });
    await completes(eventExecutionId(second, 0, 'id:/t:e-2'));
    expect((await store.load(eventExecutionId(second, 0, 'id:/t:e-2')))?.state).toContain('"got":2');
  }, 180_000);
});
