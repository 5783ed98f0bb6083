// Wide fan-out and joins, and at-least-once delivery: a result delivered twice must change nothing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent, slowAgent } from '../../src/agents/testing/test-agents.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { TestEngine, type TappedRecord } from '../support/engine.js';

const BRANCHES = 50;
const branchIds = Array.from({ length: BRANCHES }, (_, index) => `b${String(index + 1).padStart(2, '0')}`);

describe('engine semantics: fan-out, joins and duplicate deliveries', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'fan', agents: [echoAgent, slowAgent] });
  });
  afterAll(async () => engine?.stop());

  it(`fans out to ${BRANCHES} parallel branches and joins all of them`, async () => {
    const name = await engine.register({
      workflow: {
        name: 'fan-out',
        steps: [
          { id: 'split', type: 'transform', output: "{ 'base': base }" },
          ...branchIds.map((id, index) => ({
            id,
            type: 'agent',
            agent_type: 'echo',
            action: 'echo',
            input: `{ 'branch': '${id}', 'value': base + ${index + 1} }`,
          })),
          {
            id: 'gather',
            type: 'transform',
            join: 'all',
            output: `{ 'total': $sum([${branchIds.map((id) => `${id}.value`).join(', ')}]), 'seen': $count([${branchIds.map((id) => `${id}.branch`).join(', ')}]) }`,
          },
        ],
        connections: [
          ...branchIds.map((id) => ({ from: 'split', to: id })),
          ...branchIds.map((id) => ({ from: id, to: 'gather' })),
        ],
      },
    });
    const executionId = await engine.run(name, { base: 1000 });
    const state = await engine.waitFor(executionId, undefined, 60_000);
    expect(state.status).toBe('completed');
    branchIds.forEach((id, index) => {
      expect(state.steps[id]).toMatchObject({
        status: 'succeeded',
        attempt: 1,
        output: { branch: id, value: 1000 + index + 1 },
      });
    });
    expect(state.completed).toHaveLength(BRANCHES + 2);
    expect(state.completed[0]).toBe('split');
    expect(state.completed.at(-1)).toBe('gather');
    const expectedTotal = BRANCHES * 1000 + (BRANCHES * (BRANCHES + 1)) / 2;
    expect(state.output).toEqual({ total: expectedTotal, seen: BRANCHES });

    // The join ran once, after the last branch.
    const events = await engine.waitForEvents(executionId, (list) =>
      list.some((event) => event.type === 'ExecutionCompleted'),
    );
    expect(
      events.filter((event) => event.type === 'StepScheduled' && event.stepId === 'gather'),
    ).toHaveLength(1);
    const lastBranch = Math.max(...branchIds.map((id) => state.steps[id]!.finishedAt!));
    expect(state.steps.gather!.startedAt!).toBeGreaterThanOrEqual(lastBranch);
  });

  it('join any starts on the first branch to arrive, once, and the execution still waits for the others', async () => {
    const name = await engine.register({
      workflow: {
        name: 'join-any',
        steps: [
          { id: 'fast', type: 'agent', agent_type: 'echo', action: 'echo', input: "{ 'winner': 'fast' }" },
          {
            id: 'slow',
            type: 'agent',
            agent_type: 'slow',
            action: 'slow',
            input: "{ 'delay_ms': 1500, 'output': 'slow' }",
          },
          {
            id: 'first',
            type: 'agent',
            agent_type: 'echo',
            action: 'echo',
            join: 'any',
            input: "{ 'first_was': winner }",
          },
        ],
        connections: [
          { from: 'fast', to: 'first' },
          { from: 'slow', to: 'first' },
        ],
      },
    });
    const executionId = await engine.run(name, {});
    const state = await engine.waitFor(executionId);
    expect(state.status).toBe('completed');
    expect(state.completed).toEqual(['fast', 'first', 'slow']);
    expect(state.steps.first).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      output: { first_was: 'fast' },
    });
    expect(state.steps.slow).toMatchObject({
      status: 'succeeded',
      output: { delayed_ms: 1500, output: 'slow' },
    });
    expect(state.steps.first!.finishedAt!).toBeLessThanOrEqual(state.steps.slow!.finishedAt!);
    // The slow branch arriving later does not start `first` again.
    const events = await engine.waitForEvents(executionId, (list) =>
      list.some((event) => event.type === 'ExecutionCompleted'),
    );
    expect(events.filter((event) => event.stepId === 'first').map((event) => event.type)).toEqual([
      'StepScheduled',
      'StepSucceeded',
    ]);
  });

  it('a start requested twice with the same execution id runs once', async () => {
    const topics = topicNames(engine.prefix);
    const slowCommands = await engine.tap(topics.agentCommands('slow'));
    const name = await engine.register({
      workflow: {
        name: 'start-twice',
        steps: [
          {
            id: 'work',
            type: 'agent',
            agent_type: 'slow',
            action: 'slow',
            input: "{ 'delay_ms': 300, 'output': n }",
          },
        ],
      },
    });
    const executionId = randomUUID();
    await engine.client.start([{ workflowName: name, input: { n: 1 }, executionId }]);
    await engine.client.start([{ workflowName: name, input: { n: 2 }, executionId }]);
    const state = await engine.waitFor(executionId);
    expect(state.status).toBe('completed');
    expect(state.input).toEqual({ n: 1 });
    expect(state.output).toEqual({ delayed_ms: 300, output: 1 });
    const events = await engine.waitForEvents(executionId, (list) =>
      list.some((event) => event.type === 'ExecutionCompleted'),
    );
    expect(events.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1);
    const ofThisExecution = (records: readonly TappedRecord[]) =>
      records.filter(
        (record) =>
          record.envelope?.name === 'AgentCommand' && record.envelope.value.execution_id === executionId,
      );
    await slowCommands.waitFor((records) => (ofThisExecution(records).length > 0 ? true : undefined));
    expect(ofThisExecution(slowCommands.records)).toHaveLength(1);
  });

  it('a result delivered twice changes nothing: same state version, the next step dispatched once', async () => {
    const topics = topicNames(engine.prefix);
    const results = await engine.tap(topics.agentResults);
    const slowCommands = await engine.tap(topics.agentCommands('slow'));
    const name = await engine.register({
      workflow: {
        name: 'duplicate',
        steps: [
          { id: 'first', type: 'agent', agent_type: 'echo', action: 'echo', input: "{ 'step': 1 }" },
          {
            id: 'second',
            type: 'agent',
            agent_type: 'slow',
            action: 'slow',
            input: "{ 'delay_ms': 4000, 'output': 'second' }",
          },
          { id: 'third', type: 'agent', agent_type: 'echo', action: 'echo', input: "{ 'step': 3 }" },
        ],
      },
    });
    const executionId = await engine.run(name, {});
    await engine.waitFor(executionId, (state) => state.steps.second?.status === 'running');
    const firstCommand = `${executionId}:first:1`;
    const original = await results.waitFor((records) =>
      records.find(
        (record) =>
          record.envelope?.name === 'AgentResult' && record.envelope.value.command_id === firstCommand,
      ),
    );
    const before = await engine.store.load(executionId);

    // The very same record again, and a re-encoded one with the same command id but another output (an agent
    // that ran the command twice): both are duplicates of an input already applied.
    const reencoded =
      original.envelope?.name === 'AgentResult'
        ? engine.codec.encode('AgentResult', {
            ...original.envelope.value,
            output_json: JSON.stringify({ step: 'one, again' }),
            completed_at: Date.now(),
          })
        : Buffer.alloc(0);
    await engine.produceAndAwaitConsumed(topics.agentResults, [
      { key: executionId, value: original.value! },
      { key: executionId, value: reencoded },
    ]);
    const after = await engine.store.load(executionId);
    const afterState = JSON.parse(after!.state) as { steps: Record<string, { status: string }> };
    // The barrier only means something while `second` is still running (nothing else could move the state).
    expect(afterState.steps.second!.status).toBe('running');
    expect(after).toEqual(before);

    const state = await engine.waitFor(executionId);
    expect(state.status).toBe('completed');
    expect(state.completed).toEqual(['first', 'second', 'third']);
    expect(state.steps.first!.output).toEqual({ step: 1 });
    for (const stepId of state.completed) expect(state.steps[stepId]!.attempt).toBe(1);

    const events = await engine.waitForEvents(executionId, (list) =>
      list.some((event) => event.type === 'ExecutionCompleted'),
    );
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(
      events
        .filter((event) => event.type === 'StepScheduled')
        .map((event) => `${event.stepId}#${event.attempt}`),
    ).toEqual(['first#1', 'second#1', 'third#1']);
    expect(events.filter((event) => event.type === 'StepSucceeded' && event.stepId === 'first')).toHaveLength(
      1,
    );
    const ofThisExecution = (records: readonly TappedRecord[]) =>
      records.filter(
        (record) =>
          record.envelope?.name === 'AgentCommand' && record.envelope.value.execution_id === executionId,
      );
    await slowCommands.waitFor((records) => (ofThisExecution(records).length > 0 ? true : undefined));
    expect(ofThisExecution(slowCommands.records)).toHaveLength(1);
  });
});
