// The composition root of a running engine: builds the clients once and starts the roles asked for.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { startAgentRegistry, type AgentDirectory } from './agents/registry/index.js';
import { builtinAgentCatalog } from './agents/builtin/builtin-catalog.js';
import { layeredAgentCatalog } from './definition/index.js';
import { createApp } from './api/app.js';
import { AlertCentre } from './api/console/alert-centre.js';
import { ConsoleStats } from './api/console/console-stats.js';
import { DeadLetterFeed } from './api/console/dead-letter-feed.js';
import type { AuthSettings } from './api/auth/authenticate.js';
import {
  API_KAFKA_CLIENT,
  API_POOL_OPTIONS,
  API_PRODUCER_RETRY,
  API_REDIS_OPTIONS,
} from './api/client-bounds.js';
import { createTokenVerifier } from './api/auth/tokens.js';
import { consumerLag } from './api/consumer-lag.js';
import { LiveUpdates } from './api/live-updates.js';
import { Readiness } from './api/readiness.js';
import { kafkaCheck, postgresCheck, redisCheck, registryCheck } from './clients/dependency-checks.js';
import { createPgPool } from './clients/pg-pool.js';
import { createRedisClient } from './clients/redis-client.js';
import { ConsumerBoard } from './kafka/consumer-runner.js';
import type { PercolatorConfig } from './config/config.js';
import { AvroCodec } from './kafka/avro-codec.js';
import { createKafka } from './kafka/client.js';
import { EnvelopeCodec } from './kafka/schemas.js';
import { createMissingTopics } from './kafka/topic-admin.js';
import { loadTopicSpecs, topicNames } from './kafka/topic-specs.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { startTracing } from './observability/tracing.js';
import { ExecutionClient } from './orchestrator/execution-client.js';
import { Orchestrator } from './orchestrator/orchestrator.js';
import { Admission, ExecutionStore } from './state/index.js';
import { ApiKeyRepository, AuditRepository } from './store/access-repository.js';
import { ExecutionRepository } from './store/execution-repository.js';
import { ParkedStartRepository } from './store/parked-start-repository.js';
import { HistorySink } from './store/history-sink.js';
import { migrate } from './store/migrate.js';
import { scheduleRetention } from './store/retention.js';
import { WorkflowRepository } from './store/workflow-repository.js';
import { ActiveWorkflows, EventTriggers, Scheduler } from './triggers/index.js';

export const ROLES = ['all', 'api', 'orchestrator', 'history', 'scheduler', 'triggers'] as const;
export type Role = (typeof ROLES)[number];

export interface RunningEngine {
  stop(): Promise<void>;
}

