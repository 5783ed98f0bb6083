// The physical limit of this machine for the same work: raw kafkajs and ioredis making exactly the
// Kafka hops a Percolator workflow makes (start → command → result → next command … → done) and one
// pipelined Redis write per hop, with no engine logic at all: no Avro, no routing, no Lua, no outbox.
import { Redis } from 'ioredis';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { sendInBatches } from '../../kafka/send-batches.js';
import { createKafka } from '../../kafka/client.js';
import { createMissingTopics } from '../../kafka/topic-admin.js';
import { deleteRedisKeys } from '../measure.js';
import type { BenchSystem, SystemRun } from '../system.js';
import { HandlerClock } from '../system.js';
import { W1_STEPS, W2_FIRST, W2_JOIN, w2BranchIds } from '../workloads.js';
import { BENCH_PARTITIONS } from './percolator.js';
import { deleteKafkaLeftovers } from './kafka-cleanup.js';

interface Hop {
  wf: string;
  step: string;
  payload: string;
}

export const nullSystem: BenchSystem = {
  name: 'null',
  usesRedis: true,
  durability: 'as percolator: Kafka acks=all on page cache, Redis without persistence',
  async open(workload, sink, { config, prefix, payload }): Promise<SystemRun> {
    const kafka: Kafka = createKafka({ brokers: config.kafkaBrokers, clientId: prefix });
    const redis = new Redis(config.redisUrl);
    const clock = new HandlerClock();
    const topic = {
      start: `${prefix}.start`,
      cmd: `${prefix}.cmd`,
      res: `${prefix}.res`,
      done: `${prefix}.done`,
    };
    const stops: (() => Promise<void>)[] = [];
    const close = async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      await deleteKafkaLeftovers(kafka, prefix);
      await deleteRedisKeys(redis, `${prefix}:*`);
      redis.disconnect();
    };
    const branches = w2BranchIds();
    // What each finished step leads to; an empty list ends the workflow.
    const next = (step: string, joined: number): string[] => {
      if (workload === 'W1') {
        if (step === 'start') return [W1_STEPS[0]];
        const at = W1_STEPS.indexOf(step as (typeof W1_STEPS)[number]);
        return at + 1 < W1_STEPS.length ? [W1_STEPS[at + 1]!] : [];
      }
      if (step === 'start') return [W2_FIRST];
      if (step === W2_FIRST) return branches;
      if (step === W2_JOIN) return [];
      return joined === branches.length ? [W2_JOIN] : ['-'];
    };
    const parse = (message: KafkaMessage): Hop => JSON.parse(message.value!.toString('utf8')) as Hop;
    const encode = (hop: Hop) => ({ key: hop.wf, value: JSON.stringify(hop) });

    try {
      const admin = kafka.admin();
      await admin.connect();
      await createMissingTopics(
        admin,
        Object.values(topic).map((name) => ({ name, partitions: BENCH_PARTITIONS, replicationFactor: 1 })),
      );
      await admin.disconnect();
      const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      stops.push(() => producer.disconnect());

      // The "orchestrator": one write per hop, then the next command(s), then the offsets are committed.
      const router = kafka.consumer({ groupId: `${prefix}.router`, maxWaitTimeInMs: 20 });
      await router.connect();
      stops.push(() => router.disconnect());
      await router.subscribe({ topics: [topic.start, topic.res], fromBeginning: true });
      await router.run({
        partitionsConsumedConcurrently: BENCH_PARTITIONS,
        eachBatch: async ({ batch }) => {
          const hops = batch.messages.map(parse);
          const pipeline = redis.pipeline();
          const isBranch = (step: string) =>
            workload === 'W2' && step !== 'start' && step !== W2_FIRST && step !== W2_JOIN;
          for (const hop of hops) {
            pipeline.hset(
              `${prefix}:{${hop.wf}}`,
              hop.step,
              batch.topic === topic.start ? 'started' : 'done',
            );
            if (isBranch(hop.step)) pipeline.hincrby(`${prefix}:{${hop.wf}}`, 'joined', 1);
          }
          const replies = (await pipeline.exec()) ?? [];
          const commands: { key: string; value: string }[] = [];
          const done: { key: string; value: string }[] = [];
          let reply = 0;
          for (const hop of hops) {
            reply++;
            let joined = 0;
            if (isBranch(hop.step)) joined = Number(replies[reply++]?.[1] ?? 0);
            const step = batch.topic === topic.start ? 'start' : hop.step;
            const following = next(step, joined);
            if (following.length === 0) done.push(encode(hop));
            for (const target of following)
              if (target !== '-') commands.push(encode({ wf: hop.wf, step: target, payload: hop.payload }));
          }
          const sends = [];
          if (commands.length > 0) sends.push({ topic: topic.cmd, messages: commands });
          if (done.length > 0) sends.push({ topic: topic.done, messages: done });
          if (sends.length > 0) await sendInBatches(producer, sends);
        },
      });

      // The "agent": echoes each command back as a result.
      const agent = kafka.consumer({ groupId: `${prefix}.agent`, maxWaitTimeInMs: 20 });
      await agent.connect();
      stops.push(() => agent.disconnect());
      await agent.subscribe({ topic: topic.cmd, fromBeginning: true });
      await agent.run({
        partitionsConsumedConcurrently: BENCH_PARTITIONS,
        eachBatch: async ({ batch }) => {
          const results = batch.messages.map((message) => clock.time(() => encode(parse(message))));
          await sendInBatches(producer, [{ topic: topic.res, messages: results }]);
        },
      });

      const watcher = kafka.consumer({ groupId: `${prefix}.done`, maxWaitTimeInMs: 20 });
      await watcher.connect();
      stops.push(() => watcher.disconnect());
      await watcher.subscribe({ topic: topic.done, fromBeginning: true });
      await watcher.run({
        partitionsConsumedConcurrently: BENCH_PARTITIONS,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) sink.completed(message.key!.toString('utf8'));
        },
      });

      return {
        start: async (ids) => {
          const messages = ids.map((wf) => encode({ wf, step: 'start', payload }));
          await sendInBatches(producer, [{ topic: topic.start, messages }]);
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
