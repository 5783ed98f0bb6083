// Execution semantics of every workflow type on the real stack: what a user sees in the execution's state
// (status, output, each step's status and attempt, the order steps finished in) once it has run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/agents/sdk/index.js';
import { echoAgent, slowAgent } from '../../src/agents/testing/test-agents.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import type { ExecutionState } from '../../src/core/model.js';
import { TestEngine } from '../support/engine.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The seed's content agent, predictable: the score of what it writes comes from the input. */
const contentAgent = defineAgent({
  type: 'social-media-content',
  version: '1.0.0',
  concurrency: 8,
  actions: {
    create_content: {
      handler: (input: unknown) => {
        const request = isObject(input) ? input : {};
        return {
          content: `a post about ${String(request.content_topic)} for ${String(request.brand_id)}`,
          quality_score: typeof request.desired_score === 'number' ? request.desired_score : 50,
        };
      },
    },
    enhance_content: {
      handler: (input: unknown) => {
        const draft = isObject(input) ? input : {};
        const score = typeof draft.quality_score === 'number' ? draft.quality_score : 0;
        return { content: `${String(draft.content)}, enhanced`, quality_score: Math.min(100, score + 30) };
      },
    },
  },
});

/** The seed's "Workflow Definition Structure" example, verbatim but for the name register() makes unique. */
const CONTENT_CREATION = {
  workflow: {
    name: 'AI-Powered Content Creation',
    type: 'hybrid',
    triggers: [
      { type: 'schedule', schedule: '0 9 * * 1-5' },
      { type: 'event', event_type: 'campaign.content_requested' },
    ],
    steps: [
      {
        id: 'validate_input',
        type: 'validation',
        parameters: { required_fields: ['brand_id', 'content_topic'] },
      },
      {
        id: 'generate_content',
        type: 'agent',
        agent_type: 'social-media-content',
        action: 'create_content',
        timeout: '5m',
        retry_policy: { max_attempts: 3, backoff_factor: 2.0 },
      },
      {
        id: 'quality_gate',
        type: 'condition',
        conditions: [{ expression: 'quality_score >= 75', operator: 'greater_or_equal' }],
      },
      {
        id: 'optimize_content',
        type: 'agent',
        agent_type: 'social-media-content',
        action: 'enhance_content',
        conditions: [{ expression: 'quality_score < 75' }],
      },
    ],
    connections: [
      { from: 'validate_input', to: 'generate_content' },
      { from: 'generate_content', to: 'quality_gate' },
      { from: 'quality_gate', to: 'optimize_content', condition: 'quality_score < 75' },
    ],
  },
};

function statuses(state: ExecutionState): Record<string, string> {
  return Object.fromEntries(Object.entries(state.steps).map(([id, step]) => [id, step.status]));
}

