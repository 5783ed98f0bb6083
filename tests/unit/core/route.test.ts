// Golden tests of the pure router: inputs in, the exact events and commands out.
import { describe, expect, it } from 'vitest';
import { evolve } from '../../../src/core/evolve.js';
import { route } from '../../../src/core/route.js';
import { buildGraph, eventTypes, Harness, summarize } from './graph-builder.js';

const T0 = 1_000_000;

describe('route: a sequential workflow', () => {
  const graph = buildGraph({ steps: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });

  it('starts by recording the start and dispatching the first step, exactly', async () => {
    const harness = new Harness(graph);
    const outcome = await harness.start({ topic: 'launch' });
    expect(outcome.events).toEqual([
      {
        type: 'ExecutionStarted',
        at: T0,
        executionId: 'e1',
        workflowId: 'wf-1',
        workflowName: 'test',
        workflowVersion: 1,
        input: { topic: 'launch' },
      },
      { type: 'StepScheduled', at: T0, stepId: 'a', attempt: 1, commandId: 'e1:a:1' },
    ]);
    expect(outcome.commands).toEqual([
      {
        type: 'DispatchStep',
        commandId: 'e1:a:1',
        idempotencyKey: 'e1:a',
        stepId: 'a',
        attempt: 1,
        agentType: 'echo',
        action: 'echo',
        input: { topic: 'launch' },
      },
    ]);
    expect(outcome.state.status).toBe('running');
  });

  it('routes each result to the next step and completes with the last output', async () => {
    const harness = new Harness(graph);
    await harness.start({ topic: 'launch' });
    const afterA = await harness.succeed('a', { draft: 'hello' });
    expect(eventTypes(afterA)).toEqual(['StepSucceeded a', 'StepScheduled b']);
    expect(afterA.commands[0]).toMatchObject({
      type: 'DispatchStep',
      commandId: 'e1:b:1',
      input: { topic: 'launch', a: { draft: 'hello' }, draft: 'hello' },
    });
    await harness.succeed('b', { polished: true });
    const afterC = await harness.succeed('c', { published: 'post-1' });
    expect(eventTypes(afterC)).toEqual(['StepSucceeded c', 'ExecutionCompleted']);
    expect(afterC.events[1]).toMatchObject({ output: { published: 'post-1' } });
    expect(summarize(afterC)).toEqual(['ReleaseSlot']);
    expect(harness.state?.status).toBe('completed');
  });

  it('records what started the execution, with the time of a schedule tick', async () => {
    const harness = new Harness(graph);
    const trigger = { type: 'cron', id: 'wf-1/0', scheduledTime: 1_700_000_000_000 };
    const outcome = await harness.send({ kind: 'start', executionId: 'e1', input: {}, trigger }, 0);
    expect(outcome.events[0]).toMatchObject({ type: 'ExecutionStarted', trigger });
    expect(harness.state?.trigger).toEqual(trigger);
  });

  it('gives the same decision for the same input (replay) and its state equals evolve(state, events)', async () => {
    const harness = new Harness(graph);
    await harness.start({});
    const before = harness.state;
    const input = {
      kind: 'stepResult',
      commandId: 'e1:a:1',
      stepId: 'a',
      attempt: 1,
      status: 'succeeded',
      output: { x: 1 },
    } as const;
    const first = await route(graph, before, input, { now: T0 + 50 });
    const second = await route(graph, before, input, { now: T0 + 50 });
    expect(second).toEqual(first);
    if (!first.accepted) throw new Error('rejected');
    expect(first.state).toEqual(evolve(before, first.events));
  });

  it('rejects a result delivered twice, and one for an execution it never saw', async () => {
    const harness = new Harness(graph);
    await harness.start({});
    await harness.succeed('a', { x: 1 });
    expect(
      await harness.offer({
        kind: 'stepResult',
        commandId: 'e1:a:1',
        stepId: 'a',
        attempt: 1,
        status: 'succeeded',
      }),
    ).toEqual({
      accepted: false,
      reason: 'step a is succeeded, not running',
    });
    expect(await route(graph, null, { kind: 'cancel', reason: 'x' }, { now: T0 })).toEqual({
      accepted: false,
      reason: 'unknown execution',
    });
    expect((await harness.offer({ kind: 'start', executionId: 'e1', input: {} })).accepted).toBe(false);
  });
});

