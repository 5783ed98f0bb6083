// A decision whose commands add up to more than the broker takes in one request (a wide fan-out of large
// inputs) is published in bounded requests; it used to fail the same way on every retry and stall the engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { TestEngine } from '../support/engine.js';

const BRANCHES = 60;

describe('engine: a fan-out larger than one produce request', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'large', agents: [echoAgent] });
  });
  afterAll(async () => engine?.stop());

  it(`dispatches ${BRANCHES} branches of 20 KB each (1.2 MB in one decision) and joins them`, async () => {
    const branches = Array.from({ length: BRANCHES }, (_, index) => `b${index}`);
    const name = await engine.register({
      workflow: {
        name: 'wide-and-heavy',
        steps: [
          { id: 'start', type: 'transform', output: '{"go": true}' },
          ...branches.map((id) => ({
            id,
            type: 'agent',
            agent_type: 'echo',
            action: 'echo',
            input: `{"branch": "${id}", "pad": $pad("", 20000, "x")}`,
          })),
          {
            id: 'join',
            type: 'transform',
            output: `{"joined": $count([${branches.map((id) => `${id}.branch`).join(', ')}])}`,
          },
        ],
        connections: [
          ...branches.map((id) => ({ from: 'start', to: id })),
          ...branches.map((id) => ({ from: id, to: 'join' })),
        ],
      },
    });
    const executionId = await engine.run(name, {});
    const state = await engine.waitFor(executionId, undefined, 90_000);
    expect(state.status).toBe('completed');
    expect(state.output).toEqual({ joined: BRANCHES });
  }, 120_000);
});
