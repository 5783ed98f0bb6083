// Redis loses execution state (SHUTDOWN NOSAVE and restart, FLUSHALL, down for a while): every execution in
// flight still completes with the right output, no step completion is recorded twice and no agent command runs
// twice. The engine (`percolator serve --role all`) runs against a PRIVATE redis-server this test starts and
// breaks, and a private database on the shared Postgres, so nothing shared is disturbed.
import { Redis } from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/agents/sdk/define-agent.js';
import { runAgent, type AgentHandle } from '../../src/agents/sdk/index.js';
import { AvroCodec } from '../../src/kafka/avro-codec.js';
import { createKafka } from '../../src/kafka/client.js';
import { EnvelopeCodec } from '../../src/kafka/schemas.js';
import { createMissingTopics } from '../../src/kafka/topic-admin.js';
import { loadTopicSpecs, topicNames } from '../../src/kafka/topic-specs.js';
import { createLogger } from '../../src/observability/logger.js';
import { ExecutionClient } from '../../src/orchestrator/execution-client.js';
import { migrate } from '../../src/store/migrate.js';
import { WorkflowRepository } from '../../src/store/workflow-repository.js';
import { EngineProcess, ensureBuilt } from '../support/engine-process.js';
import { PrivateRedis } from '../support/private-redis.js';
import { TopicTap } from '../support/engine.js';
import { testServices, uniquePrefix } from '../support/services.js';
import { waitUntil } from '../support/wait.js';

// 250 executions, 500 counting their sub-workflows (the issue asks for 500: it passes too, but takes minutes on
// a loaded two-core machine). The sub-workflows finish within seconds; redis-loss-scale.test.ts keeps 1,000 in
// flight at the moment of the loss.
const IN_FLIGHT = 250;
const LAGGING = 150;
// MAX_CONCURRENT_WORKFLOWS is IN_FLIGHT + HELD: beside the executions in flight, HELD more starts run (and wait for
// a signal) and the rest of QUEUED wait in the admission queue when Redis loses its data. Those parked starts must
// be admitted once Redis is back, from their durable copy, as slots free up.
const HELD = 60;
const QUEUED = 80;
const LIMIT = IN_FLIGHT + HELD;
// How long Redis stays down while starts keep arriving (the figure).
const OUTAGE_MS = 60_000;