describe('route: parallel branches and joins', () => {
  const fanOut = (join: 'all' | 'any') =>
    buildGraph({
      steps: [{ id: 'split' }, { id: 'left' }, { id: 'right' }, { id: 'merge', join }],
      connections: [
        { from: 'split', to: 'left' },
        { from: 'split', to: 'right' },
        { from: 'left', to: 'merge' },
        { from: 'right', to: 'merge' },
      ],
    });

  it('fans out to both branches and joins when all have arrived', async () => {
    const harness = new Harness(fanOut('all'));
    await harness.start({});
    const split = await harness.succeed('split');
    expect(summarize(split)).toEqual(['DispatchStep e1:left:1', 'DispatchStep e1:right:1']);
    expect(summarize(await harness.succeed('left', { l: 1 }))).toEqual([]);
    const right = await harness.succeed('right', { r: 2 });
    expect(summarize(right)).toEqual(['DispatchStep e1:merge:1']);
    expect(right.commands[0]).toMatchObject({ input: { l: 1, r: 2 } });
  });

  it('join any runs the join once, on the first arrival', async () => {
    const harness = new Harness(fanOut('any'));
    await harness.start({});
    await harness.succeed('split');
    expect(summarize(await harness.succeed('right'))).toEqual(['DispatchStep e1:merge:1']);
    expect(summarize(await harness.succeed('left'))).toEqual([]);
    const done = await harness.succeed('merge', { merged: true });
    expect(eventTypes(done)).toContain('ExecutionCompleted');
  });

  it('fans out to 50 branches and joins them all', async () => {
    const branches = Array.from({ length: 50 }, (_, index) => `b${index}`);
    const graph = buildGraph({
      steps: [{ id: 'start' }, ...branches.map((id) => ({ id })), { id: 'join' }],
      connections: [
        ...branches.map((id) => ({ from: 'start', to: id })),
        ...branches.map((id) => ({ from: id, to: 'join' })),
      ],
    });
    const harness = new Harness(graph);
    await harness.start({});
    expect((await harness.succeed('start')).commands).toHaveLength(50);
    for (const id of branches.slice(0, 49)) expect((await harness.succeed(id)).commands).toEqual([]);
    expect(summarize(await harness.succeed('b49'))).toEqual(['DispatchStep e1:join:1']);
  });
});

describe('route: conditions', () => {
  // The seed's content-creation workflow, in its routing essentials.
  const seed = buildGraph({
    steps: [
      {
        id: 'validate_input',
        type: 'validation',
        parameters: { required_fields: ['brand_id', 'content_topic'] },
      },
      { id: 'generate_content' },
      { id: 'quality_gate', type: 'condition', conditions: [{ expression: 'quality_score >= 75' }] },
      { id: 'optimize_content', conditions: [{ expression: 'quality_score < 75' }] },
    ],
    connections: [
      { from: 'validate_input', to: 'generate_content' },
      { from: 'generate_content', to: 'quality_gate' },
      { from: 'quality_gate', to: 'optimize_content', condition: 'quality_score < 75' },
    ],
  });

  it('a high quality score skips the optimisation and completes with the generated content', async () => {
    const harness = new Harness(seed);
    const start = await harness.start({ brand_id: 'b-1', content_topic: 'New Product Launch' });
    expect(eventTypes(start)).toEqual([
      'ExecutionStarted',
      'StepScheduled validate_input',
      'StepSucceeded validate_input',
      'StepScheduled generate_content',
    ]);
    const done = await harness.succeed('generate_content', { content: 'Launch!', quality_score: 82 });
    expect(eventTypes(done)).toEqual([
      'StepSucceeded generate_content',
      'StepScheduled quality_gate',
      'StepSucceeded quality_gate',
      'StepSkipped optimize_content',
      'ExecutionCompleted',
    ]);
    expect(done.events.at(-1)).toMatchObject({ output: { content: 'Launch!', quality_score: 82 } });
    expect(harness.stepStatuses()).toMatchObject({ quality_gate: 'succeeded', optimize_content: 'skipped' });
  });

  it('a low quality score runs the optimisation', async () => {
    const harness = new Harness(seed);
    await harness.start({ brand_id: 'b-1', content_topic: 'New Product Launch' });
    const gate = await harness.succeed('generate_content', { content: 'meh', quality_score: 60 });
    expect(summarize(gate)).toEqual(['DispatchStep e1:optimize_content:1']);
    const done = await harness.succeed('optimize_content', { content: 'Better!', quality_score: 90 });
    expect(done.events.at(-1)).toMatchObject({
      type: 'ExecutionCompleted',
      output: { content: 'Better!', quality_score: 90 },
    });
  });

  it('fails the execution with a readable reason when validation fails', async () => {
    const harness = new Harness(seed);
    const start = await harness.start({ brand_id: 'b-1' });
    expect(start.events.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      error: {
        code: 'VALIDATION_FAILED',
        message: 'step validate_input: missing required field content_topic',
        stepId: 'validate_input',
      },
    });
    expect(harness.stepStatuses()).toEqual({ validate_input: 'failed' });
  });

  it('a step whose conditions do not hold is skipped, and so is what only it leads to', async () => {
    const graph = buildGraph({
      steps: [{ id: 'a', conditions: [{ expression: 'vip = true' }] }, { id: 'b' }],
    });
    const harness = new Harness(graph);
    const start = await harness.start({ vip: false });
    expect(eventTypes(start)).toEqual([
      'ExecutionStarted',
      'StepSkipped a',
      'StepSkipped b',
      'ExecutionCompleted',
    ]);
  });

  it('a transform step computes its output from the context without an agent', async () => {
    const graph = buildGraph({
      steps: [{ id: 'total', type: 'transform', output: '{"sum": $sum(items.price)}' }],
    });
    const start = await new Harness(graph).start({ items: [{ price: 2 }, { price: 3 }] });
    expect(start.events.at(-1)).toMatchObject({ type: 'ExecutionCompleted', output: { sum: 5 } });
  });
});

