// A 3-step workflow with echo agents, end to end through Kafka, the registry, Redis and Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoAgent } from '../../src/agents/testing/test-agents.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { TestEngine, type TappedRecord } from '../support/engine.js';
import { waitUntil } from '../support/wait.js';

describe('engine: a sequential workflow through the real stack', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'seq', agents: [echoAgent] });
  });
  afterAll(async () => engine?.stop());

  it('runs three echo steps in order and completes with the last output, showing the timeline', async () => {
    const name = await engine.register({
      workflow: {
        name: 'three-steps',
        steps: [
          {
            id: 'draft',
            type: 'agent',
            agent_type: 'echo',
            action: 'echo',
            input: '{"text": topic & " draft"}',
          },
          {
            id: 'review',
            type: 'agent',
            agent_type: 'echo',
            action: 'echo',
            input: '{"text": text & ", reviewed"}',
          },
          {
            id: 'publish',
            type: 'agent',
            agent_type: 'echo',
            action: 'echo',
            input: '{"text": text & ", published"}',
          },
        ],
      },
    });
    const executionId = await engine.run(name, { topic: 'launch' });
    const state = await engine.waitFor(executionId);

    const timeline = state.completed.map((stepId) => {
      const step = state.steps[stepId]!;
      return `${stepId.padEnd(8)} ${step.status} +${step.startedAt! - state.startedAt}ms..+${step.finishedAt! - state.startedAt}ms`;
    });
    console.log(`execution ${executionId} timeline:\n  ${timeline.join('\n  ')}`);

    expect(state.status).toBe('completed');
    expect(state.completed).toEqual(['draft', 'review', 'publish']);
    expect(state.output).toEqual({ text: 'launch draft, reviewed, published' });
    for (const stepId of state.completed)
      expect(state.steps[stepId]).toMatchObject({ status: 'succeeded', attempt: 1 });
    const [draft, review, publish] = state.completed.map((stepId) => state.steps[stepId]!);
    expect(draft!.finishedAt!).toBeLessThanOrEqual(review!.startedAt!);
    expect(review!.finishedAt!).toBeLessThanOrEqual(publish!.startedAt!);

    // What an operator sees on /metrics for that run. The state is written before the decision's effects are
    // published and counted, so the last decision's counts may lag the state by a moment.
    const registry = engine.orchestrators[0]!.metrics.registry;
    const finished = `percolator_executions_finished_total{workflow="${name}",status="completed"} 1`;
    await waitUntil(async () => (await registry.metrics()).includes(finished), 10_000, 50);
    const metrics = await registry.metrics();
    expect(metrics).toContain(`percolator_executions_started_total{workflow="${name}"} 1`);
    expect(metrics).toContain(
      `percolator_executions_finished_total{workflow="${name}",status="completed"} 1`,
    );
    expect(metrics).toContain('percolator_commands_dispatched_total{agent_type="echo"} 3');
    expect(metrics).toContain('percolator_results_received_total{agent_type="echo",status="succeeded"} 3');
    expect(metrics).toMatch(
      new RegExp(
        `percolator_step_duration_seconds_count\\{workflow="${name.replaceAll('.', '\\.')}",step_type="agent",outcome="succeeded"\\} 3`,
      ),
    );
  });

  it("carries the caller's W3C trace from the start through each command to the agent and its result", async () => {
    const name = await engine.register({
      workflow: {
        name: 'traced',
        steps: [{ id: 'only', type: 'agent', agent_type: 'echo', action: 'echo' }],
      },
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const [executionId] = await engine.client.start([
      { workflowName: name, input: {}, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    ]);
    const commands = await engine.tap(topicNames(engine.prefix).agentCommands('echo'));
    const results = await engine.tap(topicNames(engine.prefix).agentResults);
    await engine.waitFor(executionId!);

    const forExecution = (record: TappedRecord) => record.key === executionId;
    const command = await commands.waitFor((records) => records.find(forExecution));
    const result = await results.waitFor((records) => records.find(forExecution));
    for (const record of [command, result]) {
      expect(record.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    }
    expect(command.envelope).toMatchObject({
      name: 'AgentCommand',
      value: { trace_context: { traceparent: command.headers.traceparent } },
    });
    expect(command.headers.traceparent).not.toContain('00f067aa0ba902b7');
  });
});
