// Percolator in this process: one orchestrator and the echo agent, talking through the real Kafka,
// schema registry and Redis exactly as separate processes would (in-process keeps the CPU accounting to
// one pid; `percolator serve --role orchestrator` runs the same Orchestrator class). Completion is read
// from the lifecycle events topic (ExecutionCompleted), never by polling Redis.
import { Redis } from 'ioredis';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import pg from 'pg';
import { runAgent, type AgentDefinition, type AgentHandle } from '../../agents/sdk/index.js';
import { echoAgent } from '../../agents/testing/test-agents.js';
import { AvroCodec } from '../../kafka/avro-codec.js';
import { createKafka } from '../../kafka/client.js';
import { EnvelopeCodec } from '../../kafka/schemas.js';
import { createMissingTopics } from '../../kafka/topic-admin.js';
import { loadTopicSpecs, topicNames } from '../../kafka/topic-specs.js';
import { createLogger } from '../../observability/logger.js';
import { ExecutionClient } from '../../orchestrator/execution-client.js';
import { Orchestrator } from '../../orchestrator/orchestrator.js';
import { migrate } from '../../store/migrate.js';
import { WorkflowRepository } from '../../store/workflow-repository.js';
import { percolatorDefinition } from '../workloads.js';
import { deleteRedisKeys } from '../measure.js';
import { HandlerClock, type BenchSystem, type SystemRun } from '../system.js';
import { deleteKafkaLeftovers } from './kafka-cleanup.js';

/** Partitions per topic in a bench run: enough for the one orchestrator and agent, quick to create. */
export const BENCH_PARTITIONS = 4;

/** The echo agent with its handler timed; same type, action and concurrency as `echoAgent`. */
function timedEcho(clock: HandlerClock): AgentDefinition {
  const action = echoAgent.actions.get('echo')!;
  return {
    ...echoAgent,
    actions: new Map([
      ['echo', { ...action, handler: (input, ctx) => clock.time(() => action.handler(input, ctx)) }],
    ]),
  };
}

export const percolatorSystem: BenchSystem = {
  name: 'percolator',
  usesRedis: true,
  durability:
    'a step is acknowledged once Kafka (acks=all, one broker, page cache, no fsync) and Redis (no persistence) have it',
  async open(workload, sink, { config, prefix, payload }): Promise<SystemRun> {
    const logger = createLogger({ level: 'fatal', name: 'bench-percolator' });
    const kafka: Kafka = createKafka({ brokers: config.kafkaBrokers, clientId: prefix });
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
    const clock = new HandlerClock();
    const stops: (() => Promise<void>)[] = [];
    const topics = topicNames(prefix);
    const workflowName = `${prefix}.${workload}`;

    const close = async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      await deleteKafkaLeftovers(kafka, prefix);
      await deleteRedisKeys(redis, `${prefix}:*`);
      await pool
        .query(
          `WITH gone AS (DELETE FROM workflow_versions WHERE workflow_id IN (SELECT id FROM workflows WHERE name = $1))
           DELETE FROM workflows WHERE name = $1`,
          [workflowName],
        )
        .catch(() => undefined);
      redis.disconnect();
      await pool.end();
    };

    try {
      await migrate({ databaseUrl: config.databaseUrl });
      const codec = await EnvelopeCodec.create(AvroCodec.forUrl(config.schemaRegistryUrl));
      const admin = kafka.admin();
      await admin.connect();
      await createMissingTopics(
        admin,
        loadTopicSpecs({ prefix, extraAgentTypes: ['echo'] }).map((spec) => ({
          ...spec,
          partitions: Math.min(spec.partitions, BENCH_PARTITIONS),
        })),
      );
      await admin.disconnect();

      const repository = new WorkflowRepository(pool);
      await repository.saveVersion({
        name: workflowName,
        definition: percolatorDefinition(workload, workflowName),
      });

      const events: Consumer = kafka.consumer({ groupId: `${prefix}.bench-events`, maxWaitTimeInMs: 20 });
      await events.connect();
      stops.push(() => events.disconnect());
      await events.subscribe({ topic: topics.executionEvents, fromBeginning: true });
      await events.run({
        partitionsConsumedConcurrently: BENCH_PARTITIONS,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            if (!message.value) continue;
            const decoded = await codec.decode(message.value);
            if (decoded.name !== 'ExecutionEvent') continue;
            const event = decoded.value;
            if (event.type === 'ExecutionCompleted') sink.completed(event.execution_id);
            else if (event.type === 'ExecutionFailed' || event.type === 'ExecutionCancelled')
              sink.failed(event.execution_id);
          }
        },
      });

      const orchestrator = new Orchestrator({
        kafka,
        redis,
        codec,
        repository,
        logger,
        topicPrefix: prefix,
        maxConcurrentWorkflows: 1_000_000,
      });
      await orchestrator.start();
      stops.push(() => orchestrator.stop());

      const agent: AgentHandle = await runAgent(timedEcho(clock), {
        kafka,
        codec,
        topicPrefix: prefix,
        logger,
      });
      stops.push(() => agent.stop());

      const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      stops.push(() => producer.disconnect());
      const client = new ExecutionClient(producer, codec, topics);
      const input = { payload };

      return {
        start: async (ids) => {
          await client.start(ids.map((id) => ({ workflowName, input, executionId: id })));
        },
        agentMs: () => clock.meanMs(),
        extraPids: () => [],
        close,
      };
    } catch (error) {
      await close();
      throw error;
    }
  },
};
