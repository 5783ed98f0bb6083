// Rebuilding from lifecycle events: for random executions, the state folded from the recorded events equals
// the live one, and the commands re-derived as "in flight" are exactly those still outstanding, byte for byte.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WorkflowGraph } from '../../../src/core/graph.js';
import type { Command, ExecutionEvent, ExecutionState, RouterInput } from '../../../src/core/model.js';
import { IncompleteHistoryError, rebuild, rebuildState } from '../../../src/core/rebuild.js';
import { route } from '../../../src/core/route.js';
import { buildGraph } from './graph-builder.js';

const undo = { agent_type: 'inventory', action: 'release', input: '{"undo": reserve.n}' };

const WORKFLOWS: Record<string, WorkflowGraph> = {
  // Fan-out to an agent with a timeout and retries, a delay and a correlated wait; join; a child; compensation.
  everything: buildGraph({
    timeout: '10m',
    steps: [
      { id: 'reserve', input: '{"n": n}', compensate: undo },
      {
        id: 'call',
        timeout: '5s',
        retry_policy: { max_attempts: 3 },
        input: '{"n": reserve.n, "at": $millis()}',
      },
      { id: 'pause', type: 'delay', duration: '30s' },
      { id: 'approval', type: 'wait_for_event', event_type: 'approved', correlation: 'order', timeout: '1h' },
      { id: 'merge', join: 'all', on_failure: 'continue' },
      { id: 'child', type: 'sub_workflow', workflow: 'publish', input: '{"n": n}' },
    ],
    connections: [
      { from: 'reserve', to: 'call' },
      { from: 'reserve', to: 'pause' },
      { from: 'reserve', to: 'approval' },
      { from: 'call', to: 'merge' },
      { from: 'pause', to: 'merge' },
      { from: 'approval', to: 'merge' },
      { from: 'merge', to: 'child' },
    ],
  }),
  // A chain with retries that end in a failure, and a join any.
  chain: buildGraph({
    steps: [
      { id: 'a', retry_policy: { max_attempts: 4 } },
      { id: 'b', timeout: '2s', on_failure: { goto: 'd' } },
      { id: 'c', join: 'any' },
      { id: 'd' },
    ],
    connections: [
      { from: 'a', to: 'b' },
      { from: 'a', to: 'c' },
      { from: 'b', to: 'c' },
    ],
  }),
};

/** The inputs the live state can take next; the generator picks one of them by index. */
function candidates(state: ExecutionState, graph: WorkflowGraph): RouterInput[] {
  const inputs: RouterInput[] = [];
  const id = state.executionId;
  for (const [stepId, step] of Object.entries(state.steps)) {
    const type = graph.steps.get(stepId)?.type;
    if (step.status === 'pending' && step.retryAt !== undefined) {
      const attempt = step.attempt + 1;
      inputs.push({
        kind: 'timerFired',
        timerId: `${id}:${stepId}:${attempt}:retry`,
        timer: 'retry',
        stepId,
        attempt,
      });
    }
    if (step.status !== 'running') continue;
    const { attempt } = step;
    if ((type === 'agent' || type === 'sub_workflow') && step.commandId) {
      const base = { kind: 'stepResult' as const, commandId: step.commandId, stepId, attempt };
      inputs.push({ ...base, status: 'succeeded', output: { from: stepId, attempt } });
      inputs.push({ ...base, status: 'failed', error: { code: 'BUSY', message: 'busy', retriable: true } });
      inputs.push({ ...base, status: 'failed', error: { code: 'BAD', message: 'bad', retriable: false } });
    }
    if (type === 'delay')
      inputs.push({
        kind: 'timerFired',
        timerId: `${id}:${stepId}:${attempt}:delay`,
        timer: 'delay',
        stepId,
        attempt,
      });
    if (type === 'wait_for_event') {
      inputs.push({
        kind: 'signal',
        eventType: step.awaiting ?? '',
        eventId: `ev-${stepId}`,
        ...(step.correlationKey === undefined ? {} : { correlationKey: step.correlationKey }),
        data: { approved: true },
      });
    }
    if (graph.steps.get(stepId)?.timeoutMs !== undefined) {
      const timerId = `${id}:${stepId}:${attempt}:stepTimeout`;
      inputs.push({ kind: 'timerFired', timerId, timer: 'stepTimeout', stepId, attempt });
    }
  }
  const next = state.compensating?.[0];
  if (next !== undefined) {
    const base = {
      kind: 'stepResult' as const,
      commandId: `${id}:${next}:compensate`,
      stepId: next,
      attempt: 1,
    };
    inputs.push({ ...base, status: 'succeeded', output: null });
  }
  inputs.push({ kind: 'cancel', reason: 'operator' });
  if (graph.timeoutMs !== undefined)
    inputs.push({ kind: 'timerFired', timerId: `${id}::workflowTimeout`, timer: 'workflowTimeout' });
  return inputs;
}

interface Run {
  graph: WorkflowGraph;
  state: ExecutionState;
  events: ExecutionEvent[];
  /** Commands issued and not yet answered, cancelled or fired, by the id they act on. */
  outstanding: Map<string, Command>;
}

