// Crash safety: two orchestrator processes, 1,000 executions in flight, one process killed with SIGKILL.
// Every execution must complete, with the right output, and every step's completion recorded exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { EngineProcess, ensureBuilt } from '../support/engine-process.js';
import { TestEngine } from '../support/engine.js';
import { waitUntil } from '../support/wait.js';

const EXECUTIONS = 1000;

describe('crash safety', () => {
  let engine: TestEngine;
  const processes: EngineProcess[] = [];

  beforeAll(async () => {
    ensureBuilt();
    engine = await TestEngine.start({ label: 'crash', agents: [echoAgent], orchestrators: 0, partitions: 8 });
    processes.push(
      ...(await Promise.all([
        EngineProcess.start(engine.prefix, 'orchestrator'),
        EngineProcess.start(engine.prefix, 'orchestrator'),
      ])),
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(processes.map((child) => child.stop()));
    await engine?.stop();
  });

  it('kill -9 of one of two orchestrators: all 1,000 complete, each step recorded once', async () => {
    const name = await engine.register({
      workflow: {
        name: 'crash-3-steps',
        steps: [
          { id: 'a', type: 'agent', agent_type: 'echo', action: 'echo', input: '{"n": n, "trail": ["a"]}' },
          {
            id: 'b',
            type: 'agent',
            agent_type: 'echo',
            action: 'echo',
            input: '{"n": n, "trail": [trail, "b"]}',
          },
          {
            id: 'c',
            type: 'agent',
            agent_type: 'echo',
            action: 'echo',
            input: '{"n": n * 2, "trail": [trail, "c"]}',
          },
        ],
      },
    });
    const ids = await engine.client.start(
      Array.from({ length: EXECUTIONS }, (_, n) => ({ workflowName: name, input: { n } })),
    );

    // Kill while work is in flight: as soon as some, but not all, executions have finished.
    await waitUntil(async () => (await countFinished(engine, ids)) >= EXECUTIONS / 10, 120_000);
    processes[0]!.kill();
    const finishedAtKill = await countFinished(engine, ids);
    console.log(`killed one orchestrator with ${finishedAtKill}/${EXECUTIONS} executions finished`);
    expect(finishedAtKill).toBeLessThan(EXECUTIONS);

    await waitUntil(async () => (await countFinished(engine, ids)) === EXECUTIONS, 180_000);
    const states = await engine.states(ids);
    states.forEach((state, n) => {
      expect(state!.status).toBe('completed');
      expect(state!.output).toEqual({ n: n * 2, trail: ['a', 'b', 'c'] });
      for (const stepId of ['a', 'b', 'c'])
        expect(state!.steps[stepId]).toMatchObject({ status: 'succeeded', attempt: 1 });
    });

    // The lifecycle events, deduplicated by event id as a consumer would: one completion per step and execution.
    // Per execution: started, three steps scheduled and succeeded, completed.
    const counts = await countLifecycleEvents(engine, ids.length * 8);
    const doubled = [...counts].filter(([, count]) => count !== 1);
    expect(doubled).toEqual([]);
    expect(counts.size).toBe(EXECUTIONS * 4);
  }, 420_000);
});

async function countFinished(engine: TestEngine, ids: readonly string[]): Promise<number> {
  return (await engine.states(ids)).filter((state) => state?.status === 'completed').length;
}

/** Reads the events topic until `expected` distinct events arrived; counts StepSucceeded and ExecutionCompleted. */
async function countLifecycleEvents(engine: TestEngine, expected: number): Promise<Map<string, number>> {
  const consumer = engine.kafka.consumer({ groupId: `${engine.prefix}.verify` });
  await consumer.connect();
  await consumer.subscribe({ topic: topicNames(engine.prefix).executionEvents, fromBeginning: true });
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.size}/${expected} events seen`)), 120_000);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const { value: event } = (await engine.codec.decode(message.value)) as {
            value: { event_id: string; type: string; execution_id: string; step_id?: string | null };
          };
          if (seen.has(event.event_id)) continue;
          seen.add(event.event_id);
          if (event.type === 'StepSucceeded' || event.type === 'ExecutionCompleted') {
            const key = `${event.execution_id}/${event.type}/${event.step_id ?? ''}`;
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
        }
        if (seen.size >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return counts;
}
