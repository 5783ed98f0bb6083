import { describe, expect, it } from 'vitest';
import { agentTypes, findAgent } from '../../../src/agents/catalog.js';
import { CommandRunner, type RunOutcome } from '../../../src/agents/sdk/command-runner.js';
import type { AgentDefinition } from '../../../src/agents/sdk/define-agent.js';
import {
  echoAgent,
  failingAgent,
  flakyAgent,
  sleep,
  slowAgent,
} from '../../../src/agents/testing/test-agents.js';
import type { AgentCommand, AgentResult } from '../../../src/kafka/envelopes.js';
import { createLogger } from '../../../src/observability/logger.js';

let sequence = 0;

async function run(
  agent: AgentDefinition,
  input: unknown,
  overrides: Partial<AgentCommand> = {},
): Promise<AgentResult> {
  const runner = new CommandRunner({
    agent,
    agentId: `${agent.type}-test`,
    logger: createLogger({ level: 'silent' }),
  });
  const outcome: RunOutcome = await runner.submit({
    command_id: `c${++sequence}`,
    execution_id: 'e',
    step_id: 's',
    attempt: 1,
    workflow_name: 'wf',
    workflow_version: 1,
    agent_type: agent.type,
    action: agent.type,
    input_json: JSON.stringify(input),
    deadline: Date.now() + 30_000,
    trace_context: {},
    issued_at: Date.now(),
    ...overrides,
  });
  if (outcome.kind !== 'result') throw new Error('given back');
  return outcome.result;
}

const output = (result: AgentResult): unknown => JSON.parse(result.output_json ?? 'null');

describe('test agents', () => {
  it('are in the catalog under their own types', () => {
    const testTypes = ['echo', 'failing', 'flaky', 'slow'];
    expect(agentTypes()).toEqual(expect.arrayContaining(testTypes));
    for (const type of testTypes) expect([...findAgent(type)!.actions.keys()]).toEqual([type]);
  });

  it('echo returns its input, with echoed_by only when asked', async () => {
    expect(output(await run(echoAgent, { a: [1, 2] }))).toEqual({ a: [1, 2] });
    expect(output(await run(echoAgent, 'plain'))).toBe('plain');
    expect(output(await run(echoAgent, { a: 1, add_echoed_by: true }))).toEqual({
      a: 1,
      add_echoed_by: true,
      echoed_by: 'echo-test',
    });
  });

  it('flaky fails retriably for fail_times attempts, then succeeds', async () => {
    const input = { fail_times: 2, retry_after_ms: 25, output: { x: 1 } };
    for (const attempt of [1, 2]) {
      expect((await run(flakyAgent, input, { attempt })).error).toMatchObject({
        code: 'FLAKY',
        retriable: true,
        retry_after_ms: 25,
      });
    }
    const third = await run(flakyAgent, input, { attempt: 3 });
    expect(third.status).toBe('SUCCEEDED');
    expect(output(third)).toEqual({ succeeded_on_attempt: 3, fail_times: 2, output: { x: 1 } });
    expect((await run(flakyAgent, {}, { attempt: 1 })).status).toBe('FAILED');
    expect((await run(flakyAgent, {}, { attempt: 2 })).status).toBe('SUCCEEDED');
  });

  it('slow waits delay_ms, and stops waiting at the deadline', async () => {
    const quick = await run(slowAgent, { delay_ms: 20 });
    expect(output(quick)).toEqual({ delayed_ms: 20 });
    expect(quick.duration_ms).toBeGreaterThanOrEqual(15);
    const started = Date.now();
    const late = await run(slowAgent, { delay_ms: 10_000 }, { deadline: Date.now() + 50 });
    expect(late.error?.code).toBe('DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('failing fails with the code and retriable flag of its input', async () => {
    expect((await run(failingAgent, {})).error).toEqual({
      code: 'TEST_FAILURE',
      message: 'this agent always fails',
      retriable: false,
      retry_after_ms: null,
    });
    expect(
      (await run(failingAgent, { code: 'NOPE', message: 'm', retriable: true, retry_after_ms: 9 })).error,
    ).toEqual({
      code: 'NOPE',
      message: 'm',
      retriable: true,
      retry_after_ms: 9,
    });
  });

  it('reject input fields of the wrong type as INVALID_INPUT', async () => {
    expect((await run(slowAgent, { delay_ms: 'soon' })).error).toMatchObject({
      code: 'INVALID_INPUT',
      retriable: false,
    });
  });

  it('sleep rejects with the abort reason', async () => {
    const controller = new AbortController();
    const waiting = sleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
