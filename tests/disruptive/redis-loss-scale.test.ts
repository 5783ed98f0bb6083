// Recovery at scale, and what it costs: 1,000 executions in flight (each waiting for an event and on a delay)
// lose their Redis state to a FLUSHALL; the sweep alone (no input reveals them) puts back every state exactly as it
// was. Then the same with the history sink stopped, so that the newest 1,000 exist only on the events topic. The
// times are logged for docs/operations.md, not asserted. An in-process orchestrator and history sink run against
// a redis-server of the test's own and a private database.
import type { Kafka, Producer } from 'kafkajs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import { createKafka } from '../../src/kafka/client.js';
import { EnvelopeCodec } from '../../src/kafka/schemas.js';
import { createMissingTopics } from '../../src/kafka/topic-admin.js';
import { loadTopicSpecs, topicNames } from '../../src/kafka/topic-specs.js';
import { createLogger } from '../../src/observability/logger.js';
import { ExecutionClient } from '../../src/orchestrator/execution-client.js';
import { Orchestrator } from '../../src/orchestrator/orchestrator.js';
import { ExecutionRepository } from '../../src/store/execution-repository.js';
import { HistorySink } from '../../src/store/history-sink.js';
import { migrate } from '../../src/store/migrate.js';
import { ParkedStartRepository } from '../../src/store/parked-start-repository.js';
import { WorkflowRepository } from '../../src/store/workflow-repository.js';
import { PrivateRedis } from '../support/private-redis.js';
import { testServices, uniquePrefix } from '../support/services.js';
import { waitUntil } from '../support/wait.js';

const COUNT = 1000;

