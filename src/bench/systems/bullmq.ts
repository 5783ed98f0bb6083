// BullMQ on the same Redis: W1 is a flow whose jobs form a chain (a child runs before its parent, so
// the chain is C ← B ← A and C finishing ends the workflow); W2 starts with one job whose handler adds a
// flow of ten children under a join job. Workers run in this process, like Percolator's agents.
import { Redis } from 'ioredis';
import { deleteRedisKeys } from '../measure.js';
import { ensurePeers, importPeer } from '../peers.js';
import { HandlerClock, SystemUnavailable, type BenchSystem, type SystemRun } from '../system.js';
import { W1_STEPS, W2_FIRST, W2_JOIN, w2BranchIds } from '../workloads.js';

interface JobData {
  wf: string;
  payload: string;
}
interface Job {
  name: string;
  data: JobData;
}
interface FlowJob {
  name: string;
  queueName: string;
  data: JobData;
  prefix?: string;
  children?: FlowJob[];
}
interface Closable {
  close(): Promise<void>;
}
interface BullWorker extends Closable {
  on(event: 'completed', listener: (job: Job) => void): void;
  on(event: 'failed', listener: (job: Job | undefined, error: Error) => void): void;
  waitUntilReady(): Promise<unknown>;
}
interface BullModule {
  Queue: new (
    name: string,
    options: object,
  ) => Closable & {
    addBulk(jobs: { name: string; data: JobData }[]): Promise<unknown>;
    waitUntilReady(): Promise<unknown>;
  };
  Worker: new (name: string, processor: (job: Job) => Promise<unknown>, options: object) => BullWorker;
  FlowProducer: new (options: object) => Closable & {
    add(flow: FlowJob): Promise<unknown>;
    addBulk(flows: FlowJob[]): Promise<unknown>;
  };
}

/** Same number of handlers at once as the echo agent's concurrency. */
const WORKER_CONCURRENCY = 64;
const QUEUE = 'echo';

export const bullmqSystem: BenchSystem = {
  name: 'bullmq',
  usesRedis: true,
  durability: 'a job is acknowledged once Redis has it (no persistence configured on this Redis)',
  async open(workload, sink, { config, prefix, payload, log }): Promise<SystemRun> {
    await ensurePeers(['bullmq'], log);
    let bull: BullModule;
    try {
      bull = await importPeer<BullModule>('bullmq');
    } catch (error) {
      throw new SystemUnavailable(`bullmq does not load: ${(error as Error).message}`);
    }
    const url = new URL(config.redisUrl);
    const connection = {
      host: url.hostname,
      port: Number(url.port || 6379),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      // BullMQ's blocking workers require it.
      maxRetriesPerRequest: null,
    };
    const clock = new HandlerClock();
    const options = { connection, prefix };
    const flows = new bull.FlowProducer(options);
    const queue = new bull.Queue(QUEUE, options);
    const last = workload === 'W1' ? W1_STEPS[W1_STEPS.length - 1]! : W2_JOIN;
    const chain = (wf: string): FlowJob =>
      [...W1_STEPS].reduce<FlowJob | undefined>(
        (child, name) => ({
          name,
          queueName: QUEUE,
          data: { wf, payload },
          ...(child ? { children: [child] } : {}),
        }),
        undefined,
      )!;
    const fanOut = (wf: string, data: JobData): FlowJob => ({
      name: W2_JOIN,
      queueName: QUEUE,
      data: { wf, payload: data.payload },
      children: w2BranchIds().map((name) => ({
        name,
        queueName: QUEUE,
        data: { wf, payload: data.payload },
      })),
    });
    const worker = new bull.Worker(
      QUEUE,
      async (job) => {
        const output = clock.time(() => ({ ...job.data }));
        if (workload === 'W2' && job.name === W2_FIRST) await flows.add(fanOut(job.data.wf, output));
        return output;
      },
      { ...options, concurrency: WORKER_CONCURRENCY },
    );
    worker.on('completed', (job) => {
      if (job.name === last) sink.completed(job.data.wf);
    });
    worker.on('failed', (job) => {
      if (job) sink.failed(job.data.wf);
    });
    const redis = new Redis(config.redisUrl);
    const close = async () => {
      await Promise.allSettled([worker.close(), flows.close(), queue.close()]);
      await deleteRedisKeys(redis, `${prefix}:*`);
      redis.disconnect();
    };
    try {
      await Promise.all([worker.waitUntilReady(), queue.waitUntilReady()]);
    } catch (error) {
      await close();
      throw new SystemUnavailable(`bullmq cannot reach Redis: ${(error as Error).message}`);
    }
    return {
      start: async (ids) => {
        if (workload === 'W1') await flows.addBulk(ids.map(chain));
        else await queue.addBulk(ids.map((wf) => ({ name: W2_FIRST, data: { wf, payload } })));
      },
      agentMs: () => clock.meanMs(),
      extraPids: () => [],
      close,
    };
  },
};