describe('route: failures, retries, timeouts', () => {
  const retrying = buildGraph({
    steps: [
      {
        id: 'call',
        retry_policy: { max_attempts: 3, initial_interval: '1s', backoff_factor: 2, jitter: false },
        on_failure: { goto: 'fallback' },
      },
      { id: 'after' },
      { id: 'fallback' },
    ],
    connections: [{ from: 'call', to: 'after' }],
  });

  it('retries a retriable failure after the backoff, from a durable timer', async () => {
    const harness = new Harness(retrying);
    await harness.start({});
    const failed = await harness.failStep('call', { code: 'UPSTREAM', retriable: true });
    expect(eventTypes(failed)).toEqual(['StepFailed call', 'StepRetryScheduled call']);
    expect(failed.commands).toEqual([
      {
        type: 'ScheduleTimer',
        timerId: 'e1:call:2:retry',
        dueAt: harness.now + 1000,
        timer: 'retry',
        stepId: 'call',
        attempt: 2,
      },
    ]);
    const retry = await harness.timer('retry', 'call', 2);
    expect(summarize(retry)).toEqual(['DispatchStep e1:call:2']);
    const done = await harness.succeed('call', { ok: true }, 2);
    expect(summarize(done)).toEqual(['DispatchStep e1:after:1']);
  });

  it('honours retry_after_ms when it is longer than the backoff', async () => {
    const harness = new Harness(retrying);
    await harness.start({});
    const failed = await harness.failStep('call', {
      code: 'RATE_LIMITED',
      retriable: true,
      retryAfterMs: 30_000,
    });
    expect(failed.commands[0]).toMatchObject({ dueAt: harness.now + 30_000 });
  });

  it('goes to the fallback when retries are exhausted, and never runs what followed the failed step', async () => {
    const harness = new Harness(retrying);
    await harness.start({});
    await harness.failStep('call', { code: 'UPSTREAM', retriable: true }, 1);
    await harness.timer('retry', 'call', 2);
    await harness.failStep('call', { code: 'UPSTREAM', retriable: true }, 2);
    await harness.timer('retry', 'call', 3);
    const exhausted = await harness.failStep('call', { code: 'UPSTREAM', retriable: true }, 3);
    expect(eventTypes(exhausted)).toEqual(['StepFailed call', 'StepScheduled fallback']);
    const done = await harness.succeed('fallback', { plan: 'b' });
    expect(eventTypes(done)).toEqual(['StepSucceeded fallback', 'StepSkipped after', 'ExecutionCompleted']);
    expect(done.events.at(-1)).toMatchObject({ output: { plan: 'b' } });
  });

  it('does not retry a non-retriable error or a code listed in non_retryable_errors', async () => {
    const graph = buildGraph({
      steps: [{ id: 'call', retry_policy: { max_attempts: 5, non_retryable_errors: ['BAD_INPUT'] } }],
    });
    const harness = new Harness(graph);
    await harness.start({});
    const failed = await harness.failStep('call', { code: 'BAD_INPUT', retriable: true });
    expect(eventTypes(failed)).toEqual(['StepFailed call', 'ExecutionFailed']);
    expect(summarize(failed)).toEqual(['ReleaseSlot']);
  });

  it('times a step out, tells the agent to stop, falls back, and ignores the late result', async () => {
    const graph = buildGraph({
      steps: [{ id: 'slow', timeout: '5s', on_failure: { goto: 'fallback' } }, { id: 'fallback' }],
      connections: [],
    });
    const harness = new Harness(graph);
    const start = await harness.start({});
    expect(start.commands).toEqual([
      {
        type: 'DispatchStep',
        commandId: 'e1:slow:1',
        idempotencyKey: 'e1:slow',
        stepId: 'slow',
        attempt: 1,
        agentType: 'echo',
        action: 'echo',
        input: {},
        deadline: T0 + 5000,
      },
      {
        type: 'ScheduleTimer',
        timerId: 'e1:slow:1:stepTimeout',
        dueAt: T0 + 5000,
        timer: 'stepTimeout',
        stepId: 'slow',
        attempt: 1,
      },
    ]);
    const timedOut = await harness.timer('stepTimeout', 'slow', 1);
    expect(eventTypes(timedOut)).toEqual(['StepTimedOut slow', 'StepScheduled fallback']);
    expect(summarize(timedOut)).toEqual(['CancelStep e1:slow:1', 'DispatchStep e1:fallback:1']);
    expect(
      await harness.offer({
        kind: 'stepResult',
        commandId: 'e1:slow:1',
        stepId: 'slow',
        attempt: 1,
        status: 'succeeded',
      }),
    ).toEqual({
      accepted: false,
      reason: 'step slow is timed_out, not running',
    });
  });

  it('gives every attempt of a step the same idempotency key and a different command id', async () => {
    const harness = new Harness(retrying);
    const start = await harness.start({});
    await harness.failStep('call', { code: 'UPSTREAM', retriable: true });
    const retry = await harness.timer('retry', 'call', 2);
    expect(start.commands[0]).toMatchObject({ commandId: 'e1:call:1', idempotencyKey: 'e1:call' });
    expect(retry.commands[0]).toMatchObject({ commandId: 'e1:call:2', idempotencyKey: 'e1:call' });
    const next = await harness.succeed('call', {}, 2);
    expect(next.commands[0]).toMatchObject({ commandId: 'e1:after:1', idempotencyKey: 'e1:after' });
  });

  describe('first success wins', () => {
    const timedRetry = buildGraph({
      steps: [
        {
          id: 'take',
          timeout: '10s',
          retry_policy: { max_attempts: 3, initial_interval: '1s', jitter: false },
        },
        { id: 'after' },
      ],
      connections: [{ from: 'take', to: 'after' }],
    });

    it("accepts a timed-out attempt's success that arrives while the retry is in flight, and cancels the retry", async () => {
      const harness = new Harness(timedRetry);
      await harness.start({});
      await harness.timer('stepTimeout', 'take', 1);
      await harness.timer('retry', 'take', 2);
      const late = await harness.succeed('take', { taken: 1 }, 1);
      expect(eventTypes(late)).toEqual(['StepSucceeded take', 'StepScheduled after']);
      expect(late.events[0]).toMatchObject({ attempt: 1, output: { taken: 1 } });
      expect(late.commands).toEqual([
        { type: 'CancelTimer', timerId: 'e1:take:2:stepTimeout' },
        {
          type: 'CancelStep',
          commandId: 'e1:take:2',
          stepId: 'take',
          agentType: 'echo',
          reason: 'attempt 1 succeeded first',
        },
        {
          type: 'DispatchStep',
          commandId: 'e1:after:1',
          idempotencyKey: 'e1:after',
          stepId: 'after',
          attempt: 1,
          agentType: 'echo',
          action: 'echo',
          input: { take: { taken: 1 }, taken: 1 },
        },
      ]);
      // The cancelled retry's own answer, whatever it is, changes nothing.
      expect(await harness.offer({ ...retryResult(2), status: 'succeeded', output: { taken: 2 } })).toEqual({
        accepted: false,
        reason: 'step take is succeeded, not running',
      });
      expect(harness.state!.steps.take).toMatchObject({ status: 'succeeded', output: { taken: 1 } });
    });

    it('accepts it while the retry still waits for its backoff, and cancels the retry timer', async () => {
      const harness = new Harness(timedRetry);
      await harness.start({});
      const timedOut = await harness.timer('stepTimeout', 'take', 1);
      expect(eventTypes(timedOut)).toEqual(['StepTimedOut take', 'StepRetryScheduled take']);
      const late = await harness.succeed('take', { taken: 1 }, 1);
      expect(eventTypes(late)).toEqual(['StepSucceeded take', 'StepScheduled after']);
      expect(summarize(late)).toEqual(['CancelTimer e1:take:2:retry', 'DispatchStep e1:after:1']);
      expect(harness.state!.steps.take!.retryAt).toBeUndefined();
      // The retry timer, had it already been claimed, is stale.
      expect(
        await harness.offer({
          kind: 'timerFired',
          timerId: 'e1:take:2:retry',
          timer: 'retry',
          stepId: 'take',
          attempt: 2,
        }),
      ).toMatchObject({ accepted: false });
    });

    it("keeps the retry's success when the earlier attempt answers after it", async () => {
      const harness = new Harness(timedRetry);
      await harness.start({});
      await harness.timer('stepTimeout', 'take', 1);
      await harness.timer('retry', 'take', 2);
      await harness.succeed('take', { taken: 2 }, 2);
      expect(await harness.offer({ ...retryResult(1), status: 'succeeded', output: { taken: 1 } })).toEqual({
        accepted: false,
        reason: 'step take is succeeded, not running',
      });
      expect(harness.state!.steps.take).toMatchObject({ attempt: 2, output: { taken: 2 } });
    });

    it("ignores an earlier attempt's failure, and a success under another command id", async () => {
      const harness = new Harness(timedRetry);
      await harness.start({});
      await harness.timer('stepTimeout', 'take', 1);
      await harness.timer('retry', 'take', 2);
      expect(
        await harness.offer({
          ...retryResult(1),
          status: 'failed',
          error: { code: 'X', message: 'x', retriable: true },
        }),
      ).toMatchObject({ accepted: false, reason: expect.stringContaining('stale result for attempt 1') });
      expect(
        await harness.offer({ ...retryResult(1), commandId: 'e1:take:9', status: 'succeeded' }),
      ).toMatchObject({ accepted: false });
      expect(harness.stepStatuses()).toEqual({ take: 'running' });
    });

    it('does not revive a step whose retries are exhausted', async () => {
      const once = buildGraph({
        steps: [{ id: 'take', timeout: '10s', on_failure: 'continue' }, { id: 'after' }],
      });
      const harness = new Harness(once);
      await harness.start({});
      await harness.timer('stepTimeout', 'take', 1);
      expect(await harness.offer({ ...retryResult(1), status: 'succeeded' })).toMatchObject({
        accepted: false,
      });
    });

    function retryResult(attempt: number) {
      return { kind: 'stepResult', commandId: `e1:take:${attempt}`, stepId: 'take', attempt } as const;
    }
  });

  it("records an agent's DEADLINE_EXCEEDED as the step timing out, as if the timer had fired first", async () => {
    const graph = buildGraph({
      steps: [
        {
          id: 'slow',
          timeout: '5s',
          retry_policy: { max_attempts: 2, initial_interval: '1s', jitter: false },
          on_failure: { goto: 'fallback' },
        },
        { id: 'fallback' },
      ],
      connections: [],
    });
    const harness = new Harness(graph);
    await harness.start({});
    // The agent aborts at the deadline and its report beats the orchestrator's timer.
    const first = await harness.failStep('slow', { code: 'DEADLINE_EXCEEDED', retriable: true }, 1);
    expect(eventTypes(first)).toEqual(['StepTimedOut slow', 'StepRetryScheduled slow']);
    expect(summarize(first)).toEqual(['CancelTimer e1:slow:1:stepTimeout', 'ScheduleTimer e1:slow:2:retry']);
    expect(harness.state!.steps.slow).toMatchObject({
      status: 'pending',
      error: { code: 'TIMEOUT', message: 'step slow timed out', retriable: true },
    });
    // The timer, if already claimed, comes too late and is stale.
    expect(
      await harness.offer({
        kind: 'timerFired',
        timerId: 'e1:slow:1:stepTimeout',
        timer: 'stepTimeout',
        stepId: 'slow',
        attempt: 1,
      }),
    ).toMatchObject({ accepted: false });

    await harness.timer('retry', 'slow', 2);
    const second = await harness.failStep('slow', { code: 'DEADLINE_EXCEEDED', retriable: true }, 2);
    expect(eventTypes(second)).toEqual(['StepTimedOut slow', 'StepScheduled fallback']);
    expect(harness.stepStatuses()).toEqual({ slow: 'timed_out', fallback: 'running' });
  });

  it('treats a result stamped at or after the deadline as the timeout, even before the timer fires', async () => {
    const graph = buildGraph({
      steps: [{ id: 'slow', timeout: '5s', on_failure: { goto: 'fallback' } }, { id: 'fallback' }],
      connections: [],
    });
    const harness = new Harness(graph);
    const start = await harness.start({});
    expect(start.events[1]).toMatchObject({ type: 'StepScheduled', stepId: 'slow', deadline: T0 + 5000 });
    expect(harness.state!.steps.slow!.deadline).toBe(T0 + 5000);
    harness.now = T0 + 5000 - 10; // send() adds 10 ms: the result is stamped exactly at the deadline
    const late = await harness.succeed('slow', { too: 'late' });
    expect(eventTypes(late)).toEqual(['StepTimedOut slow', 'StepScheduled fallback']);
    expect(summarize(late)).toEqual(['CancelTimer e1:slow:1:stepTimeout', 'DispatchStep e1:fallback:1']);
    expect(harness.state!.steps.slow).toMatchObject({ status: 'timed_out', error: { code: 'TIMEOUT' } });
    expect(harness.state!.steps.slow!.output).toBeUndefined();
  });

  it('accepts a result stamped just before the deadline', async () => {
    const graph = buildGraph({ steps: [{ id: 'slow', timeout: '5s' }] });
    const harness = new Harness(graph);
    await harness.start({});
    harness.now = T0 + 5000 - 11;
    const onTime = await harness.succeed('slow', { in: 'time' });
    expect(eventTypes(onTime)).toEqual(['StepSucceeded slow', 'ExecutionCompleted']);
  });

  it("dates a retry's deadline from when a lagging orchestrator issues it, not from the timer record", async () => {
    const graph = buildGraph({
      steps: [
        {
          id: 'slow',
          timeout: '5s',
          retry_policy: { max_attempts: 2, initial_interval: '1s', jitter: false },
        },
      ],
    });
    const harness = new Harness(graph);
    await harness.start({});
    await harness.failStep('slow', { code: 'AGENT_ERROR', retriable: true });
    // The retry timer's record waits 60 s in Kafka behind a backlog (or a Redis outage) before it is routed.
    harness.lagMs = 60_000;
    const retry = await harness.timer('retry', 'slow', 2);
    const issuedAt = harness.now + 60_000;
    expect(retry.events).toContainEqual(
      expect.objectContaining({
        type: 'StepScheduled',
        stepId: 'slow',
        attempt: 2,
        at: harness.now,
        deadline: issuedAt + 5000,
      }),
    );
    expect(retry.commands).toContainEqual(
      expect.objectContaining({ type: 'DispatchStep', commandId: 'e1:slow:2', deadline: issuedAt + 5000 }),
    );
    expect(retry.commands).toContainEqual(
      expect.objectContaining({
        type: 'ScheduleTimer',
        timerId: 'e1:slow:2:stepTimeout',
        dueAt: issuedAt + 5000,
      }),
    );
    // Its result, stamped after the record's time plus the timeout but before the real deadline, is on time.
    harness.lagMs = 0;
    harness.now = issuedAt + 4000;
    const onTime = await harness.succeed('slow', { retried: true }, 2);
    expect(eventTypes(onTime)).toEqual(['StepSucceeded slow', 'ExecutionCompleted']);
  });

  it('keeps DEADLINE_EXCEEDED an ordinary failure on a step without a timeout', async () => {
    const harness = new Harness(buildGraph({ steps: [{ id: 'call' }] }));
    await harness.start({});
    const failed = await harness.failStep('call', { code: 'DEADLINE_EXCEEDED', retriable: true });
    expect(eventTypes(failed)).toEqual(['StepFailed call', 'ExecutionFailed']);
    expect(harness.state!.error).toMatchObject({ code: 'DEADLINE_EXCEEDED', stepId: 'call' });
  });

  it('records a timed-out wait for an event as not retriable, as the decision treated it', async () => {
    const graph = buildGraph({
      steps: [
        {
          id: 'approval',
          type: 'wait_for_event',
          event_type: 'approved',
          timeout: '1h',
          retry_policy: { max_attempts: 3 },
        },
      ],
    });
    const harness = new Harness(graph);
    await harness.start({});
    const timedOut = await harness.timer('stepTimeout', 'approval', 1);
    expect(timedOut.events[0]).toMatchObject({
      type: 'StepTimedOut',
      stepId: 'approval',
      attempt: 1,
      error: { code: 'TIMEOUT', message: 'step approval timed out', retriable: false },
    });
    expect(eventTypes(timedOut)).toEqual(['StepTimedOut approval', 'ExecutionFailed']);
    expect(harness.state!.steps.approval!.error).toEqual({
      code: 'TIMEOUT',
      message: 'step approval timed out',
      retriable: false,
    });
  });

  it('on_failure: continue lets the successors go on', async () => {
    const graph = buildGraph({
      steps: [{ id: 'optional', on_failure: 'continue' }, { id: 'next' }],
    });
    const harness = new Harness(graph);
    await harness.start({});
    const failed = await harness.failStep('optional', { code: 'X', retriable: false });
    expect(eventTypes(failed)).toEqual([
      'StepFailed optional',
      'StepFailureIgnored optional',
      'StepScheduled next',
    ]);
  });

  it('compensates completed steps in reverse order before recording the failure', async () => {
    const undo = (action: string) => ({ agent_type: 'inventory', action });
    const graph = buildGraph({
      steps: [
        { id: 'reserve', compensate: undo('release') },
        { id: 'charge', compensate: undo('refund') },
        { id: 'ship' },
      ],
    });
    const harness = new Harness(graph);
    await harness.start({});
    await harness.succeed('reserve', { reservation: 'r-1' });
    await harness.succeed('charge', { payment: 'p-1' });
    const failed = await harness.failStep('ship', { code: 'NO_COURIER', retriable: false });
    expect(eventTypes(failed)).toEqual([
      'StepFailed ship',
      'CompensationStarted',
      'StepCompensationScheduled charge',
    ]);
    expect(failed.commands).toEqual([
      {
        type: 'DispatchStep',
        commandId: 'e1:charge:compensate',
        // Not the step's own key 'e1:charge': an agent must not take the refund for a replay of the charge.
        idempotencyKey: 'e1:charge:compensate',
        stepId: 'charge',
        attempt: 1,
        agentType: 'inventory',
        action: 'refund',
        input: { payment: 'p-1' },
        compensation: true,
      },
    ]);
    const second = await harness.send({
      kind: 'stepResult',
      commandId: 'e1:charge:compensate',
      stepId: 'charge',
      attempt: 1,
      status: 'succeeded',
    });
    expect(summarize(second)).toEqual(['DispatchStep e1:reserve:compensate']);
    const last = await harness.send({
      kind: 'stepResult',
      commandId: 'e1:reserve:compensate',
      stepId: 'reserve',
      attempt: 1,
      status: 'succeeded',
    });
    expect(eventTypes(last)).toEqual(['StepCompensated reserve', 'ExecutionFailed']);
    expect(last.events.at(-1)).toMatchObject({ error: { code: 'NO_COURIER', stepId: 'ship' } });
    expect(harness.stepStatuses()).toEqual({ reserve: 'compensated', charge: 'compensated', ship: 'failed' });
  });
});

