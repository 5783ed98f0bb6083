// What a user sees when things go wrong, on the real stack: retries, on_failure jumps, non-retriable
// failures, step and workflow timeouts, cancellation, and compensations in reverse completion order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/agents/sdk/index.js';
import {
  echoAgent,
  failingAgent,
  flakyAgent,
  sleep,
  slowAgent,
} from '../../src/agents/testing/test-agents.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { TestEngine } from '../support/engine.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reserves and releases items, recording every call in order. */
const ledgerCalls: string[] = [];
const ledgerAgent = defineAgent({
  type: 'ledger',
  version: '1.0.0',
  concurrency: 8,
  actions: {
    reserve: {
      handler: async (input: unknown) => {
        const request = isObject(input) ? input : {};
        await sleep(typeof request.delay_ms === 'number' ? request.delay_ms : 0);
        ledgerCalls.push(`reserve ${String(request.item)}`);
        return { reserved: request.item };
      },
    },
    release: {
      handler: (input: unknown) => {
        ledgerCalls.push(`release ${String(isObject(input) ? input.item : input)}`);
        return { released: true };
      },
    },
  },
});

/** Sleeps until cancelled, recording which commands it started and which were aborted, and why. */
const sleeperStarted = new Set<string>();
const sleeperAborted = new Map<string, string>();
const sleeperAgent = defineAgent({
  type: 'sleeper',
  version: '1.0.0',
  concurrency: 8,
  actions: {
    sleep: {
      handler: async (_input: unknown, ctx) => {
        sleeperStarted.add(ctx.commandId);
        try {
          await sleep(20_000, ctx.signal);
        } catch (error) {
          sleeperAborted.set(ctx.commandId, String((error as Error).message ?? error));
          throw error;
        }
        return { woke: true };
      },
    },
  },
});

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe('engine semantics: failures, timeouts, cancellation, compensation', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await TestEngine.start({
      label: 'fail',
      agents: [echoAgent, flakyAgent, slowAgent, failingAgent, ledgerAgent, sleeperAgent],
    });
  });
  afterAll(async () => engine?.stop());

  describe('retries', () => {
    it('retries a flaky step and completes on attempt 3, two failures on record', async () => {
      const name = await engine.register({
        workflow: {
          name: 'retry-then-success',
          steps: [
            {
              id: 'call',
              type: 'agent',
              agent_type: 'flaky',
              action: 'flaky',
              input: "{ 'fail_times': 2, 'output': 'made it' }",
              retry_policy: { max_attempts: 3, initial_interval: '100ms' },
            },
          ],
        },
      });
      const executionId = await engine.run(name, {});
      const state = await engine.waitFor(executionId);
      expect(state.status).toBe('completed');
      expect(state.steps.call).toMatchObject({ status: 'succeeded', attempt: 3 });
      expect(state.output).toEqual({ succeeded_on_attempt: 3, fail_times: 2, output: 'made it' });

      const events = await engine.waitForEvents(executionId, (list) =>
        list.some((event) => event.type === 'ExecutionCompleted'),
      );
      expect(events.filter((event) => event.stepId === 'call').map((e) => `${e.type}#${e.attempt}`)).toEqual([
        'StepScheduled#1',
        'StepFailed#1',
        'StepRetryScheduled#1',
        'StepScheduled#2',
        'StepFailed#2',
        'StepRetryScheduled#2',
        'StepScheduled#3',
        'StepSucceeded#3',
      ]);
    });

    it("waits at least the agent's retry_after_ms before the next attempt", async () => {
      const name = await engine.register({
        workflow: {
          name: 'retry-after',
          steps: [
            {
              id: 'call',
              type: 'agent',
              agent_type: 'flaky',
              action: 'flaky',
              input: "{ 'fail_times': 1, 'retry_after_ms': 800, 'code': 'RATE_LIMITED' }",
              retry_policy: { max_attempts: 2, initial_interval: '100ms', jitter: false },
            },
          ],
        },
      });
      const executionId = await engine.run(name, {});
      const state = await engine.waitFor(executionId);
      expect(state.status).toBe('completed');
      expect(state.steps.call).toMatchObject({ status: 'succeeded', attempt: 2 });
      const events = await engine.waitForEvents(executionId, (list) =>
        list.some((event) => event.type === 'ExecutionCompleted'),
      );
      const scheduled = events.find((event) => event.type === 'StepRetryScheduled')!;
      const retryAt = scheduled.data.retryAt as number;
      expect(retryAt - scheduled.timestamp).toBe(800);
      const second = events.find((event) => event.type === 'StepScheduled' && event.attempt === 2)!;
      expect(second.timestamp).toBeGreaterThanOrEqual(retryAt);
    });

    it('after the last attempt fails, on_failure goto runs the fallback and what followed is skipped', async () => {
      const name = await engine.register({
        workflow: {
          name: 'retries-exhausted',
          steps: [
            {
              id: 'call',
              type: 'agent',
              agent_type: 'flaky',
              action: 'flaky',
              input: "{ 'fail_times': 10 }",
              retry_policy: { max_attempts: 2, initial_interval: '100ms' },
              on_failure: { goto: 'fallback' },
            },
            { id: 'use_result', type: 'agent', agent_type: 'echo', action: 'echo' },
            { id: 'publish', type: 'agent', agent_type: 'echo', action: 'echo' },
            { id: 'fallback', type: 'transform', output: "{ 'source': 'cache' }" },
          ],
          connections: [
            { from: 'call', to: 'use_result' },
            { from: 'use_result', to: 'publish' },
          ],
        },
      });
      const state = await engine.waitFor(await engine.run(name, {}));
      expect(state.status).toBe('completed');
      expect(state.steps.call).toMatchObject({ status: 'failed', attempt: 2, error: { code: 'FLAKY' } });
      expect(state.steps.use_result!.status).toBe('skipped');
      expect(state.steps.publish!.status).toBe('skipped');
      expect(state.steps.fallback).toMatchObject({ status: 'succeeded', output: { source: 'cache' } });
      expect(state.completed).toEqual(['fallback']);
      expect(state.output).toEqual({ source: 'cache' });
    });

    it('a non-retriable failure is not retried, whatever max_attempts says', async () => {
      const name = await engine.register({
        workflow: {
          name: 'non-retriable',
          steps: [
            {
              id: 'call',
              type: 'agent',
              agent_type: 'failing',
              action: 'failing',
              input: "{ 'code': 'INVALID_INPUT', 'message': 'no such brand', 'retriable': false }",
              retry_policy: { max_attempts: 5, initial_interval: '100ms' },
            },
            { id: 'after', type: 'agent', agent_type: 'echo', action: 'echo' },
          ],
        },
      });
      const state = await engine.waitFor(await engine.run(name, {}));
      expect(state.status).toBe('failed');
      expect(state.steps.call).toMatchObject({ status: 'failed', attempt: 1 });
      expect(state.error).toMatchObject({ code: 'INVALID_INPUT', message: 'no such brand', stepId: 'call' });
      expect(state.steps.after).toBeUndefined();
    });

    it('a retriable error listed in non_retryable_errors is not retried either', async () => {
      const name = await engine.register({
        workflow: {
          name: 'listed-non-retryable',
          steps: [
            {
              id: 'call',
              type: 'agent',
              agent_type: 'flaky',
              action: 'flaky',
              input: "{ 'fail_times': 1, 'code': 'QUOTA_EXCEEDED' }",
              retry_policy: {
                max_attempts: 3,
                initial_interval: '100ms',
                non_retryable_errors: ['QUOTA_EXCEEDED'],
              },
            },
          ],
        },
      });
      const state = await engine.waitFor(await engine.run(name, {}));
      expect(state.status).toBe('failed');
      expect(state.steps.call).toMatchObject({
        status: 'failed',
        attempt: 1,
        error: { code: 'QUOTA_EXCEEDED' },
      });
    });
  });

  describe('step timeout', () => {
    it('a step slower than its timeout times out, the fallback runs, and the late result changes nothing', async () => {
      const name = await engine.register({
        workflow: {
          name: 'step-timeout',
          steps: [
            {
              id: 'call',
              type: 'agent',
              agent_type: 'slow',
              action: 'slow',
              input: "{ 'delay_ms': 3000, 'output': 'too late' }",
              timeout: '300ms',
              on_failure: { goto: 'fallback' },
            },
            { id: 'use_result', type: 'agent', agent_type: 'echo', action: 'echo' },
            { id: 'fallback', type: 'transform', output: "{ 'fallback': true }" },
          ],
          connections: [{ from: 'call', to: 'use_result' }],
        },
      });
      const executionId = await engine.run(name, {});
      const state = await engine.waitFor(executionId);
      expect(state.status).toBe('completed');
      expect(state.steps.call).toMatchObject({ status: 'timed_out', attempt: 1, error: { code: 'TIMEOUT' } });
      expect(state.steps.use_result!.status).toBe('skipped');
      expect(state.output).toEqual({ fallback: true });

      // The agent's real answer (whatever it was: the SDK reports an aborted command as a failure) and then a
      // late success for the same attempt: both arrive after the step timed out and must be ignored.
      const before = await engine.store.load(executionId);
      const commandId = state.steps.call!.commandId!;
      await engine.produceAndAwaitConsumed(topicNames(engine.prefix).agentResults, [
        {
          key: executionId,
          value: engine.codec.encode('AgentResult', {
            command_id: commandId,
            execution_id: executionId,
            step_id: 'call',
            attempt: 1,
            status: 'SUCCEEDED',
            output_json: JSON.stringify({ delayed_ms: 3000, output: 'too late' }),
            agent_id: 'late-agent',
            agent_type: 'slow',
            duration_ms: 3000,
            completed_at: Date.now(),
          }),
        },
      ]);
      const after = await engine.store.load(executionId);
      expect(after).toEqual(before);
      const final = await engine.state(executionId);
      expect(final!.steps.call!.status).toBe('timed_out');
      expect(final!.output).toEqual({ fallback: true });
    });

    it('a timed-out step without on_failure fails the execution with TIMEOUT', async () => {
      const name = await engine.register({
        workflow: {
          name: 'step-timeout-fails',
          steps: [
            {
              id: 'call',
              type: 'agent',
              agent_type: 'slow',
              action: 'slow',
              input: "{ 'delay_ms': 3000 }",
              timeout: '200ms',
            },
          ],
        },
      });
      const state = await engine.waitFor(await engine.run(name, {}));
      expect(state.status).toBe('failed');
      expect(state.steps.call!.status).toBe('timed_out');
      expect(state.error).toMatchObject({ code: 'TIMEOUT', stepId: 'call' });
    });
  });

  it('cancel: a running step is aborted at its agent and the execution stays cancelled', async () => {
    const name = await engine.register({
      workflow: {
        name: 'cancel-me',
        steps: [
          { id: 'nap', type: 'agent', agent_type: 'sleeper', action: 'sleep' },
          { id: 'after', type: 'agent', agent_type: 'echo', action: 'echo' },
        ],
      },
    });
    const executionId = await engine.run(name, {});
    const running = await engine.waitFor(executionId, (state) => state.steps.nap?.status === 'running');
    const commandId = running.steps.nap!.commandId!;
    await until(() => sleeperStarted.has(commandId), 'the sleeper starting the command');

    await engine.client.cancel(executionId, 'the user changed their mind', 'test');
    const cancelled = await engine.waitFor(executionId);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.error).toMatchObject({ code: 'CANCELLED', message: 'the user changed their mind' });

    // The orchestrator's CancelCommand reaches the agent, whose handler sees its signal abort.
    await until(() => sleeperAborted.has(commandId), 'the sleeper being aborted');
    expect(sleeperAborted.get(commandId)).toMatch(/cancel/i);

    // The agent answers the aborted command; that answer must not revive the execution.
    const results = await engine.tap(topicNames(engine.prefix).agentResults);
    const answer = await results.waitFor((records) =>
      records.find(
        (record) => record.envelope?.name === 'AgentResult' && record.envelope.value.command_id === commandId,
      ),
    );
    const settled = await engine.store.load(executionId);
    // Re-deliver that very answer and wait until the orchestrators are past it: nothing moves.
    await engine.produceAndAwaitConsumed(topicNames(engine.prefix).agentResults, [
      { key: executionId, value: answer.value! },
    ]);
    expect(await engine.store.load(executionId)).toEqual(settled);
    const final = await engine.state(executionId);
    expect(final!.status).toBe('cancelled');
    expect(final!.steps.after).toBeUndefined();
  });

  it('a step in flight when the execution is cancelled ends cancelled, not running', async () => {
    const name = await engine.register({
      workflow: {
        name: 'cancel-step-status',
        steps: [{ id: 'nap', type: 'agent', agent_type: 'sleeper', action: 'sleep' }],
      },
    });
    const executionId = await engine.run(name, {});
    await engine.waitFor(executionId, (state) => state.steps.nap?.status === 'running');
    await engine.client.cancel(executionId, 'stop');
    const state = await engine.waitFor(executionId);
    expect(state.status).toBe('cancelled');
    expect(state.steps.nap!.status).toBe('cancelled');
  });

  it('compensation: after a non-retriable failure, completed steps are undone in reverse completion order', async () => {
    const reserve = (item: string, delayMs: number) => ({
      id: `reserve_${item}`,
      type: 'agent',
      agent_type: 'ledger',
      action: 'reserve',
      input: `{ 'item': '${item}', 'delay_ms': ${delayMs} }`,
      compensate: { agent_type: 'ledger', action: 'release', input: `{ 'item': '${item}' }` },
    });
    const name = await engine.register({
      workflow: {
        name: 'compensate',
        steps: [
          { id: 'begin', type: 'agent', agent_type: 'echo', action: 'echo' },
          // Listed a, b, c; they finish b, c, a.
          reserve('a', 900),
          reserve('b', 0),
          reserve('c', 400),
          {
            id: 'notify',
            type: 'agent',
            agent_type: 'echo',
            action: 'echo',
            compensate: { agent_type: 'echo', action: 'echo', input: "{ 'retract': true }" },
          },
          {
            id: 'charge',
            type: 'agent',
            agent_type: 'failing',
            action: 'failing',
            input: "{ 'code': 'CARD_DECLINED', 'retriable': false }",
            retry_policy: { max_attempts: 3, initial_interval: '100ms' },
          },
        ],
        connections: [
          { from: 'begin', to: 'reserve_a' },
          { from: 'begin', to: 'reserve_b' },
          { from: 'begin', to: 'reserve_c' },
          { from: 'reserve_a', to: 'notify' },
          { from: 'reserve_b', to: 'notify' },
          { from: 'reserve_c', to: 'notify' },
          { from: 'notify', to: 'charge' },
        ],
      },
    });
    ledgerCalls.length = 0;
    const executionId = await engine.run(name, {});
    const state = await engine.waitFor(executionId);
    expect(state.status).toBe('failed');
    expect(state.error).toMatchObject({ code: 'CARD_DECLINED', stepId: 'charge' });
    expect(state.steps.charge).toMatchObject({ status: 'failed', attempt: 1 });
    // The delays make the reserves finish b, c, a; whatever order they really finished in, the releases
    // run in the reverse of it (and after every reserve).
    const reserved = state.completed.filter((stepId) => stepId.startsWith('reserve_'));
    expect(state.completed).toEqual(['begin', ...reserved, 'notify']);
    const released = [...reserved].reverse().map((stepId) => `release ${stepId.slice('reserve_'.length)}`);
    expect(ledgerCalls).toEqual([
      ...reserved.map((stepId) => `reserve ${stepId.slice('reserve_'.length)}`),
      ...released,
    ]);
    for (const stepId of ['reserve_a', 'reserve_b', 'reserve_c', 'notify'])
      expect(state.steps[stepId]!.status).toBe('compensated');
    expect(state.steps.begin!.status).toBe('succeeded');

    const events = await engine.waitForEvents(executionId, (list) =>
      list.some((event) => event.type === 'ExecutionFailed'),
    );
    expect(
      events.filter((event) => event.type === 'StepCompensationScheduled').map((event) => event.stepId),
    ).toEqual(['notify', ...[...reserved].reverse()]);
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionFailed', status: 'FAILED' });
  });

  it('a workflow timeout ends a running execution as timed_out and stops its step', async () => {
    const name = await engine.register({
      workflow: {
        name: 'workflow-timeout',
        timeout: '500ms',
        steps: [
          { id: 'quick', type: 'agent', agent_type: 'echo', action: 'echo' },
          { id: 'nap', type: 'agent', agent_type: 'sleeper', action: 'sleep' },
          { id: 'never', type: 'agent', agent_type: 'echo', action: 'echo' },
        ],
      },
    });
    const executionId = await engine.run(name, {});
    const state = await engine.waitFor(executionId);
    expect(state.status).toBe('timed_out');
    expect(state.error).toMatchObject({ code: 'TIMEOUT' });
    expect(state.steps.quick!.status).toBe('succeeded');
    expect(state.steps.never).toBeUndefined();
    const napCommand = state.steps.nap!.commandId!;
    await until(() => sleeperAborted.has(napCommand), 'the sleeper being told to stop');
  });
});