describe('losing Redis state', () => {
  const prefix = uniquePrefix('redisloss');
  const database = `percolator_${prefix.replace(/\W/g, '_')}`;
  const calls = new Map<string, number>();
  let redis: PrivateRedis;
  let admin: pg.Pool;
  let pool: pg.Pool;
  let kafka: Kafka;
  let producer: Producer;
  let client: ExecutionClient;
  let engine: EngineProcess;
  let agent: AgentHandle;
  let events: TopicTap;
  let workflow: string;
  let queuedWorkflow: string;

  beforeAll(async () => {
    ensureBuilt();
    const services = testServices();
    admin = new pg.Pool({ connectionString: services.databaseUrl, max: 1 });
    await admin.query(`CREATE DATABASE ${database}`);
    const databaseUrl = withDatabase(services.databaseUrl, database);
    await migrate({ databaseUrl });
    pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    redis = await PrivateRedis.start();

    kafka = createKafka({ brokers: services.kafkaBrokers, clientId: prefix });
    const codec = await EnvelopeCodec.create(AvroCodec.forUrl(services.schemaRegistryUrl));
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    const specs = loadTopicSpecs({ prefix, extraAgentTypes: ['recov'] });
    await createMissingTopics(
      kafkaAdmin,
      specs.map((spec) => ({ ...spec, partitions: Math.min(spec.partitions, 4) })),
    );
    await kafkaAdmin.disconnect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    client = new ExecutionClient(producer, codec, topicNames(prefix));
    events = await TopicTap.open(kafka, codec, topicNames(prefix).executionEvents, prefix);

    const repository = new WorkflowRepository(pool);
    const child = `${prefix}.child`;
    await repository.saveVersion({
      name: child,
      definition: {
        workflow: {
          name: child,
          steps: [
            { id: 'c1', type: 'agent', agent_type: 'recov', action: 'work' },
            { id: 'c2', type: 'delay', duration: '2s' },
          ],
        },
      },
    });
    workflow = `${prefix}.parent`;
    await repository.saveVersion({
      name: workflow,
      definition: {
        workflow: {
          name: workflow,
          steps: [
            { id: 'a', type: 'agent', agent_type: 'recov', action: 'work' },
            { id: 'slow', type: 'agent', agent_type: 'recov', action: 'work' },
            { id: 'pause', type: 'delay', duration: '4s' },
            { id: 'approval', type: 'wait_for_event', event_type: 'go' },
            { id: 'child', type: 'sub_workflow', workflow: child },
            { id: 'merge', type: 'agent', agent_type: 'recov', action: 'work', join: 'all' },
          ],
          connections: [
            { from: 'a', to: 'slow' },
            { from: 'a', to: 'pause' },
            { from: 'a', to: 'approval' },
            { from: 'a', to: 'child' },
            { from: 'slow', to: 'merge' },
            { from: 'pause', to: 'merge' },
            { from: 'approval', to: 'merge' },
            { from: 'child', to: 'merge' },
          ],
        },
      },
    });

    queuedWorkflow = `${prefix}.queued`;
    await repository.saveVersion({
      name: queuedWorkflow,
      definition: {
        workflow: {
          name: queuedWorkflow,
          steps: [
            { id: 'q', type: 'agent', agent_type: 'recov', action: 'work' },
            { id: 'hold', type: 'wait_for_event', event_type: 'go' },
            { id: 'qdone', type: 'agent', agent_type: 'recov', action: 'work' },
          ],
          connections: [
            { from: 'q', to: 'hold' },
            { from: 'hold', to: 'qdone' },
          ],
        },
      },
    });

    engine = await EngineProcess.start(prefix, 'all', {
      REDIS_URL: redis.url,
      DATABASE_URL: databaseUrl,
      MAX_CONCURRENT_WORKFLOWS: String(LIMIT),
    });
    agent = await runAgent(
      defineAgent({
        type: 'recov',
        version: '1.0.0',
        description: 'Counts the commands it runs; answers by step from the data it is given.',
        concurrency: 64,
        actions: {
          work: {
            description:
              'a: n * 10; slow (1.5 s): (n + 1) * 10; c1 (0.5 s): n * 30; merge: all and their total; ' +
              'q: n * 7; qdone: q and k and their sum.',
            handler: async (input: unknown, ctx) => {
              calls.set(ctx.commandId, (calls.get(ctx.commandId) ?? 0) + 1);
              const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
              const { n, av, sv, cv, k, qv } = input as Record<string, number>;
              if (ctx.stepId === 'q') return { qv: n! * 7 };
              if (ctx.stepId === 'qdone') return { qv, k, qsum: qv! + k! };
              if (ctx.stepId === 'a') return { av: n! * 10 };
              if (ctx.stepId === 'slow') return sleep(1500).then(() => ({ sv: (n! + 1) * 10 }));
              if (ctx.stepId === 'c1') return sleep(500).then(() => ({ cv: n! * 30 }));
              return { av, sv, cv, k, total: (av! + sv! + cv! + k!) * 10 };
            },
          },
        },
      }),
      { kafka, codec, topicPrefix: prefix, logger: createLogger({ level: 'warn', name: 'recov-agent' }) },
    );
  }, 180_000);

  afterAll(async () => {
    await agent?.stop();
    await events?.close();
    await engine?.stop();
    await producer?.disconnect();
    await redis?.stop();
    await pool?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  /** Starts executions and waits until each has its slow agent step, delay, wait and child in flight. */
  async function startInFlight(count: number): Promise<{ ids: string[]; ns: number[] }> {
    const base = Math.floor(Math.random() * 1_000_000);
    const ns = Array.from({ length: count }, (_, index) => base + index);
    const ids = await client.start(ns.map((n) => ({ workflowName: workflow, input: { n, key: `k${n}` } })));
    await waitUntil(async () => ids.every((id) => calls.has(`${id}:slow:1`)), 300_000).catch(
      async (error) => {
        const { rows } = await pool.query(
          `SELECT status, count(*) FROM executions WHERE id = ANY($1) GROUP BY 1`,
          [ids],
        );
        const started = ids.filter((id) => calls.has(`${id}:a:1`)).length;
        const slow = ids.filter((id) => calls.has(`${id}:slow:1`)).length;
        const problems = engine.output.filter((line) => /"level":(40|50|60)/.test(line)).slice(-15);
        throw new Error(
          `${(error as Error).message}: a ${started}, slow ${slow} of ${ids.length}; ${JSON.stringify(rows)}\n${problems.join('\n')}`,
        );
      },
    );
    return { ids, ns };
  }

  async function signal(ids: readonly string[], ns: readonly number[]): Promise<void> {
    await client.signalMany(
      ids.map((executionId, index) => ({
        executionId,
        eventType: 'go',
        eventId: `go-${executionId}`,
        data: { k: ns[index] },
      })),
    );
  }

  /**
   * Fills the admission limit: QUEUED starts of the queued workflow, of which those that find a slot run their
   * first step and wait for a signal, and the rest stay parked. Resolves once the queue is steady with some parked.
   */
  async function startQueued(): Promise<{ ids: string[]; ns: number[]; parked: number }> {
    const base = Math.floor(Math.random() * 1_000_000) + 5_000_000;
    const ns = Array.from({ length: QUEUED }, (_, index) => base + index);
    const ids = await client.start(ns.map((n) => ({ workflowName: queuedWorkflow, input: { n } })));
    const queue = `${prefix}:admission:{a}:queue`;
    const inflight = `${prefix}:admission:{a}:inflight`;
    const probe = new Redis(redis.url);
    let parked = 0;
    try {
      // Steady: every slot taken (the sub-workflows that were ahead in the queue have finished), and every queued
      // start either running or parked.
      await waitUntil(
        async () => {
          const [length, taken] = await Promise.all([probe.llen(queue), probe.scard(inflight)]);
          const running = ids.filter((id) => calls.has(`${id}:q:1`)).length;
          parked = length;
          return taken >= LIMIT && running + length === QUEUED && length > 0;
        },
        180_000,
        250,
      );
    } finally {
      probe.disconnect();
    }
    return { ids, ns, parked };
  }

  /** Once every queued execution waits for its signal (the parked ones after Redis came back), signals them all. */
  async function releaseQueued(queued: { ids: string[]; ns: number[] }): Promise<void> {
    // A signal before the execution waits for it would be refused as out of place; the history says when it waits.
    const waiting = async () => {
      const { rows } = await pool.query<{ n: string }>(
        `SELECT count(DISTINCT execution_id) AS n FROM execution_events
          WHERE execution_id = ANY($1) AND type = 'StepScheduled' AND step_id = 'hold'`,
        [queued.ids],
      );
      return Number(rows[0]!.n);
    };
    await waitUntil(async () => (await waiting()) === queued.ids.length, 300_000, 500).catch(
      async (error: Error) => {
        const started = queued.ids.filter((id) => calls.has(`${id}:q:1`)).length;
        throw new Error(
          `${error.message}: ${started}/${queued.ids.length} queued starts ran, ${await waiting()} wait (some were lost?)`,
        );
      },
    );
    await signal(queued.ids, queued.ns);
  }

  /** Every queued execution completed once with its output, each of its commands run once. */
  async function expectQueuedCompleted(queued: { ids: string[]; ns: number[] }): Promise<void> {
    await waitUntil(
      async () => {
        const { rows } = await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM executions WHERE id = ANY($1) AND status = 'completed'`,
          [queued.ids],
        );
        return Number(rows[0]!.n) === queued.ids.length;
      },
      240_000,
      500,
    );
    const { rows } = await pool.query<{ id: string; output: unknown }>(
      `SELECT id, output FROM executions WHERE id = ANY($1)`,
      [queued.ids],
    );
    const byId = new Map(rows.map((row) => [row.id, row.output]));
    queued.ids.forEach((id, index) => {
      const n = queued.ns[index]!;
      expect(byId.get(id)).toEqual({ qv: n * 7, k: n, qsum: n * 8 });
      expect([calls.get(`${id}:q:1`), calls.get(`${id}:qdone:1`)]).toEqual([1, 1]);
    });
  }

  /** Once everything has ended, no admission slot stays taken: a leaked slot would shrink the limit for good. */
  async function expectSlotsFreed(): Promise<void> {
    const probe = new Redis(redis.url);
    try {
      const inflight = `${prefix}:admission:{a}:inflight`;
      await waitUntil(async () => (await probe.scard(inflight)) === 0, 60_000, 250).catch(async () => {
        const left = await probe.smembers(inflight);
        throw new Error(
          `${left.length} admission slots still taken after every execution ended: ${left.slice(0, 5)}`,
        );
      });
    } finally {
      probe.disconnect();
    }
  }

  /** Every execution completed with its output, each step completed once, each agent command run once. */
  async function expectAllCompleted(ids: readonly string[], ns: readonly number[]): Promise<void> {
    const finished = async () => {
      const { rows } = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM executions WHERE id = ANY($1) AND status IN ('completed', 'failed', 'cancelled', 'timed_out')`,
        [ids],
      );
      return Number(rows[0]!.n);
    };
    await waitUntil(async () => (await finished()) === ids.length, 240_000, 500).catch(
      async (error: Error) => {
        throw new Error(`${error.message}: ${await finished()}/${ids.length} finished`);
      },
    );
    const { rows } = await pool.query<{ id: string; status: string; output: unknown }>(
      `SELECT id, status, output FROM executions WHERE id = ANY($1)`,
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    const wrong = rows.find((row) => row.status !== 'completed');
    if (wrong) {
      const history = await pool.query(
        `SELECT execution_id, seq, type, step_id, data FROM execution_events WHERE execution_id LIKE $1 ORDER BY 1, 2`,
        [`${wrong.id}%`],
      );
      console.log(`${wrong.id} ended ${wrong.status}:`, JSON.stringify(history.rows, null, 1));
    }
    ids.forEach((id, index) => {
      const n = ns[index]!;
      const [a, slow, child] = [n * 10, (n + 1) * 10, n * 3 * 10];
      expect(byId.get(id)).toEqual({
        id,
        status: 'completed',
        output: { av: a, sv: slow, cv: child, k: n, total: (a + slow + child + n) * 10 },
      });
    });

    const children = ids.map((id) => `${id}:child:1`);
    const { rows: doubled } = await pool.query(
      `SELECT execution_id, step_id, count(*) FROM execution_events
        WHERE execution_id = ANY($1) AND type = 'StepSucceeded' GROUP BY 1, 2 HAVING count(*) > 1`,
      [[...ids, ...children]],
    );
    expect(doubled).toEqual([]);
    // On the topic too: an event id always carries the same event (a state rebuilt behind its history would
    // publish other events under ids already used).
    const all = new Set([...ids, ...children]);
    const seen = new Map<string, string>();
    const conflicting: string[] = [];
    for (const record of events.records) {
      if (record.envelope?.name !== 'ExecutionEvent' || !all.has(record.envelope.value.execution_id))
        continue;
      const event = record.envelope.value;
      const content = `${event.type}/${event.step_id ?? ''}/${event.attempt ?? ''}`;
      const before = seen.get(event.event_id);
      if (before !== undefined && before !== content)
        conflicting.push(`${event.event_id}: ${before} vs ${content}`);
      seen.set(event.event_id, content);
    }
    expect(conflicting).toEqual([]);
    const commands = [...calls].filter(([commandId]) => all.has(commandId.slice(0, commandId.indexOf(':'))));
    expect(commands.filter(([, count]) => count !== 1)).toEqual([]);
    // a, slow and merge of the parent; c1 of the child (whose id starts with the parent's).
    expect(commands.length).toBe(ids.length * 4);
  }

  function rebuildLog(): string[] {
    return engine.output.filter((line) => /rebuilt it from the history|recovery sweep finished/.test(line));
  }

  /**
   * What recovery did since `from` log lines, for the record (not asserted): how many executions were rebuilt,
   * how long after `since` the last one was, and the sweep's own report.
   */
  function reportRecovery(label: string, from: number, since: number, parked = 0): string[] {
    const lines = rebuildLog().slice(from);
    const rebuilds = lines.filter((line) => /rebuilt it from the history/.test(line));
    const last = Math.max(...rebuilds.map((line) => Date.parse((JSON.parse(line) as { time: string }).time)));
    const sweeps = lines.filter((line) => /sweep finished/.test(line));
    console.log(
      `${label}: ${rebuilds.length} executions rebuilt, the last ${last - since} ms after Redis was back; ` +
        `${parked} parked starts lost with Redis; ${sweeps.join(' ')}`,
    );
    return lines;
  }

  async function succeeded(ids: readonly string[], stepId: string): Promise<number> {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM execution_events WHERE execution_id = ANY($1) AND type = 'StepSucceeded' AND step_id = $2`,
      [ids, stepId],
    );
    return Number(rows[0]!.n);
  }

  it('SHUTDOWN NOSAVE and a restart: every execution in flight completes, nothing runs twice', async () => {
    const { ids, ns } = await startInFlight(IN_FLIGHT);
    const queued = await startQueued();
    const logged = rebuildLog().length;
    await redis.shutdownNoSave();
    await redis.run();
    const back = Date.now();
    await signal(ids, ns);
    await releaseQueued(queued);
    await expectAllCompleted(ids, ns);
    await expectQueuedCompleted(queued);
    await expectSlotsFreed();
    expect(reportRecovery('restart', logged, back, queued.parked).length).toBeGreaterThan(0);
  }, 600_000);

  it('FLUSHALL: every execution in flight completes, nothing runs twice', async () => {
    const { ids, ns } = await startInFlight(IN_FLIGHT);
    const queued = await startQueued();
    const logged = rebuildLog().length;
    await redis.flushAll();
    const back = Date.now();
    await signal(ids, ns);
    await releaseQueued(queued);
    await expectAllCompleted(ids, ns);
    await expectQueuedCompleted(queued);
    await expectSlotsFreed();
    expect(reportRecovery('flushall', logged, back, queued.parked).length).toBeGreaterThan(0);
  }, 600_000);

  it('Redis down for 60 s as starts keep arriving: nothing accepted is lost', async () => {
    const before = await startInFlight(IN_FLIGHT);
    const queued = await startQueued();
    const logged = rebuildLog().length;
    await redis.shutdownNoSave();
    const down = Date.now();
    // Accepted by Kafka while Redis is down, a few every 5 s over the whole outage; they must run once it is back.
    // (Pacing the scenario, not waiting for a condition.)
    const later: number[] = [];
    const laterIds: string[] = [];
    let next = Math.floor(Math.random() * 1_000_000) + 2_000_000;
    while (Date.now() - down < OUTAGE_MS) {
      const slice = Array.from({ length: 5 }, () => next++);
      laterIds.push(
        ...(await client.start(slice.map((n) => ({ workflowName: workflow, input: { n, key: `k${n}` } })))),
      );
      later.push(...slice);
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, OUTAGE_MS - (Date.now() - down))));
    }
    await redis.run();
    const back = Date.now();
    console.log(`redis down ${back - down} ms; ${laterIds.length} starts accepted meanwhile`);
    await signal(before.ids, before.ns);
    await releaseQueued(queued);
    await waitUntil(async () => laterIds.every((id) => calls.has(`${id}:slow:1`)), 300_000);
    await signal(laterIds, later);
    await expectAllCompleted([...before.ids, ...laterIds], [...before.ns, ...later]);
    await expectQueuedCompleted(queued);
    await expectSlotsFreed();
    reportRecovery('down', logged, back, queued.parked);
  }, 900_000);

  it('a failover to a replica that lagged behind: states behind the history are rebuilt, nothing runs twice', async () => {
    const { ids, ns } = await startInFlight(LAGGING);
    await redis.snapshot();
    // What the replica missed: every execution's slow agent step completed.
    await waitUntil(async () => (await succeeded(ids, 'slow')) === ids.length, 120_000);
    const logged = rebuildLog().length;
    await redis.shutdownNoSave();
    await redis.run();
    const back = Date.now();
    redis.forgetSnapshot();
    await signal(ids, ns);
    await expectAllCompleted(ids, ns);
    await expectSlotsFreed();
    const lines = reportRecovery('lagging replica', logged, back);
    expect(lines.some((line) => /"trigger":"(stale|sweep)"/.test(line))).toBe(true);
  }, 420_000);
});

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