describe('route: ending early', () => {
  const graph = buildGraph({
    steps: [{ id: 'a', timeout: '1s' }, { id: 'b' }],
    timeout: '1m',
  });

  it('cancels: the running agent gets a cancel record and the timers are dropped', async () => {
    const harness = new Harness(graph);
    const start = await harness.start({});
    expect(summarize(start)).toEqual([
      'ScheduleTimer e1::workflowTimeout',
      'DispatchStep e1:a:1',
      'ScheduleTimer e1:a:1:stepTimeout',
    ]);
    const cancelled = await harness.send({ kind: 'cancel', reason: 'operator asked' });
    expect(eventTypes(cancelled)).toEqual(['StepCancelled a', 'ExecutionCancelled']);
    expect(harness.stepStatuses()).toEqual({ a: 'cancelled' });
    expect(summarize(cancelled)).toEqual([
      'CancelTimer e1:a:1:stepTimeout',
      'CancelStep e1:a:1',
      'CancelTimer e1::workflowTimeout',
      'ReleaseSlot',
    ]);
    expect((await harness.offer({ kind: 'cancel', reason: 'again' })).accepted).toBe(false);
  });

  it('a start cancelled while it waited for admission is recorded as cancelled and runs nothing', async () => {
    const harness = new Harness(graph);
    const outcome = await harness.send(
      { kind: 'start', executionId: 'e1', input: {}, cancelReason: 'not needed' },
      0,
    );
    expect(eventTypes(outcome)).toEqual(['ExecutionStarted', 'ExecutionCancelled']);
    // The workflow timer was never scheduled; cancelling it anyway is a harmless no-op of the shared ending.
    expect(summarize(outcome)).toEqual(['CancelTimer e1::workflowTimeout', 'ReleaseSlot']);
    expect(harness.state?.status).toBe('cancelled');
  });

  it('times the whole execution out', async () => {
    const harness = new Harness(graph);
    await harness.start({});
    const timedOut = await harness.send({
      kind: 'timerFired',
      timerId: 'e1::workflowTimeout',
      timer: 'workflowTimeout',
    });
    expect(eventTypes(timedOut)).toEqual(['StepCancelled a', 'ExecutionTimedOut']);
    expect(harness.stepStatuses()).toEqual({ a: 'cancelled' });
    expect(harness.state?.status).toBe('timed_out');
  });
});