async function drive(name: string, choices: readonly number[], gaps: readonly number[]): Promise<Run> {
  const graph = WORKFLOWS[name]!;
  let now = 1_700_000_000_000;
  const start: RouterInput = { kind: 'start', executionId: 'x1', input: { n: 7, order: 'o-1' } };
  const first = await route(graph, null, start, { now });
  if (!first.accepted) throw new Error(first.reason);
  const run: Run = { graph, state: first.state, events: [...first.events], outstanding: new Map() };
  track(run, first.commands, start);
  for (let index = 0; index < choices.length; index++) {
    if (run.state.status !== 'running' && run.state.status !== 'waiting') break;
    const options = candidates(run.state, graph);
    // Cancels and workflow timeouts end everything: keep them rare so that runs get somewhere.
    const weighted = options.filter(
      (input) =>
        !(input.kind === 'cancel' || (input.kind === 'timerFired' && input.timer === 'workflowTimeout')),
    );
    const pool = choices[index]! % 10 === 0 ? options : weighted.length > 0 ? weighted : options;
    const input = pool[choices[index]! % pool.length]!;
    now += gaps[index % gaps.length]!;
    const outcome = await route(graph, run.state, input, { now });
    if (!outcome.accepted) continue;
    run.state = outcome.state;
    run.events.push(...outcome.events);
    track(run, outcome.commands, input);
  }
  return run;
}

function track(run: Run, commands: readonly Command[], input: RouterInput): void {
  if (input.kind === 'stepResult') run.outstanding.delete(input.commandId);
  if (input.kind === 'timerFired') run.outstanding.delete(input.timerId);
  for (const command of commands) {
    if (command.type === 'DispatchStep') run.outstanding.set(command.commandId, command);
    if (command.type === 'StartChildExecution') run.outstanding.set(command.childExecutionId, command);
    if (command.type === 'ScheduleTimer') run.outstanding.set(command.timerId, command);
    if (command.type === 'CancelTimer') run.outstanding.delete(command.timerId);
    if (command.type === 'CancelStep') run.outstanding.delete(command.commandId);
    if (command.type === 'CancelChildExecution') run.outstanding.delete(command.childExecutionId);
  }
  // An answered step's commands are no longer outstanding, whatever answered them (a timeout, a signal).
  for (const [key, command] of run.outstanding) {
    const stepId = 'stepId' in command ? command.stepId : undefined;
    const step = stepId === undefined ? undefined : run.state.steps[stepId];
    if (command.type === 'ScheduleTimer' || !step) continue;
    const live =
      command.type === 'DispatchStep' && command.compensation
        ? run.state.compensating?.[0] === stepId
        : step.status === 'running' && step.commandId === key;
    if (!live) run.outstanding.delete(key);
  }
  if (run.state.status !== 'running' && run.state.status !== 'waiting') run.outstanding.clear();
}

function idOf(command: Command): string {
  if (command.type === 'ScheduleTimer') return command.timerId;
  if (command.type === 'DispatchStep') return command.commandId;
  if (command.type === 'StartChildExecution') return command.childExecutionId;
  return `${command.type}:${'stepId' in command ? command.stepId : ''}`;
}

describe('rebuild from lifecycle events', () => {
  it('gives the live state and re-issues exactly what is in flight, for random executions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(WORKFLOWS)),
        fc.array(fc.nat({ max: 1000 }), { minLength: 0, maxLength: 14 }),
        fc.array(fc.integer({ min: 1, max: 120_000 }), { minLength: 1, maxLength: 5 }),
        async (name, choices, gaps) => {
          const run = await drive(name, choices, gaps);
          expect(rebuildState(run.events)).toEqual(run.state);
          const rebuilt = await rebuild(run.graph, run.events);
          expect(rebuilt.state).toEqual(run.state);
          const byId = new Map(rebuilt.inFlight.map((command) => [idOf(command), command]));
          const awaits = rebuilt.inFlight.filter((command) => command.type === 'AwaitEvent');
          for (const command of awaits) byId.delete(idOf(command));
          expect(byId).toEqual(run.outstanding);
          const waiting = Object.entries(run.state.steps).filter(
            ([, step]) => step.status === 'running' && step.awaiting !== undefined,
          );
          expect(awaits.map((command) => command.type === 'AwaitEvent' && command.stepId)).toEqual(
            waiting.map(([stepId]) => stepId),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('re-issues a running agent step with the input it was first given, clock-dependent parts included', async () => {
    const run = await drive('everything', [0], [1000]);
    const rebuilt = await rebuild(run.graph, run.events);
    const call = rebuilt.inFlight.find(
      (command) => command.type === 'DispatchStep' && command.stepId === 'call',
    );
    expect(call).toEqual(run.outstanding.get('x1:call:1'));
    // The clock the expression saw is the scheduling decision's, not the rebuild's.
    expect(call).toMatchObject({ input: { at: 1_700_000_001_000 } });
  });

  it('refuses a history that does not begin with the start', () => {
    expect(() => rebuildState([])).toThrow(IncompleteHistoryError);
    expect(() => rebuildState([{ type: 'ExecutionCompleted', at: 1, output: null }])).toThrow(
      /starts with ExecutionCompleted/,
    );
  });
});