export async function startEngine(
  config: PercolatorConfig,
  role: Role,
  logger: Logger,
): Promise<RunningEngine> {
  // Before the clients, so that the work they do can be traced; a no-op without OTEL_EXPORTER_OTLP_ENDPOINT.
  const tracing = await startTracing({
    otelExporterOtlpEndpoint: config.otelExporterOtlpEndpoint,
    serviceName: `percolator-${role}`,
  });
  if (tracing.exporting) logger.info({ url: tracing.tracesUrl }, 'exporting traces');
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: `percolator-${role}`, logger });
  const redis = createRedisClient(config.redisUrl, logger);
  const pool = createPgPool(config.databaseUrl, logger, { max: 10 });
  const stops: (() => Promise<void>)[] = [];
  // One set of metrics per process, whatever roles it runs, served at /metrics.
  const metrics = new Metrics();
  // Every role's /ready: the dependencies through this process's own clients, plus what each role adds.
  const readiness = new Readiness();
  const kafkaReadiness = kafkaCheck(kafka, config.kafkaBrokers);
  readiness.add(kafkaReadiness);
  readiness.add(registryCheck(config.schemaRegistryUrl));
  readiness.add(redisCheck(redis));
  readiness.add(postgresCheck(pool));
  stops.push(() => kafkaReadiness.close());
  // Every consumer of the process, for /ready (joined) and the crash counter.
  const consumers = new ConsumerBoard({ onCrash: (group) => metrics.consumerCrashes.inc({ group }) });
  readiness.add(consumers.readinessCheck());

  const stop = async (): Promise<void> => {
    for (const stopOne of stops.reverse()) await stopOne();
    redis.disconnect();
    await pool.end();
    await tracing.shutdown();
  };
  try {
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
        metrics,
        recovery: {
          executions: new ExecutionRepository(pool),
          parkedStarts: new ParkedStartRepository(pool),
        },
      });
      consumers.watch(...orchestrator.consumerRunners());
      await orchestrator.start();
      stops.push(() => orchestrator.stop());
    }
    if (role === 'all' || role === 'history') {
      const sink = new HistorySink({
        ...{ kafka, codec, pool, topicPrefix: config.topicPrefix, logger },
        onDeadLetter: (code) => metrics.deadLetters.inc({ reason: code, component: 'history' }),
      });
      consumers.watch(...sink.consumerRunners());
      await sink.start();
      const stopRetention = scheduleRetention(pool, config.retentionIntervalMs, logger);
      stops.push(async () => {
        stopRetention();
        await sink.stop();
      });
      logger.info('history sink consuming lifecycle events');
    }
    if (role === 'all' || role === 'scheduler' || role === 'triggers') {
      stops.push(
        await startTriggerRoles(role, { kafka, redis, pool, codec, config, logger, metrics, consumers }),
      );
    }
    if (role === 'all' || role === 'api') {
      // The API's own Redis and Postgres clients fail fast during an outage (src/api/client-bounds.ts).
      const apiRedis = createRedisClient(config.redisUrl, logger, API_REDIS_OPTIONS);
      const apiPool = createPgPool(config.databaseUrl, logger, { max: 10, ...API_POOL_OPTIONS });
      stops.push(async () => {
        apiRedis.disconnect();
        await apiPool.end();
      });
      const auth = authSettings(config, apiPool, logger);
      const apiKafka = createKafka({
        brokers: config.kafkaBrokers,
        clientId: 'percolator-api',
        logger,
        ...API_KAFKA_CLIENT,
      });
      const producer = apiKafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        retry: API_PRODUCER_RETRY,
      });
      await producer.connect();
      stops.push(() => producer.disconnect());
      const topics = topicNames(config.topicPrefix);
      const agents = await startAgentRegistry({ kafka, codec, topicPrefix: config.topicPrefix, logger });
      consumers.watch(agents.runner);
      const stopAgentGauge = publishAgentsOnline(agents.registry, metrics);
      stops.push(async () => {
        stopAgentGauge();
        await agents.stop();
      });
      // The alert centre's dead letters: read from the topic's beginning by a group of this instance's own.
      const deadLetters = new DeadLetterFeed({ kafka, codec, topicPrefix: config.topicPrefix, logger });
      await deadLetters.start();
      consumers.watch(...deadLetters.consumerRunners());
      stops.push(() => deadLetters.stop());
      const app = createApp({
        logger,
        readiness: readiness.checks,
        liveness: [consumers.livenessCheck()],
        auth,
        bodyLimitBytes: config.bodyLimitBytes,
        payloadLimits: config.payloadLimits,
        metrics: metrics.registry,
        services: {
          workflows: new WorkflowRepository(apiPool),
          executions: new ExecutionRepository(apiPool),
          apiKeys: new ApiKeyRepository(apiPool),
          audit: new AuditRepository(apiPool),
          client: new ExecutionClient(producer, codec, topics),
          store: new ExecutionStore({ redis: apiRedis, keyPrefix: config.topicPrefix }),
          admission: new Admission({
            redis: apiRedis,
            keyPrefix: config.topicPrefix,
            limit: config.maxConcurrentWorkflows,
          }),
          consumerLag: () =>
            consumerLag(kafka, `${config.topicPrefix}.orchestrator`, topics.orchestratorInputs),
          agents: agents.registry,
          // Heartbeats say what runs; the built-in agents' declarations fill in what none announced.
          agentCatalog: layeredAgentCatalog(agents.registry, builtinAgentCatalog()),
          consoleStats: new ConsoleStats(pool),
          alerts: new AlertCentre({ pool, topicPrefix: config.topicPrefix, deadLetters }),
        },
      });
      const server = await listen(app.callback(), config.port);
      const live = new LiveUpdates({ server, kafka, codec, topicPrefix: config.topicPrefix, auth, logger });
      await live.start();
      consumers.watch(...live.consumerRunners());
      logger.info({ port: config.port, auth: config.authMode }, 'API listening');
      stops.push(async () => {
        await live.stop();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });
    }

    if (role !== 'all' && role !== 'api') {
      // Every process can be probed and scraped: without the API role, PORT serves /health, /ready and /metrics.
      const app = createApp({
        logger,
        readiness: readiness.checks,
        liveness: [consumers.livenessCheck()],
        metrics: metrics.registry,
      });
      const server = await listen(app.callback(), config.port);
      logger.info({ port: config.port }, 'probes and /metrics listening');
      stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    }
  } catch (error) {
    // A start that fails half-way (no migrations, a broker refusing topics) must not leave open clients that
    // keep the process alive: a supervisor (Kubernetes, Compose) restarts a process that exits, not one that hangs.
    await stop().catch((closeError: unknown) =>
      logger.warn({ err: closeError }, 'closing after a failed start'),
    );
    throw error;
  }
  return { stop };
}

