// Rebuilding lost state where the Postgres history lags: no history sink runs here at all, so every lifecycle
// event is only on the events topic. An execution whose Redis state is lost mid-way is rebuilt from the topic and
// completes with the right output, each agent command run once, without waiting for a history that never comes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/agents/sdk/index.js';
import { Orchestrator } from '../../src/orchestrator/orchestrator.js';
import { executionKeys } from '../../src/state/keys.js';
import { ExecutionRepository } from '../../src/store/execution-repository.js';
import { TestEngine } from '../support/engine.js';
import { waitUntil } from '../support/wait.js';

describe('recovery where the history lags: from the events topic', () => {
  const calls = new Map<string, number>();
  const counting = defineAgent({
    type: 'tailcount',
    version: '1.0.0',
    concurrency: 8,
    actions: {
      work: {
        handler: (input: unknown, ctx) => {
          calls.set(ctx.commandId, (calls.get(ctx.commandId) ?? 0) + 1);
          const { n, k } = input as { n: number; k?: number };
          return ctx.stepId === 'first' ? { doubled: n * 2 } : { doubled: n * 2, k, sum: n * 2 + (k ?? 0) };
        },
      },
    },
  });
  let engine: TestEngine;
  let orchestrator: Orchestrator;
  let workflow: string;

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'recovtail', agents: [counting], orchestrators: 0 });
    // An orchestrator with recovery, whose history sink's group has never committed anything.
    orchestrator = new Orchestrator({
      kafka: engine.kafka,
      redis: engine.redis,
      codec: engine.codec,
      repository: engine.repository,
      logger: engine.logger,
      topicPrefix: engine.prefix,
      maxConcurrentWorkflows: 1000,
      sweepIntervalMs: 1000,
      recovery: { executions: new ExecutionRepository(engine.pool), checkIntervalMs: 1000 },
    });
    await orchestrator.start();
    engine.orchestrators.push(orchestrator);
    workflow = await engine.register({
      workflow: {
        name: 'tail',
        steps: [
          { id: 'first', type: 'agent', agent_type: 'tailcount', action: 'work' },
          { id: 'approval', type: 'wait_for_event', event_type: 'go' },
          { id: 'last', type: 'agent', agent_type: 'tailcount', action: 'work' },
        ],
        connections: [
          { from: 'first', to: 'approval' },
          { from: 'approval', to: 'last' },
        ],
      },
    });
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
  });

  it('rebuilds a lost state from the events topic and completes the execution', async () => {
    const executionId = await engine.run(workflow, { n: 21 });
    await engine.waitFor(executionId, (state) => state.steps.approval?.status === 'running');
    // Nothing of it is in the Postgres history: the recovery cannot have read it from there.
    const { rows } = await engine.pool.query(
      `SELECT count(*)::int AS n FROM execution_events WHERE execution_id = $1`,
      [executionId],
    );
    expect(rows[0].n).toBe(0);
    const before = await orchestrator.metrics.stateRebuilds.get();

    // Redis loses the execution's state, as a FLUSHALL or a restart without persistence would.
    const keys = executionKeys(engine.prefix, executionId);
    await engine.redis.del(keys.state, keys.outbox);
    expect(await engine.state(executionId)).toBeNull();

    await engine.client.signal(executionId, 'go', { k: 5 }, `go-${executionId}`);
    const events = await engine.waitForEvents(
      executionId,
      (list) => list.some((event) => event.type === 'ExecutionCompleted'),
      60_000,
    );
    const completed = events.find((event) => event.type === 'ExecutionCompleted')!;
    expect(completed.data).toMatchObject({ output: { doubled: 42, k: 5, sum: 47 } });
    // Every step completed once; every agent command ran once.
    const succeeded = events.filter((event) => event.type === 'StepSucceeded').map((event) => event.stepId);
    expect(succeeded.sort()).toEqual(['approval', 'first', 'last']);
    expect([...calls].filter(([id]) => id.startsWith(executionId))).toEqual([
      [`${executionId}:first:1`, 1],
      [`${executionId}:last:1`, 1],
    ]);
    const after = await orchestrator.metrics.stateRebuilds.get();
    const rebuilt = (metric: typeof after) => metric.values.reduce((sum, value) => sum + value.value, 0);
    expect(rebuilt(after) - rebuilt(before)).toBe(1);
  }, 120_000);

  it('the sweep after a loss rebuilds an execution only the events topic knows as running', async () => {
    const executionId = await engine.run(workflow, { n: 4 });
    await engine.waitFor(executionId, (state) => state.steps.approval?.status === 'running');
    const keys = executionKeys(engine.prefix, executionId);
    await engine.redis.del(keys.state, keys.outbox);
    // The sweep runs when Redis changed under it: the marker of the last sweep is gone, as after a FLUSHALL.
    await engine.redis.del(`${engine.prefix}:recovery:swept-run`);
    await waitUntil(async () => (await engine.state(executionId)) !== null, 60_000);
    expect((await engine.state(executionId))!.steps.approval).toMatchObject({ status: 'running' });
    await engine.client.signal(executionId, 'go', { k: 1 }, `go-${executionId}`);
    const events = await engine.waitForEvents(
      executionId,
      (list) => list.some((event) => event.type === 'ExecutionCompleted'),
      60_000,
    );
    expect(events.at(-1)!.data).toMatchObject({ output: { doubled: 8, k: 1, sum: 9 } });
  }, 120_000);
});
