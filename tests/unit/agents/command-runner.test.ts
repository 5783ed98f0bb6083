import { describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/agents/sdk/agent-error.js';
import { CommandRunner, type RunOutcome } from '../../../src/agents/sdk/command-runner.js';
import { defineAgent, type ActionHandler } from '../../../src/agents/sdk/define-agent.js';
import { sleep } from '../../../src/agents/testing/test-agents.js';
import type { AgentCommand, AgentResult } from '../../../src/kafka/envelopes.js';
import { createLogger } from '../../../src/observability/logger.js';

const logger = createLogger({ level: 'silent' });

function command(id: string, overrides: Partial<AgentCommand> = {}): AgentCommand {
  return {
    command_id: id,
    execution_id: `exec-${id}`,
    step_id: 'step',
    attempt: 1,
    workflow_name: 'wf',
    workflow_version: 1,
    agent_type: 'unit',
    action: 'act',
    input_json: '{"n":1}',
    deadline: Date.now() + 60_000,
    trace_context: {},
    issued_at: Date.now(),
    ...overrides,
  };
}

function runnerWith(handler: ActionHandler, options: { concurrency?: number; abortGraceMs?: number } = {}) {
  const agent = defineAgent({
    type: 'unit',
    version: '1',
    concurrency: options.concurrency ?? 2,
    actions: {
      act: { handler },
      typed: {
        input: { type: 'record', name: 'In', fields: [{ name: 'n', type: 'int' }] },
        output: { type: 'record', name: 'Out', fields: [{ name: 'ok', type: 'boolean' }] },
        handler,
      },
    },
  });
  return new CommandRunner({ agent, agentId: 'unit-1', logger, abortGraceMs: options.abortGraceMs ?? 200 });
}

/** A promise the test opens: a handler signals "I am running", or waits until the test lets it go on. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

function result(outcome: RunOutcome): AgentResult & { replay: boolean } {
  if (outcome.kind !== 'result') throw new Error('expected a result');
  return { ...outcome.result, replay: outcome.replay };
}

describe('CommandRunner', () => {
  it('runs a handler with the command context and returns a SUCCEEDED result', async () => {
    const runner = runnerWith((input, ctx) => {
      ctx.reportTokenUsage({ promptTokens: 3, completionTokens: 4, model: 'm' });
      return { input, attempt: ctx.attempt, step: ctx.stepId, agent: ctx.agentId };
    });
    const done = result(await runner.submit(command('a', { attempt: 3 })));
    expect(done).toMatchObject({
      command_id: 'a',
      execution_id: 'exec-a',
      status: 'SUCCEEDED',
      attempt: 3,
      agent_id: 'unit-1',
      agent_type: 'unit',
      error: null,
      token_usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, model: 'm' },
      replay: false,
    });
    expect(JSON.parse(done.output_json!)).toEqual({
      input: { n: 1 },
      attempt: 3,
      step: 'step',
      agent: 'unit-1',
    });
  });

  it('maps an AgentError and any other exception to FAILED results', async () => {
    const runner = runnerWith((input) => {
      if ((input as { n: number }).n === 1)
        throw new AgentError('BAD', 'bad thing', { retriable: true, retryAfterMs: 50 });
      throw new RangeError('boom');
    });
    expect(result(await runner.submit(command('a'))).error).toEqual({
      code: 'BAD',
      message: 'bad thing',
      retriable: true,
      retry_after_ms: 50,
    });
    expect(result(await runner.submit(command('b', { input_json: '{"n":2}' }))).error).toMatchObject({
      code: 'AGENT_EXCEPTION',
      message: 'RangeError: boom',
      retriable: true,
    });
  });

  it('runs a command id once: a redelivery gets the remembered result, also while still running', async () => {
    let calls = 0;
    const runner = runnerWith(async () => {
      calls++;
      await sleep(30);
      return calls;
    });
    const first = runner.submit(command('a'));
    const whileRunning = runner.submit(command('a'));
    const [one, two] = await Promise.all([first, whileRunning]);
    const later = await runner.submit(command('a'));
    expect(calls).toBe(1);
    expect(result(one).replay).toBe(false);
    expect(result(two)).toMatchObject({ replay: true, output_json: '1' });
    expect(result(later)).toMatchObject({
      replay: true,
      output_json: '1',
      completed_at: result(one).completed_at,
    });
  });

  it('forgets results beyond its cache size, then runs the command again', async () => {
    let calls = 0;
    const agent = defineAgent({ type: 'unit', version: '1', actions: { act: { handler: () => ++calls } } });
    const runner = new CommandRunner({ agent, agentId: 'u', logger, resultCacheSize: 2 });
    for (const id of ['a', 'b', 'c']) await runner.submit(command(id));
    await runner.submit(command('c'));
    expect(calls).toBe(3);
    await runner.submit(command('a'));
    expect(calls).toBe(4);
  });

  it('never runs more handlers at once than the concurrency', async () => {
    let running = 0;
    let peak = 0;
    const runner = runnerWith(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(10);
        running--;
      },
      { concurrency: 3 },
    );
    await Promise.all(Array.from({ length: 12 }, (_, index) => runner.submit(command(`c${index}`))));
    expect(peak).toBe(3);
  });

  it('aborts a running handler on cancel and reports CANCELLED, not retriable', async () => {
    let sawAbort = false;
    const started = gate();
    const runner = runnerWith(async (_input, ctx) => {
      started.open();
      await sleep(10_000, ctx.signal).catch((error) => {
        sawAbort = ctx.signal.aborted;
        throw error;
      });
    });
    const running = runner.submit(command('a'));
    await started.opened;
    expect(
      runner.cancel({ command_id: 'a', execution_id: 'exec-a', reason: 'user asked', issued_at: 0 }),
    ).toBe('aborted');
    const done = result(await running);
    expect(sawAbort).toBe(true);
    expect(done.status).toBe('FAILED');
    expect(done.error).toMatchObject({ code: 'CANCELLED', retriable: false });
    expect(done.error!.message).toContain('user asked');
  });

  it('reports CANCELLED even when the handler finishes normally after the cancel', async () => {
    const [started, release] = [gate(), gate()];
    const runner = runnerWith(async () => {
      started.open();
      await release.opened;
      return 'done anyway';
    });
    const running = runner.submit(command('a'));
    await started.opened;
    runner.cancel({ command_id: 'a', execution_id: 'exec-a', reason: 'r', issued_at: 0 });
    release.open();
    expect(result(await running).error?.code).toBe('CANCELLED');
  });

  it('does not run a command that was cancelled while it waited, or before it arrived', async () => {
    let calls = 0;
    const [started, release] = [gate(), gate()];
    const runner = runnerWith(
      async () => {
        calls++;
        started.open();
        await release.opened;
      },
      { concurrency: 1 },
    );
    const first = runner.submit(command('a'));
    const queued = runner.submit(command('b'));
    await started.opened;
    expect(runner.cancel({ command_id: 'b', execution_id: 'exec-b', reason: 'r', issued_at: 0 })).toBe(
      'dequeued',
    );
    expect(result(await queued).error?.code).toBe('CANCELLED');
    expect(runner.cancel({ command_id: 'c', execution_id: 'exec-c', reason: 'early', issued_at: 0 })).toBe(
      'remembered',
    );
    release.open();
    expect(result(await runner.submit(command('c'))).error?.code).toBe('CANCELLED');
    await first;
    expect(calls).toBe(1);
    expect(runner.cancel({ command_id: 'a', execution_id: 'exec-a', reason: 'late', issued_at: 0 })).toBe(
      'already-finished',
    );
  });

  it('aborts at the deadline with a retriable DEADLINE_EXCEEDED, and does not start a command already past it', async () => {
    let calls = 0;
    const runner = runnerWith(async (_input, ctx) => {
      calls++;
      await sleep(10_000, ctx.signal);
    });
    const started = Date.now();
    const late = result(await runner.submit(command('a', { deadline: Date.now() + 60 })));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(late.error).toMatchObject({ code: 'DEADLINE_EXCEEDED', retriable: true });
    const expired = result(await runner.submit(command('b', { deadline: Date.now() - 1 })));
    expect(expired.error).toMatchObject({ code: 'DEADLINE_EXCEEDED', retriable: true });
    expect(calls).toBe(1);
  });

  it('runs a command whose deadline is months away instead of aborting it at once', async () => {
    const runner = runnerWith(async (_input, ctx) => {
      await sleep(50, ctx.signal);
      return { ok: true };
    });
    const farAway = Date.now() + 90 * 24 * 3_600_000;
    const done = result(await runner.submit(command('a', { deadline: farAway })));
    expect(done).toMatchObject({ status: 'SUCCEEDED', error: null });
  });

  it('reports the abort after the grace period when a handler ignores its signal', async () => {
    const started = gate();
    const runner = runnerWith(
      () => {
        started.open();
        return new Promise(() => undefined);
      },
      { abortGraceMs: 30 },
    );
    const running = runner.submit(command('a'));
    await started.opened;
    runner.cancel({ command_id: 'a', execution_id: 'exec-a', reason: 'r', issued_at: 0 });
    expect(result(await running).error?.code).toBe('CANCELLED');
    expect(runner.limiter.active).toBe(0);
  });

  it('fails without running the handler for an unknown action or input that is not JSON', async () => {
    let calls = 0;
    const runner = runnerWith(() => ++calls);
    expect(result(await runner.submit(command('a', { action: 'nope' }))).error).toMatchObject({
      code: 'UNKNOWN_ACTION',
      retriable: false,
    });
    expect(result(await runner.submit(command('b', { input_json: '{not json' }))).error).toMatchObject({
      code: 'INVALID_INPUT',
      retriable: false,
    });
    expect(calls).toBe(0);
  });

  it('checks input and output against declared Avro schemas', async () => {
    const runner = runnerWith((input) => ((input as { n: number }).n === 1 ? { ok: true } : { ok: 'yes' }));
    expect(result(await runner.submit(command('a', { action: 'typed' }))).status).toBe('SUCCEEDED');
    expect(
      result(await runner.submit(command('b', { action: 'typed', input_json: '{"n":"x"}' }))).error?.code,
    ).toBe('INVALID_INPUT');
    expect(
      result(await runner.submit(command('c', { action: 'typed', input_json: '{"n":2}' }))).error?.code,
    ).toBe('INVALID_OUTPUT');
  });

  it('refuses an output larger than the size limit', async () => {
    const agent = defineAgent({
      type: 'unit',
      version: '1',
      actions: { act: { handler: () => 'x'.repeat(100) } },
    });
    const runner = new CommandRunner({ agent, agentId: 'u', logger, maxOutputBytes: 50 });
    expect(result(await runner.submit(command('a'))).error).toMatchObject({
      code: 'INVALID_OUTPUT',
      message: 'output is 102 bytes of JSON, more than the limit of 50',
    });
  });

  it('reports output JSON cannot carry as INVALID_OUTPUT', async () => {
    const runner = runnerWith(() => ({ big: 1n }));
    expect(result(await runner.submit(command('a'))).error).toMatchObject({
      code: 'INVALID_OUTPUT',
      retriable: false,
    });
  });

  it('on shutdown gives back queued commands at once and running ones that outlast the timeout', async () => {
    const started = gate();
    const runner = runnerWith(
      (_input, ctx) => {
        started.open();
        return sleep(10_000, ctx.signal);
      },
      { concurrency: 1 },
    );
    const running = runner.submit(command('a'));
    const queued = runner.submit(command('b'));
    await started.opened;
    await runner.shutdown(50);
    expect(await running).toEqual({ kind: 'given-back' });
    expect(await queued).toEqual({ kind: 'given-back' });
    expect(await runner.submit(command('c'))).toEqual({ kind: 'given-back' });
  });

  it('on shutdown lets running handlers that finish in time publish their results', async () => {
    const started = gate();
    const runner = runnerWith(async () => {
      started.open();
      await sleep(30);
      return 'finished';
    });
    const running = runner.submit(command('a'));
    await started.opened;
    await runner.shutdown(2_000);
    expect(result(await running).output_json).toBe('"finished"');
  });
});
