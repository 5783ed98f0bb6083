// The timeout-plus-retry scenario of issue 17 on the real stack: every execution takes one unit of stock
// through the inventory agent in its own process, with a 10 s step timeout and 5 attempts, while that
// process is killed with SIGKILL twice and restarted. Commands are redelivered, attempts time out and are
// retried, late answers of earlier attempts arrive: the stock must still drop by exactly one per execution.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineProcess, ensureBuilt } from '../support/engine-process.js';
import { TestEngine } from '../support/engine.js';
import { testServices } from '../support/services.js';
import { waitUntil } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXECUTIONS = 300;
const INITIAL_STOCK = 1_000;

/** `percolator agents run inventory` as a child process. */
class AgentsProcess {
  readonly output: string[] = [];
  private constructor(readonly child: ChildProcess) {}

  static async start(prefix: string): Promise<AgentsProcess> {
    const services = testServices();
    const child = spawn(process.execPath, [join(ROOT, 'bin/percolator.js'), 'agents', 'run', 'inventory'], {
      cwd: ROOT,
      env: {
        ...process.env,
        TOPIC_PREFIX: prefix,
        KAFKA_BROKERS: services.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
        REDIS_URL: services.redisUrl,
        DATABASE_URL: services.databaseUrl,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const agents = new AgentsProcess(child);
    const collect = (chunk: Buffer) =>
      agents.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    await waitUntil(async () => {
      if (child.exitCode !== null) {
        throw new Error(`agents exited with ${child.exitCode}:\n${agents.output.slice(-20).join('\n')}`);
      }
      return agents.output.some((line) => line.includes('agent started'));
    }, 90_000);
    return agents;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

describe('agents killed under a step timeout with retries', () => {
  let engine: TestEngine;
  let agents: AgentsProcess | undefined;
  let orchestrator: EngineProcess | undefined;
  const sku = `sku-crash-${randomUUID()}`;

  beforeAll(async () => {
    ensureBuilt();
    engine = await TestEngine.start({
      label: 'stock',
      agents: [],
      extraAgentTypes: ['inventory'],
      partitions: 4,
      // The orchestrator in a process of its own, as in production, not sharing this test's event loop.
      orchestrators: 0,
    });
    orchestrator = await EngineProcess.start(engine.prefix, 'orchestrator');
    await engine.pool.query('INSERT INTO inventory (product_id, quantity) VALUES ($1, $2)', [
      sku,
      INITIAL_STOCK,
    ]);
  }, 180_000);

  afterAll(async () => {
    await agents?.stop();
    await orchestrator?.stop();
    await engine?.pool
      .query('DELETE FROM inventory_movements WHERE product_id = $1', [sku])
      .catch(() => undefined);
    await engine?.stop();
  });

  it('takes exactly one unit per execution through two SIGKILLs', async () => {
    const name = await engine.register({
      workflow: {
        name: 'take-one',
        steps: [
          {
            id: 'take',
            type: 'agent',
            agent_type: 'inventory',
            action: 'update_inventory',
            timeout: '10s',
            // Two kills can each cost an execution an attempt; a busy machine may cost one more (a pool
            // wait, a timeout). What is asserted is the stock, not how many attempts it took.
            retry_policy: { max_attempts: 5, initial_interval: '1s', jitter: false },
          },
        ],
      },
    });
    agents = await AgentsProcess.start(engine.prefix);
    // No input expression: the step gets the execution's input as it is. (A JSONata input evaluated for 300
    // executions in one cycle on a loaded machine can hit the expression time guard.)
    const ids = await engine.client.start(
      Array.from({ length: EXECUTIONS }, () => ({
        workflowName: name,
        input: { product_id: sku, delta: -1, reason: 'sale' },
      })),
    );

    const taken = async () => INITIAL_STOCK - (await stock(engine, sku));
    for (const share of [0.15, 0.5]) {
      // Kill while commands are in flight: some, not all, of the stock has been taken.
      await waitUntil(async () => (await taken()) >= EXECUTIONS * share, 180_000);
      await agents.kill();
      console.log(`killed the agents process with ${await taken()}/${EXECUTIONS} units taken`);
      agents = await AgentsProcess.start(engine.prefix);
    }

    const finished = new Set(['completed', 'failed', 'cancelled', 'timed_out']);
    await waitUntil(
      async () => (await engine.states(ids)).every((state) => finished.has(state?.status ?? '')),
      300_000,
      2_000,
    );
    const states = await engine.states(ids);
    const failures = states.filter((state) => state!.status !== 'completed').map((state) => state!.error);
    if (failures.length > 0)
      console.log(agents.output.filter((line) => /"level":[45]0/.test(line)).slice(-20));
    expect(failures).toEqual([]);
    const attempts = states.map((state) => state!.steps.take!.attempt);
    console.log(
      `executions whose step needed more than one attempt: ${attempts.filter((n) => n > 1).length}`,
    );
    expect(await stock(engine, sku)).toBe(INITIAL_STOCK - EXECUTIONS);
    const movements = await engine.pool.query<{ count: string }>(
      'SELECT count(*) FROM inventory_movements WHERE product_id = $1',
      [sku],
    );
    expect(Number(movements.rows[0]!.count)).toBe(EXECUTIONS);
  }, 600_000);
});

async function stock(engine: TestEngine, sku: string): Promise<number> {
  const row = await engine.pool.query<{ quantity: number }>(
    'SELECT quantity FROM inventory WHERE product_id = $1',
    [sku],
  );
  return row.rows[0]!.quantity;
}