describe('losing the state of 1,000 executions in flight', () => {
  const prefix = uniquePrefix('redisscale');
  const database = `percolator_${prefix.replace(/\W/g, '_')}`;
  const logLines: string[] = [];
  let privateRedis: PrivateRedis;
  let redis: Redis;
  let admin: pg.Pool;
  let pool: pg.Pool;
  let kafka: Kafka;
  let producer: Producer;
  let client: ExecutionClient;
  let orchestrator: Orchestrator;
  let sink: HistorySink;
  let codec: EnvelopeCodec;
  let workflow: string;

  beforeAll(async () => {
    const services = testServices();
    admin = new pg.Pool({ connectionString: services.databaseUrl, max: 1 });
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(services.databaseUrl);
    url.pathname = `/${database}`;
    await migrate({ databaseUrl: url.toString() });
    pool = new pg.Pool({ connectionString: url.toString(), max: 6 });
    privateRedis = await PrivateRedis.start();
    redis = new Redis(privateRedis.url);

    kafka = createKafka({ brokers: services.kafkaBrokers, clientId: prefix });
    codec = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl));
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    await createMissingTopics(
      kafkaAdmin,
      loadTopicSpecs({ prefix }).map((spec) => ({ ...spec, partitions: Math.min(spec.partitions, 4) })),
    );
    await kafkaAdmin.disconnect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    client = new ExecutionClient(producer, codec, topicNames(prefix));

    workflow = `${prefix}.waiting`;
    const repository = new WorkflowRepository(pool);
    await repository.saveVersion({
      name: workflow,
      definition: {
        workflow: {
          name: workflow,
          steps: [
            { id: 'hold', type: 'wait_for_event', event_type: 'go' },
            { id: 'nap', type: 'delay', duration: '1h' },
          ],
        },
      },
    });
    const logger = createLogger(
      { level: 'info', name: 'scale' },
      { write: (line: string) => void logLines.push(line) },
    );
    orchestrator = new Orchestrator({
      kafka,
      redis,
      codec,
      repository,
      logger,
      topicPrefix: prefix,
      maxConcurrentWorkflows: 10 * COUNT,
      recovery: {
        executions: new ExecutionRepository(pool),
        parkedStarts: new ParkedStartRepository(pool),
        checkIntervalMs: 1000,
      },
    });
    await orchestrator.start();
    sink = new HistorySink({ kafka, codec, pool, topicPrefix: prefix, logger });
    await sink.start();
  }, 180_000);

  afterAll(async () => {
    await orchestrator?.stop();
    await sink?.stop().catch(() => undefined);
    await producer?.disconnect();
    redis?.disconnect();
    await privateRedis?.stop();
    await pool?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  /** Starts `COUNT` executions and waits until each is waiting for its event; returns their states as stored. */
  async function startWaiting(): Promise<Map<string, string>> {
    const ids = await client.start(
      Array.from({ length: COUNT }, (_, n) => ({ workflowName: workflow, input: { n } })),
    );
    let states = new Map<string, string>();
    await waitUntil(
      async () => {
        const stored = await orchestrator.store.loadMany(ids);
        states = new Map(ids.flatMap((id) => (stored.get(id) ? [[id, stored.get(id)!.state]] : [])));
        return (
          states.size === ids.length &&
          [...states.values()].every((state) => JSON.parse(state).steps.hold?.status === 'running')
        );
      },
      180_000,
      500,
    );
    return states;
  }

  /** Loses everything, then waits until every state is back as it was; returns how long that took. */
  async function loseAndRecover(expected: ReadonlyMap<string, string>): Promise<number> {
    const ids = [...expected.keys()];
    await privateRedis.flushAll();
    const lost = Date.now();
    await waitUntil(
      async () => {
        const stored = await orchestrator.store.loadMany(ids);
        return ids.every((id) => stored.get(id));
      },
      300_000,
      100,
    );
    const took = Date.now() - lost;
    const stored = await orchestrator.store.loadMany(ids);
    const different = ids.filter((id) => stored.get(id)!.state !== expected.get(id));
    expect(different.map((id) => ({ before: expected.get(id), after: stored.get(id)!.state }))).toEqual([]);
    return took;
  }

  /** The recovery's own log lines since `from`, for the record. */
  function recoveryLog(from: number): string[] {
    return logLines
      .slice(from)
      .filter((line) => /recovery sweep finished|from the events topic/.test(line))
      .map((line) => line.trim());
  }

  let first = new Map<string, string>();

  it('after a FLUSHALL the sweep puts back every state exactly, from the Postgres history', async () => {
    const states = await startWaiting();
    first = states;
    // Let the history catch up, so that this loss is recovered from Postgres.
    const ids = [...states.keys()];
    const seqs = new Map(ids.map((id) => [id, (JSON.parse(states.get(id)!) as { seq: number }).seq]));
    await waitUntil(async () => {
      const { rows } = await pool.query<{ id: string; last_event_seq: number }>(
        `SELECT id, last_event_seq FROM executions WHERE id = ANY($1)`,
        [ids],
      );
      return rows.length === COUNT && rows.every((row) => row.last_event_seq === seqs.get(row.id));
    }, 120_000);
    const logged = logLines.length;
    const took = await loseAndRecover(states);
    await waitUntil(async () => recoveryLog(logged).some((line) => /sweep finished/.test(line)), 60_000);
    console.log(`from Postgres: ${COUNT} executions back ${took} ms after the FLUSHALL`, recoveryLog(logged));
  }, 600_000);

  it('with the history sink stopped, the newest executions are rebuilt from the events topic', async () => {
    await sink.stop();
    const states = await startWaiting();
    const logged = logLines.length;
    // The older executions (in Postgres) are lost too: all of them must come back.
    const took = await loseAndRecover(new Map([...first, ...states]));
    await waitUntil(async () => recoveryLog(logged).some((line) => /sweep finished/.test(line)), 60_000);
    const lines = recoveryLog(logged);
    expect(lines.some((line) => /from the events topic/.test(line))).toBe(true);
    console.log(
      `from the events topic: ${COUNT} executions, and ${first.size} from Postgres, back ${took} ms after the FLUSHALL`,
      lines,
    );
  }, 600_000);
});
