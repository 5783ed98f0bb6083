// Two orchestrator instances in one consumer group: co-partitioning puts every input of an execution in
// front of the instance that owns it, so many executions spread over both still each run exactly once.
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent, flakyAgent, slowAgent } from '../../src/agents/testing/test-agents.js';
import { TestEngine } from '../support/engine.js';

const EXECUTIONS = 40;

describe('engine semantics: two orchestrator instances', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await TestEngine.start({
      label: 'multi',
      agents: [echoAgent, flakyAgent, slowAgent],
      orchestrators: 2,
    });
  });
  afterAll(async () => engine?.stop());

  it(`runs ${EXECUTIONS} executions with retries, timers and a fan-out to completion, each step once`, async () => {
    const name = await engine.register({
      workflow: {
        name: 'mixed',
        steps: [
          {
            id: 'fetch',
            type: 'agent',
            agent_type: 'flaky',
            action: 'flaky',
            input: "{ 'fail_times': 1, 'output': n }",
            retry_policy: { max_attempts: 3, initial_interval: '100ms' },
          },
          { id: 'left', type: 'agent', agent_type: 'echo', action: 'echo', input: "{ 'left': output }" },
          {
            id: 'right',
            type: 'agent',
            agent_type: 'slow',
            action: 'slow',
            input: "{ 'delay_ms': 100, 'output': output * 2 }",
          },
          { id: 'pause', type: 'delay', duration: '100ms' },
          { id: 'sum', type: 'transform', output: "{ 'sum': left.left + right.output }" },
        ],
        connections: [
          { from: 'fetch', to: 'left' },
          { from: 'fetch', to: 'right' },
          { from: 'left', to: 'pause' },
          { from: 'right', to: 'pause' },
          { from: 'pause', to: 'sum' },
        ],
      },
    });
    const ids = await engine.client.start(
      Array.from({ length: EXECUTIONS }, (_, n) => ({ workflowName: name, input: { n } })),
    );
    const states = await Promise.all(ids.map((id) => engine.waitFor(id, undefined, 90_000)));
    states.forEach((state, n) => {
      expect(state.status).toBe('completed');
      expect(state.output).toEqual({ sum: 3 * n });
      expect(state.steps.fetch).toMatchObject({ status: 'succeeded', attempt: 2 });
      expect(state.completed.slice(-2)).toEqual(['pause', 'sum']);
    });
    // Both instances own partitions of the input topics.
    const admin = engine.kafka.admin();
    await admin.connect();
    const { groups } = await admin.describeGroups([`${engine.prefix}.orchestrator`]);
    await admin.disconnect();
    const owned = (groups[0]?.members ?? []).map((member) => {
      const assignment = kafkajs.AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return Object.values(assignment?.assignment ?? {}).flat().length;
    });
    expect(owned).toHaveLength(2);
    for (const partitions of owned) expect(partitions).toBeGreaterThan(0);

    // Each step succeeded exactly once per execution, whichever instance ran it.
    for (const id of ids.slice(0, 5)) {
      const events = await engine.waitForEvents(id, (list) =>
        list.some((event) => event.type === 'ExecutionCompleted'),
      );
      const succeeded = events.filter((event) => event.type === 'StepSucceeded').map((event) => event.stepId);
      expect([...succeeded].sort()).toEqual(['fetch', 'left', 'pause', 'right', 'sum']);
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    }
  });
});
