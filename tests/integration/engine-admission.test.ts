// MAX_CONCURRENT_WORKFLOWS on the real stack: starts beyond the limit wait their turn, none is dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent, slowAgent } from '../../src/agents/testing/test-agents.js';
import { TERMINAL_STATUSES } from '../../src/core/model.js';
import { TestEngine } from '../support/engine.js';

const LIMIT = 2;
const STARTS = 6;

describe('engine semantics: admission control', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await TestEngine.start({
      label: 'adm',
      agents: [echoAgent, slowAgent],
      maxConcurrentWorkflows: LIMIT,
    });
  });
  afterAll(async () => engine?.stop());

  it(`runs at most ${LIMIT} executions at once out of ${STARTS} starts, and completes them all`, async () => {
    const name = await engine.register({
      workflow: {
        name: 'limited',
        steps: [
          {
            id: 'work',
            type: 'agent',
            agent_type: 'slow',
            action: 'slow',
            input: "{ 'delay_ms': 700, 'output': n }",
          },
          { id: 'done', type: 'agent', agent_type: 'echo', action: 'echo', input: "{ 'n': work.output }" },
        ],
      },
    });
    const ids = await engine.client.start(
      Array.from({ length: STARTS }, (_, n) => ({ workflowName: name, input: { n } })),
    );

    let maxLive = 0;
    let sawParked = false;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const states = await Promise.all(ids.map((id) => engine.state(id)));
      const live = states.filter((state) => state !== null && !TERMINAL_STATUSES.has(state.status));
      const finished = states.filter((state) => state !== null && TERMINAL_STATUSES.has(state.status));
      maxLive = Math.max(maxLive, live.length);
      // A start not yet admitted has no state at all while others run.
      if (live.length > 0 && states.some((state) => state === null)) sawParked = true;
      if (finished.length === STARTS) break;
      if (Date.now() > deadline)
        throw new Error(`only ${finished.length} of ${STARTS} finished; states: ${JSON.stringify(states)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(maxLive).toBeLessThanOrEqual(LIMIT);
    expect(maxLive).toBeGreaterThan(0);
    expect(sawParked).toBe(true);

    const states = await Promise.all(ids.map((id) => engine.state(id)));
    states.forEach((state, n) => {
      expect(state).toMatchObject({ status: 'completed', output: { n } });
      expect(state!.steps.work).toMatchObject({ status: 'succeeded', attempt: 1 });
    });
    // Run windows never overlap by more than the limit: at any start, fewer than LIMIT others were running.
    const windows = states.map((state) => ({ from: state!.startedAt, to: state!.finishedAt! }));
    for (const window of windows) {
      const overlapping = windows.filter((other) => other.from <= window.from && other.to > window.from);
      expect(overlapping.length).toBeLessThanOrEqual(LIMIT);
    }
    expect(await engine.orchestrators[0]!.admission.counts()).toEqual({ inflight: 0, queued: 0 });
  });

  it('cancelling an execution still waiting for admission keeps it from running: it ends cancelled', async () => {
    const name = await engine.register({
      workflow: {
        name: 'parked-cancel',
        steps: [
          { id: 'work', type: 'agent', agent_type: 'slow', action: 'slow', input: "{ 'delay_ms': 1500 }" },
        ],
      },
    });
    const admission = engine.orchestrators[0]!.admission;
    const running = await engine.client.start(
      Array.from({ length: LIMIT }, () => ({ workflowName: name, input: {} })),
    );
    await Promise.all(running.map((id) => engine.waitFor(id, (state) => state.status === 'running')));
    const [parked] = await engine.client.start([{ workflowName: name, input: {} }]);
    const deadline = Date.now() + 30_000;
    while ((await admission.counts()).queued < 1) {
      if (Date.now() > deadline) throw new Error('the third start was never parked');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await engine.state(parked!)).toBeNull();

    await engine.client.cancel(parked!, 'not needed after all');
    await Promise.all(running.map((id) => engine.waitFor(id)));
    const state = await engine.waitFor(parked!);
    expect(state.status).toBe('cancelled');
    expect(state.steps.work).toBeUndefined();
    expect(await admission.counts()).toEqual({ inflight: 0, queued: 0 });
  });
});
