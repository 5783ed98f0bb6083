// The composition root of a running engine: builds the clients once and starts the roles asked for.
import { createServer, type RequestListener, type Server } from 'node:http';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApp, type ReadinessCheck } from '../api/app.js';
import type { PercolatorConfig } from '../config/config.js';
import { AvroCodec } from '../kafka/avro-codec.js';
import { createKafka } from '../kafka/client.js';
import { EnvelopeCodec } from '../kafka/schemas.js';
import { createMissingTopics } from '../kafka/topic-admin.js';
import { loadTopicSpecs } from '../kafka/topic-specs.js';
import type { Logger } from '../observability/logger.js';
import { Orchestrator } from '../orchestrator/orchestrator.js';
import { probeKafka, probePostgres, probeRedis, probeRegistry } from '../stack/probes.js';
import { stackEndpoints } from '../stack/endpoints.js';
import { migrate } from '../store/migrate.js';
import { WorkflowRepository } from '../store/workflow-repository.js';

export const ROLES = ['all', 'api', 'orchestrator'] as const;
export type Role = (typeof ROLES)[number];

export interface RunningEngine {
  stop(): Promise<void>;
}

export async function startEngine(
  config: PercolatorConfig,
  role: Role,
  logger: Logger,
): Promise<RunningEngine> {
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: `percolator-${role}`, logger });
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
  const stops: (() => Promise<void>)[] = [];

  await migrate({ databaseUrl: config.databaseUrl, logger });
  const admin = kafka.admin();
  await admin.connect();
  const created = await createMissingTopics(admin, loadTopicSpecs({ prefix: config.topicPrefix }));
  await admin.disconnect();
  if (created.length > 0) logger.info({ topics: created }, 'created missing topics');
  const codec = await EnvelopeCodec.create(AvroCodec.forUrl(config.schemaRegistryUrl));

  if (role === 'all' || role === 'orchestrator') {
    const orchestrator = new Orchestrator({
      kafka,
      redis,
      codec,
      repository: new WorkflowRepository(pool),
      logger,
      topicPrefix: config.topicPrefix,
      maxConcurrentWorkflows: config.maxConcurrentWorkflows,
    });
    await orchestrator.start();
    stops.push(() => orchestrator.stop());
  }
  if (role === 'all' || role === 'api') {
    const server = await listen(
      createApp({ logger, readiness: readinessChecks(config) }).callback(),
      config.port,
    );
    logger.info({ port: config.port }, 'API listening');
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  }

  return {
    async stop() {
      for (const stop of stops.reverse()) await stop();
      redis.disconnect();
      await pool.end();
    },
  };
}

function readinessChecks(config: PercolatorConfig): ReadinessCheck[] {
  const endpoints = stackEndpoints(config);
  const check = (name: string, probe: () => Promise<{ up: boolean; detail?: string }>): ReadinessCheck => ({
    name,
    check: async () => {
      const result = await probe();
      if (!result.up) throw new Error(result.detail ?? 'down');
    },
  });
  return [
    check('kafka', () => probeKafka(endpoints.kafka)),
    check('schema-registry', () => probeRegistry(endpoints.registryManagement, endpoints.registryApiUrl)),
    check('redis', () => probeRedis(endpoints.redis)),
    check('postgres', () => probePostgres(endpoints.postgres)),
  ];
}

async function listen(handler: RequestListener, port: number): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} is already in use (set PORT to another)`)
          : error,
      ),
    );
    server.listen(port, resolve);
  });
  return server;
}