/** The scheduler and/or the event triggers, sharing one producer for the starts and signals they publish. */
async function startTriggerRoles(
  role: Role,
  deps: {
    kafka: Kafka;
    redis: Redis;
    pool: pg.Pool;
    codec: EnvelopeCodec;
    config: PercolatorConfig;
    logger: Logger;
    metrics: Metrics;
    consumers: ConsumerBoard;
  },
): Promise<() => Promise<void>> {
  const { kafka, redis, pool, codec, config, logger } = deps;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const client = new ExecutionClient(producer, codec, topicNames(config.topicPrefix));
  const stops: (() => Promise<void>)[] = [() => producer.disconnect()];
  if (role === 'all' || role === 'scheduler') {
    const workflows = new ActiveWorkflows({ pool, logger });
    const scheduler = new Scheduler({ redis, workflows, client, logger, keyPrefix: config.topicPrefix });
    await scheduler.start();
    const leaseGauge = setInterval(
      () => deps.metrics.schedulerLeaseHeld.set(scheduler.isLeader ? 1 : 0),
      1000,
    );
    leaseGauge.unref();
    stops.push(async () => {
      clearInterval(leaseGauge);
      await scheduler.stop();
    });
  }
  if (role === 'all' || role === 'triggers') {
    const triggers = new EventTriggers({
      kafka,
      redis,
      codec,
      avro: AvroCodec.forUrl(config.schemaRegistryUrl),
      workflows: new ActiveWorkflows({ pool, logger }),
      client,
      logger,
      topicPrefix: config.topicPrefix,
      onDeadLetter: (code) => deps.metrics.deadLetters.inc({ reason: code, component: 'triggers' }),
    });
    deps.consumers.watch(...triggers.consumerRunners());
    await triggers.start();
    stops.push(() => triggers.stop());
  }
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}

/** Bearer tokens and API keys, or nothing at all when AUTH_MODE=off (said loudly: it is for a laptop only). */
function authSettings(config: PercolatorConfig, pool: pg.Pool, logger: Logger): AuthSettings {
  if (config.authMode === 'off') {
    logger.warn(
      'AUTH_MODE=off: the API accepts every call as an admin without credentials. Use this for local development only.',
    );
    return { mode: 'off' };
  }
  if (!config.jwtSecret && !config.jwksUrl) {
    logger.warn(
      'neither JWT_SECRET nor JWKS_URL is set: bearer tokens are refused; only API keys authenticate',
    );
  }
  return {
    mode: 'jwt',
    apiKeys: new ApiKeyRepository(pool),
    ...(config.jwtSecret || config.jwksUrl
      ? {
          verifyToken: createTokenVerifier({
            ...(config.jwksUrl ? { jwksUrl: config.jwksUrl } : { secret: config.jwtSecret! }),
            issuer: config.jwtIssuer,
            audience: config.jwtAudience,
            maxLifetimeSeconds: config.jwtMaxLifetimeSeconds,
          }),
        }
      : {}),
  };
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

/** Keeps percolator_agents_online current from the registry's view of the heartbeats. */
function publishAgentsOnline(directory: AgentDirectory, metrics: Metrics): () => void {
  const timer = setInterval(() => {
    for (const agent of directory.list())
      metrics.agentsOnline.set({ agent_type: agent.type }, agent.instances.online);
  }, 5000);
  timer.unref();
  return () => clearInterval(timer);
}
