// Dependency outages at the API: with Redis, Postgres or Kafka unreachable, calls answer 503 problem+json with
// Retry-After (not a 500 after seconds of retries), GET of an execution falls back to the Postgres history
// marked as possibly behind, and everything works again once the dependency is back. The shared services are
// never stopped: Redis and Postgres are reached through TCP relays this test cuts, Kafka through a socket
// factory it cuts.
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { createApp } from '../../src/api/app.js';
import {
  API_KAFKA_CLIENT,
  API_POOL_OPTIONS,
  API_PRODUCER_RETRY,
  API_REDIS_OPTIONS,
} from '../../src/api/client-bounds.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { ExecutionClient } from '../../src/orchestrator/execution-client.js';
import { ExecutionStore } from '../../src/state/index.js';
import { ApiKeyRepository, AuditRepository } from '../../src/store/access-repository.js';
import { ExecutionRepository } from '../../src/store/execution-repository.js';
import { WorkflowRepository } from '../../src/store/workflow-repository.js';
import { TestEngine } from '../support/engine.js';
import { testServices } from '../support/services.js';
import { waitUntil } from '../support/wait.js';

/** A TCP relay to a service; cut() refuses new connections and drops the open ones, restore() undoes it. */
class Relay {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  async open(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/** A kafkajs socket factory whose connections can be cut: while cut, every connection is refused. */
function cuttableSockets(closedPort: () => number) {
  const sockets = new Set<net.Socket>();
  let cut = false;
  return {
    factory: ({ host, port, onConnect }: { host: string; port: number; onConnect: () => void }) => {
      const socket = cut ? net.connect(closedPort(), '127.0.0.1') : net.connect({ host, port }, onConnect);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      return socket;
    },
    cut() {
      cut = true;
      // As a broker that dies does: the peer resets the connection.
      for (const socket of sockets)
        socket.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    },
    restore() {
      cut = false;
    },
  };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  ms: number;
}

describe('admin API: dependency outages', () => {
  let engine: TestEngine;
  let server: Server;
  let url: string;
  let redisRelay: Relay;
  let postgresRelay: Relay;
  let apiRedis: Redis;
  let apiPool: pg.Pool;
  let kafka: Kafka;
  let producer: Producer;
  let sockets: ReturnType<typeof cuttableSockets>;
  let workflowName: string;
  const timings: Record<string, number> = {};

  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const started = Date.now();
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      ms: Date.now() - started,
    };
  };

  const expectOutage = (answer: Answer, dependency: string) => {
    expect(answer.status, JSON.stringify(answer.body)).toBe(503);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(answer.body).toMatchObject({ type: 'urn:percolator:problem:dependency-unavailable', dependency });
  };

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'api-outage', agents: [echoAgent] });
    await engine.startHistorySink();
    workflowName = await engine.register({
      workflow: { name: 'echo', steps: [{ id: 'say', type: 'agent', agent_type: 'echo', action: 'echo' }] },
    });

    const services = testServices();
    const redisUrl = new URL(services.redisUrl);
    redisRelay = new Relay(redisUrl.hostname, Number(redisUrl.port || 6379));
    await redisRelay.open();
    const databaseUrl = new URL(services.databaseUrl);
    postgresRelay = new Relay(databaseUrl.hostname, Number(databaseUrl.port || 5432));
    await postgresRelay.open();
    apiRedis = new Redis({ host: '127.0.0.1', port: redisRelay.port, ...API_REDIS_OPTIONS });
    apiRedis.on('error', () => undefined);
    await waitUntil(async () => apiRedis.status === 'ready', 30_000);
    const viaRelay = new URL(services.databaseUrl);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(postgresRelay.port);
    apiPool = new pg.Pool({ connectionString: viaRelay.toString(), max: 4, ...API_POOL_OPTIONS });
    apiPool.on('error', () => undefined);

    const refused = await closedPort();
    sockets = cuttableSockets(() => refused);
    kafka = new Kafka({
      clientId: `${engine.prefix}.api`,
      brokers: services.kafkaBrokers,
      connectionTimeout: API_KAFKA_CLIENT.connectionTimeoutMs!,
      retry: { retries: API_KAFKA_CLIENT.retries!, initialRetryTime: 100, maxRetryTime: 2000 },
      logLevel: logLevel.NOTHING,
      socketFactory: sockets.factory as never,
    });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: API_PRODUCER_RETRY });
    await producer.connect();

    const app = createApp({
      logger: engine.logger,
      readiness: [],
      auth: { mode: 'off' },
      services: {
        workflows: new WorkflowRepository(apiPool),
        executions: new ExecutionRepository(apiPool),
        apiKeys: new ApiKeyRepository(apiPool),
        audit: new AuditRepository(apiPool),
        client: new ExecutionClient(producer, engine.codec, topicNames(engine.prefix)),
        store: new ExecutionStore({ redis: apiRedis, keyPrefix: engine.prefix }),
      },
    });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    console.info(`API outage answers (ms): ${JSON.stringify(timings)}`);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await producer?.disconnect();
    apiRedis?.disconnect();
    await apiPool?.end().catch(() => undefined);
    await engine?.stop();
  });

  const startAndFinish = async (): Promise<string> => {
    const accepted = await call('POST', `/api/v1/workflows/${workflowName}/execute`, { input: { n: 1 } });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const id = accepted.body.execution_id as string;
    await waitUntil(async () => {
      const { rows } = await engine.pool.query(`SELECT status FROM executions WHERE id = $1`, [id]);
      return rows[0]?.status === 'completed';
    }, 90_000);
    return id;
  };

  it('Redis away: GET of an execution answers from the history, marked as possibly behind; an unknown one is 503', async () => {
    const id = await startAndFinish();
    const live = await call('GET', `/api/v1/executions/${id}`);
    expect(live.body).toMatchObject({ status: 'completed', source: 'live' });

    await redisRelay.cut();
    try {
      await waitUntil(async () => apiRedis.status !== 'ready', 10_000);
      const fallback = await call('GET', `/api/v1/executions/${id}`);
      timings.redisFallbackGet = fallback.ms;
      expect(fallback.status).toBe(200);
      expect(fallback.body).toMatchObject({ id, status: 'completed', source: 'history' });
      expect(fallback.headers.get('x-percolator-source')).toBe('history');
      expect(fallback.headers.get('x-percolator-possibly-behind')).toContain('redis unavailable');

      const unknown = await call('GET', `/api/v1/executions/${crypto.randomUUID()}`);
      timings.redisUnknownGet = unknown.ms;
      expectOutage(unknown, 'redis');
    } finally {
      await redisRelay.open();
    }
    await waitUntil(async () => apiRedis.status === 'ready', 30_000);
    expect((await call('GET', `/api/v1/executions/${id}`)).body).toMatchObject({ source: 'live' });
  });

  it('Kafka away: starting an execution is a 503 with Retry-After, and works again once Kafka is back', async () => {
    sockets.cut();
    try {
      const refused = await call('POST', `/api/v1/workflows/${workflowName}/execute`, { input: { n: 2 } });
      timings.kafkaPost = refused.ms;
      expectOutage(refused, 'kafka');
    } finally {
      sockets.restore();
    }
    await startAndFinish();
  });

  it('Postgres away: reads and starts are 503s with Retry-After, and work again once it is back', async () => {
    await postgresRelay.cut();
    try {
      const list = await call('GET', '/api/v1/workflows');
      timings.postgresGet = list.ms;
      expect(list.status, JSON.stringify(list.body)).toBe(503);
      expect(list.headers.get('retry-after')).toBe('5');
      expect(list.body.type).toBe('urn:percolator:problem:dependency-unavailable');
      const start = await call('POST', `/api/v1/workflows/${workflowName}/execute`, { input: { n: 3 } });
      timings.postgresPost = start.ms;
      expect(start.status).toBe(503);
    } finally {
      await postgresRelay.open();
    }
    expect((await call('GET', '/api/v1/workflows')).status).toBe(200);
  });
});