describe('engine semantics: the workflow types', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'sem', agents: [echoAgent, slowAgent, contentAgent] });
  });
  afterAll(async () => engine?.stop());

  it('sequential: steps run one after the other; a transform and the mapped output see earlier outputs', async () => {
    const name = await engine.register({
      workflow: {
        name: 'sequential',
        output: "{ 'headline': shout.headline, 'words': $count($split(echo_back.text, ' ')) }",
        steps: [
          { id: 'draft', type: 'agent', agent_type: 'echo', action: 'echo', input: "{ 'text': topic }" },
          { id: 'shout', type: 'transform', output: "{ 'headline': $uppercase(draft.text) }" },
          {
            id: 'echo_back',
            type: 'agent',
            agent_type: 'echo',
            action: 'echo',
            input: "{ 'text': headline & ' and more' }",
          },
        ],
      },
    });
    const state = await engine.waitFor(await engine.run(name, { topic: 'spring sale' }));
    expect(state.status).toBe('completed');
    expect(state.completed).toEqual(['draft', 'shout', 'echo_back']);
    expect(state.output).toEqual({ headline: 'SPRING SALE', words: 4 });
    expect(statuses(state)).toEqual({ draft: 'succeeded', shout: 'succeeded', echo_back: 'succeeded' });
  });

  it('parallel: one step fans out to three, the join waits for all of them and sees every output', async () => {
    const name = await engine.register({
      workflow: {
        name: 'parallel',
        steps: [
          { id: 'prepare', type: 'agent', agent_type: 'echo', action: 'echo' },
          {
            id: 'twitter',
            type: 'agent',
            agent_type: 'slow',
            action: 'slow',
            input: "{ 'delay_ms': 300, 'output': 'tw:' & text }",
          },
          {
            id: 'linkedin',
            type: 'agent',
            agent_type: 'echo',
            action: 'echo',
            input: "{ 'posted': 'li:' & text }",
          },
          {
            id: 'instagram',
            type: 'agent',
            agent_type: 'slow',
            action: 'slow',
            input: "{ 'delay_ms': 100, 'output': 'ig:' & text }",
          },
          {
            id: 'report',
            type: 'transform',
            join: 'all',
            output:
              "{ 'posts': [twitter.output, linkedin.posted, instagram.output], 'count': $count($keys($steps)) }",
          },
        ],
        connections: [
          { from: 'prepare', to: 'twitter' },
          { from: 'prepare', to: 'linkedin' },
          { from: 'prepare', to: 'instagram' },
          { from: 'twitter', to: 'report' },
          { from: 'linkedin', to: 'report' },
          { from: 'instagram', to: 'report' },
        ],
      },
    });
    const state = await engine.waitFor(await engine.run(name, { text: 'hello' }));
    expect(state.status).toBe('completed');
    expect(state.output).toEqual({ posts: ['tw:hello', 'li:hello', 'ig:hello'], count: 4 });
    expect(state.completed[0]).toBe('prepare');
    expect(state.completed.at(-1)).toBe('report');
    expect(new Set(state.completed.slice(1, 4))).toEqual(new Set(['twitter', 'linkedin', 'instagram']));
    // All three were dispatched together: each started before any of them finished.
    const branches = ['twitter', 'linkedin', 'instagram'].map((id) => state.steps[id]!);
    const firstFinish = Math.min(...branches.map((step) => step.finishedAt!));
    for (const branch of branches) expect(branch.startedAt!).toBeLessThanOrEqual(firstFinish);
    const lastFinish = Math.max(...branches.map((step) => step.finishedAt!));
    expect(state.steps.report!.startedAt!).toBeGreaterThanOrEqual(lastFinish);
  });

  describe('conditional', () => {
    let name: string;
    beforeAll(async () => {
      name = await engine.register({
        workflow: {
          name: 'conditional',
          steps: [
            { id: 'analyze', type: 'agent', agent_type: 'echo', action: 'echo' },
            {
              id: 'triage',
              type: 'condition',
              conditions: [{ expression: 'sentiment >= 0', operator: 'greater_or_equal' }],
            },
            {
              id: 'auto_reply',
              type: 'agent',
              agent_type: 'echo',
              action: 'echo',
              input: "{ 'reply': 'thanks!' }",
            },
            {
              id: 'escalate',
              type: 'agent',
              agent_type: 'echo',
              action: 'echo',
              input: "{ 'alert': 'angry customer' }",
            },
            // Gated by its own conditions: skipped unless the review was written in capitals.
            {
              id: 'calm_down',
              type: 'transform',
              conditions: [{ expression: 'shouting = true' }],
              output: "{ 'calm': true }",
            },
          ],
          connections: [
            { from: 'analyze', to: 'triage' },
            { from: 'triage', to: 'auto_reply' },
            { from: 'triage', to: 'escalate', condition: 'sentiment < 0' },
            { from: 'escalate', to: 'calm_down' },
          ],
        },
      });
    });

    it('takes the yes branch of a passing condition step and records the other branch as skipped', async () => {
      const state = await engine.waitFor(await engine.run(name, { sentiment: 0.8 }));
      expect(state.status).toBe('completed');
      expect(statuses(state)).toEqual({
        analyze: 'succeeded',
        triage: 'succeeded',
        auto_reply: 'succeeded',
        escalate: 'skipped',
        calm_down: 'skipped',
      });
      expect(state.steps.triage!.output).toEqual({ passed: true });
      expect(state.output).toEqual({ reply: 'thanks!' });
    });

    it('takes the conditional branch when the condition step fails its verdict; a gate skips a step', async () => {
      const state = await engine.waitFor(await engine.run(name, { sentiment: -0.9, shouting: false }));
      expect(state.status).toBe('completed');
      expect(statuses(state)).toEqual({
        analyze: 'succeeded',
        triage: 'succeeded',
        auto_reply: 'skipped',
        escalate: 'succeeded',
        calm_down: 'skipped',
      });
      expect(state.steps.triage!.output).toEqual({ passed: false });
      expect(state.output).toEqual({ alert: 'angry customer' });
    });

    it('runs a gated step whose conditions hold', async () => {
      const state = await engine.waitFor(await engine.run(name, { sentiment: -0.9, shouting: true }));
      expect(state.status).toBe('completed');
      expect(state.completed).toEqual(['analyze', 'triage', 'escalate', 'calm_down']);
      expect(state.output).toEqual({ calm: true });
    });
  });

  describe('event-driven', () => {
    it('parks at a wait_for_event step (status waiting) until a signal resumes it with its data', async () => {
      const name = await engine.register({
        workflow: {
          name: 'approval',
          steps: [
            { id: 'request', type: 'agent', agent_type: 'echo', action: 'echo' },
            { id: 'approval', type: 'wait_for_event', event_type: 'order.approved', timeout: '10m' },
            {
              id: 'order',
              type: 'agent',
              agent_type: 'echo',
              action: 'echo',
              input: "{ 'product': product, 'approved_by': approver }",
            },
          ],
        },
      });
      const executionId = await engine.run(name, { product: 'widget' });
      const waiting = await engine.waitFor(executionId, (state) => state.status === 'waiting');
      expect(waiting.steps.approval).toMatchObject({ status: 'running', awaiting: 'order.approved' });
      expect(waiting.steps.order).toBeUndefined();

      // An event of another type does not resume it.
      await engine.client.signal(executionId, 'order.rejected', { approver: 'mallory' });
      await engine.client.signal(executionId, 'order.approved', { approver: 'alice' });
      const state = await engine.waitFor(executionId);
      expect(state.status).toBe('completed');
      expect(state.steps.approval).toMatchObject({ status: 'succeeded', output: { approver: 'alice' } });
      expect(state.output).toEqual({ product: 'widget', approved_by: 'alice' });
    });

    it('a wait that times out fails its step, so on_failure applies; a late event changes nothing', async () => {
      const name = await engine.register({
        workflow: {
          name: 'wait-timeout',
          steps: [
            {
              id: 'approval',
              type: 'wait_for_event',
              event_type: 'never.comes',
              timeout: '300ms',
              on_failure: { goto: 'reminder' },
            },
            { id: 'proceed', type: 'agent', agent_type: 'echo', action: 'echo' },
            { id: 'reminder', type: 'transform', output: "{ 'reminded': true }" },
          ],
          connections: [{ from: 'approval', to: 'proceed' }],
        },
      });
      const executionId = await engine.run(name, {});
      const state = await engine.waitFor(executionId);
      expect(state.status).toBe('completed');
      expect(state.steps.approval).toMatchObject({
        status: 'timed_out',
        attempt: 1,
        error: { code: 'TIMEOUT', retriable: false },
      });
      expect(state.steps.proceed!.status).toBe('skipped');
      expect(state.output).toEqual({ reminded: true });

      const before = await engine.store.load(executionId);
      await engine.produceAndAwaitConsumed(topicNames(engine.prefix).signals, [
        {
          key: executionId,
          value: engine.codec.encode('Signal', {
            event_id: 'late',
            execution_id: executionId,
            event_type: 'never.comes',
            data_json: '{}',
            sent_at: Date.now(),
          }),
        },
      ]);
      expect(await engine.store.load(executionId)).toEqual(before);
    });

    it('matches a signal by its correlation key: another key does not resume the wait', async () => {
      const name = await engine.register({
        workflow: {
          name: 'correlated',
          steps: [
            {
              id: 'payment',
              type: 'wait_for_event',
              event_type: 'payment.settled',
              correlation: 'invoice_id',
            },
            { id: 'receipt', type: 'transform', output: "{ 'paid': amount, 'invoice': invoice_id }" },
          ],
        },
      });
      const executionId = await engine.run(name, { invoice_id: 'INV-7' });
      const waiting = await engine.waitFor(executionId, (state) => state.status === 'waiting');
      expect(waiting.steps.payment).toMatchObject({ correlationKey: 'INV-7' });

      const send = (correlationKey: string, amount: number) =>
        engine.rawProducer.send({
          topic: topicNames(engine.prefix).signals,
          acks: -1,
          messages: [
            {
              key: executionId,
              value: engine.codec.encode('Signal', {
                event_id: `${correlationKey}:${amount}`,
                execution_id: executionId,
                correlation_key: correlationKey,
                event_type: 'payment.settled',
                data_json: JSON.stringify({ amount }),
                sent_at: Date.now(),
              }),
            },
          ],
        });
      // Same key, same partition: the wrong invoice's signal is routed first and must be refused.
      await send('INV-8', 1);
      await send('INV-7', 250);
      const state = await engine.waitFor(executionId);
      expect(state.status).toBe('completed');
      expect(state.steps.payment!.output).toEqual({ amount: 250 });
      expect(state.output).toEqual({ paid: 250, invoice: 'INV-7' });
    });
  });

  it('hybrid: fan-out and join, a condition, a wait for an event and a delay in one workflow', async () => {
    const name = await engine.register({
      workflow: {
        name: 'hybrid',
        steps: [
          { id: 'research', type: 'agent', agent_type: 'echo', action: 'echo', input: "{ 'facts': 3 }" },
          { id: 'outline', type: 'agent', agent_type: 'echo', action: 'echo', input: "{ 'sections': 2 }" },
          { id: 'draft', type: 'transform', output: "{ 'size': facts * sections }" },
          { id: 'big_enough', type: 'condition', conditions: [{ expression: 'size >= 5' }] },
          { id: 'editor_ok', type: 'wait_for_event', event_type: 'draft.approved' },
          { id: 'cool_down', type: 'delay', duration: '200ms' },
          {
            id: 'publish',
            type: 'agent',
            agent_type: 'echo',
            action: 'echo',
            input: "{ 'published': size }",
          },
          { id: 'pad', type: 'transform', output: "{ 'padded': true }" },
        ],
        connections: [
          { from: 'research', to: 'draft' },
          { from: 'outline', to: 'draft' },
          { from: 'draft', to: 'big_enough' },
          { from: 'big_enough', to: 'editor_ok' },
          { from: 'big_enough', to: 'pad', condition: 'size < 5' },
          { from: 'editor_ok', to: 'cool_down' },
          { from: 'cool_down', to: 'publish' },
        ],
      },
    });
    const executionId = await engine.run(name, {});
    await engine.waitFor(executionId, (state) => state.status === 'waiting');
    await engine.client.signal(executionId, 'draft.approved', { editor: 'bob' });
    const state = await engine.waitFor(executionId);
    expect(state.status).toBe('completed');
    expect(new Set(state.completed.slice(0, 2))).toEqual(new Set(['research', 'outline']));
    expect(state.completed.slice(2)).toEqual(['draft', 'big_enough', 'editor_ok', 'cool_down', 'publish']);
    expect(state.steps.pad!.status).toBe('skipped');
    expect(state.steps.cool_down!.output).toBeNull();
    expect(state.output).toEqual({ published: 6 });
  });

  describe("the seed's content-creation example", () => {
    let name: string;
    beforeAll(async () => {
      name = await engine.register(CONTENT_CREATION);
    });

    it('quality >= 75: the gate passes, optimize_content is skipped, the output is the generated content', async () => {
      const state = await engine.waitFor(
        await engine.run(name, { brand_id: 'acme', content_topic: 'rockets', desired_score: 88 }),
      );
      expect(state.status).toBe('completed');
      expect(statuses(state)).toEqual({
        validate_input: 'succeeded',
        generate_content: 'succeeded',
        quality_gate: 'succeeded',
        optimize_content: 'skipped',
      });
      expect(state.steps.quality_gate!.output).toEqual({ passed: true });
      expect(state.output).toEqual({ content: 'a post about rockets for acme', quality_score: 88 });
    });

    it('quality < 75: optimize_content runs on the draft and its output becomes the execution output', async () => {
      const state = await engine.waitFor(
        await engine.run(name, { brand_id: 'acme', content_topic: 'rockets', desired_score: 60 }),
      );
      expect(state.status).toBe('completed');
      expect(state.completed).toEqual([
        'validate_input',
        'generate_content',
        'quality_gate',
        'optimize_content',
      ]);
      expect(state.steps.quality_gate!.output).toEqual({ passed: false });
      expect(state.steps.optimize_content).toMatchObject({ status: 'succeeded', attempt: 1 });
      expect(state.output).toEqual({ content: 'a post about rockets for acme, enhanced', quality_score: 90 });
    });

    it('an input without a required field fails at validate_input and dispatches nothing', async () => {
      const state = await engine.waitFor(await engine.run(name, { brand_id: 'acme' }));
      expect(state.status).toBe('failed');
      expect(state.error).toMatchObject({ code: 'VALIDATION_FAILED', stepId: 'validate_input' });
      expect(state.steps.validate_input!.status).toBe('failed');
      expect(state.steps.generate_content).toBeUndefined();
    });
  });

  describe('sub_workflow', () => {
    it('a parent runs a registered child by name, waits for it and continues with its output', async () => {
      const child = await engine.register({
        workflow: {
          name: 'child',
          output: "{ 'summary': 'summary of ' & doc, 'pages': pages }",
          steps: [
            {
              id: 'read',
              type: 'agent',
              agent_type: 'slow',
              action: 'slow',
              input: "{ 'delay_ms': 200, 'output': doc }",
            },
            { id: 'count', type: 'transform', output: "{ 'pages': $length(read.output) }" },
          ],
        },
      });
      const parent = await engine.register({
        workflow: {
          name: 'parent',
          steps: [
            { id: 'pick', type: 'transform', output: "{ 'doc': 'handbook' }" },
            { id: 'summarize', type: 'sub_workflow', workflow: child, input: "{ 'doc': doc }" },
            {
              id: 'announce',
              type: 'agent',
              agent_type: 'echo',
              action: 'echo',
              input: "{ 'message': summarize.summary & ' (' & $string(summarize.pages) & ' pages)' }",
            },
          ],
        },
      });
      const executionId = await engine.run(parent, {});
      const state = await engine.waitFor(executionId);
      expect(state.status).toBe('completed');
      expect(state.completed).toEqual(['pick', 'summarize', 'announce']);
      const childId = state.steps.summarize!.commandId!;
      expect(state.steps.summarize).toMatchObject({
        status: 'succeeded',
        attempt: 1,
        output: { summary: 'summary of handbook', pages: 8 },
      });
      expect(state.output).toEqual({ message: 'summary of handbook (8 pages)' });

      const childState = await engine.state(childId);
      expect(childState).toMatchObject({
        status: 'completed',
        workflowName: child,
        parent: { executionId, stepId: 'summarize' },
        input: { doc: 'handbook' },
      });
    });

    it('a sub_workflow naming no registered workflow fails its step at once instead of waiting forever', async () => {
      const parent = await engine.register({
        workflow: {
          name: 'orphan-parent',
          steps: [
            {
              id: 'call',
              type: 'sub_workflow',
              workflow: `${engine.prefix}.never-registered`,
              on_failure: { goto: 'fallback' },
            },
            { id: 'after', type: 'agent', agent_type: 'echo', action: 'echo' },
            { id: 'fallback', type: 'transform', output: "{ 'fallback': true }" },
          ],
          connections: [{ from: 'call', to: 'after' }],
        },
      });
      const executionId = await engine.run(parent, {});
      const state = await engine.waitFor(executionId);
      expect(state.status).toBe('completed');
      expect(state.steps.call).toMatchObject({
        status: 'failed',
        attempt: 1,
        error: { code: 'UNKNOWN_WORKFLOW', retriable: false },
      });
      expect(state.steps.after!.status).toBe('skipped');
      expect(state.output).toEqual({ fallback: true });
      // The child never existed.
      expect(await engine.state(state.steps.call!.commandId!)).toBeNull();
    });

    it('cancelling the parent cancels the running child', async () => {
      const child = await engine.register({
        workflow: {
          name: 'long-child',
          steps: [
            { id: 'nap', type: 'agent', agent_type: 'slow', action: 'slow', input: "{ 'delay_ms': 20000 }" },
          ],
        },
      });
      const parent = await engine.register({
        workflow: {
          name: 'impatient-parent',
          steps: [{ id: 'call', type: 'sub_workflow', workflow: child }],
        },
      });
      const executionId = await engine.run(parent, {});
      const running = await engine.waitFor(executionId, (state) => state.steps.call?.status === 'running');
      const childId = running.steps.call!.commandId!;
      await engine.waitFor(childId, (state) => state.steps.nap?.status === 'running');

      await engine.client.cancel(executionId, 'no longer needed');
      expect(await engine.waitFor(executionId)).toMatchObject({ status: 'cancelled' });
      const childState = await engine.waitFor(childId);
      expect(childState.status).toBe('cancelled');
      expect(childState.error).toMatchObject({ code: 'CANCELLED' });
    });

    it('a failing child fails the parent step, and the parent with it', async () => {
      const child = await engine.register({
        workflow: {
          name: 'doomed-child',
          steps: [{ id: 'give_up', type: 'fail', message: 'the child cannot go on' }],
        },
      });
      const parent = await engine.register({
        workflow: {
          name: 'hopeful-parent',
          steps: [
            { id: 'call', type: 'sub_workflow', workflow: child },
            { id: 'after', type: 'agent', agent_type: 'echo', action: 'echo' },
          ],
        },
      });
      const state = await engine.waitFor(await engine.run(parent, {}));
      expect(state.status).toBe('failed');
      expect(state.steps.call).toMatchObject({ status: 'failed', error: { code: 'WORKFLOW_FAILED' } });
      expect(state.error).toMatchObject({ stepId: 'call', message: 'the child cannot go on' });
      expect(state.steps.after).toBeUndefined();
    });
  });
});