describe('route: waiting, delays and sub-workflows', () => {
  it('waits for a correlated event and resumes with its data', async () => {
    const graph = buildGraph({
      steps: [
        {
          id: 'approval',
          type: 'wait_for_event',
          event_type: 'order.approved',
          correlation: 'order_id',
        },
        { id: 'ship' },
      ],
    });
    const harness = new Harness(graph);
    const start = await harness.start({ order_id: 'o-7' });
    expect(start.commands).toEqual([
      { type: 'AwaitEvent', stepId: 'approval', eventType: 'order.approved', correlationKey: 'o-7' },
    ]);
    expect(harness.state?.status).toBe('waiting');
    const wrong = await harness.offer({
      kind: 'signal',
      eventType: 'order.approved',
      eventId: 'ev-0',
      correlationKey: 'o-8',
      data: {},
    });
    expect(wrong).toEqual({ accepted: false, reason: 'no step is waiting for event order.approved' });
    const resumed = await harness.send({
      kind: 'signal',
      eventType: 'order.approved',
      eventId: 'ev-1',
      correlationKey: 'o-7',
      data: { by: 'ana' },
    });
    expect(summarize(resumed)).toEqual(['StopAwaitingEvent approval', 'DispatchStep e1:ship:1']);
    expect(resumed.commands[1]).toMatchObject({ input: { order_id: 'o-7', by: 'ana' } });
    expect(harness.state?.status).toBe('running');
  });

  it('a wait that times out stops listening for its event', async () => {
    const graph = buildGraph({
      steps: [
        {
          id: 'approval',
          type: 'wait_for_event',
          event_type: 'order.approved',
          correlation: 'order_id',
          timeout: '1m',
        },
      ],
    });
    const harness = new Harness(graph);
    await harness.start({ order_id: 'o-7' });
    const timedOut = await harness.timer('stepTimeout', 'approval', 1);
    expect(eventTypes(timedOut)).toEqual(['StepTimedOut approval', 'ExecutionFailed']);
    expect(timedOut.commands[0]).toEqual({
      type: 'StopAwaitingEvent',
      stepId: 'approval',
      eventType: 'order.approved',
      correlationKey: 'o-7',
    });
  });

  it('a delay step waits on a timer', async () => {
    const graph = buildGraph({ steps: [{ id: 'pause', type: 'delay', duration: '30s' }, { id: 'after' }] });
    const harness = new Harness(graph);
    const start = await harness.start({});
    expect(start.commands).toEqual([
      {
        type: 'ScheduleTimer',
        timerId: 'e1:pause:1:delay',
        dueAt: T0 + 30_000,
        timer: 'delay',
        stepId: 'pause',
        attempt: 1,
      },
    ]);
    expect(summarize(await harness.timer('delay', 'pause', 1))).toEqual(['DispatchStep e1:after:1']);
  });

  it('a sub_workflow step starts a child and continues with its output', async () => {
    const graph = buildGraph({
      steps: [
        {
          id: 'child',
          type: 'sub_workflow',
          workflow: 'publish',
          version: 2,
          input: '{"topic": topic}',
        },
      ],
    });
    const harness = new Harness(graph);
    const start = await harness.start({ topic: 'launch' });
    expect(start.commands).toEqual([
      {
        type: 'StartChildExecution',
        childExecutionId: 'e1:child:1',
        stepId: 'child',
        workflow: 'publish',
        version: 2,
        input: { topic: 'launch' },
      },
    ]);
    const done = await harness.succeed('child', { posts: 3 });
    expect(done.events.at(-1)).toMatchObject({ type: 'ExecutionCompleted', output: { posts: 3 } });
  });

  it('a child execution notifies its parent when it ends', async () => {
    const graph = buildGraph({ steps: [{ id: 'only' }] });
    const harness = new Harness(graph);
    await harness.send(
      { kind: 'start', executionId: 'e1', input: {}, parent: { executionId: 'p1', stepId: 'child' } },
      0,
    );
    const done = await harness.succeed('only', { n: 1 });
    expect(done.commands.at(-1)).toEqual({
      type: 'NotifyParent',
      parentExecutionId: 'p1',
      stepId: 'child',
      childExecutionId: 'e1',
      status: 'completed',
      output: { n: 1 },
    });
  });
});
