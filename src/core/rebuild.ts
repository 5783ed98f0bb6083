// Rebuilding an execution from its lifecycle events, for when the hot state was lost: the state is the fold of
// the events (evolve), and what was in flight when they were recorded (agent commands, child starts, timers,
// event waits) is re-derived from them with the same deterministic ids, so re-issuing it is harmless.
import { Decision } from './decision.js';
import { applyInPlace, initialState } from './evolve.js';
import type { GraphStep, Json, WorkflowGraph } from './graph.js';
import { compensationCommandId, stepIdempotencyKey, stepTimerId, workflowTimerId } from './ids.js';
import { TERMINAL_STATUSES, type Command, type ExecutionEvent, type ExecutionState } from './model.js';

export interface RebuiltExecution {
  state: ExecutionState;
  /** What a live execution in this state is waiting on, to be issued again. Empty once it has ended. */
  inFlight: Command[];
}

/** Where the events do not form the whole life of one execution (seq 1..n without gaps, starting with a start). */
export class IncompleteHistoryError extends Error {}

/** The state the events lead to, checking they are the execution's complete history in order. */
export function rebuildState(events: readonly ExecutionEvent[]): ExecutionState {
  return fold(events, () => undefined);
}

/** The state and its in-flight commands, re-derived exactly as the router first issued them. */
export async function rebuild(
  graph: WorkflowGraph,
  events: readonly ExecutionEvent[],
): Promise<RebuiltExecution> {
  // The state just before each step's latest scheduling is what its input was computed from, at that time.
  const scheduled = new Map<string, { before: ExecutionState; at: number }>();
  const state = fold(events, (before, event) => {
    if (event.type === 'StepScheduled' || event.type === 'StepCompensationScheduled') {
      const key = event.type === 'StepScheduled' ? event.stepId : `compensate:${event.stepId}`;
      scheduled.set(key, { before: structuredClone(before), at: event.at });
    }
  });
  if (TERMINAL_STATUSES.has(state.status)) return { state, inFlight: [] };

  const executionId = state.executionId;
  const inFlight: Command[] = [];
  if (graph.timeoutMs !== undefined) {
    inFlight.push({
      type: 'ScheduleTimer',
      timerId: workflowTimerId(executionId),
      dueAt: state.startedAt + graph.timeoutMs,
      timer: 'workflowTimeout',
    });
  }
  const compensating = state.compensating?.[0];
  if (compensating !== undefined) {
    const step = graph.steps.get(compensating);
    const at = scheduled.get(`compensate:${compensating}`);
    if (step?.compensate && at) {
      let input: Json = at.before.steps[compensating]?.output ?? null;
      if (step.compensate.input) {
        const decision = new Decision(graph, at.before, at.at);
        const result = await decision.evaluate(step.compensate.input, decision.scope());
        if (!('error' in result)) input = result.value;
      }
      inFlight.push({
        type: 'DispatchStep',
        commandId: compensationCommandId(executionId, compensating),
        idempotencyKey: compensationCommandId(executionId, compensating),
        stepId: compensating,
        attempt: 1,
        agentType: step.compensate.agentType,
        action: step.compensate.action,
        input,
        compensation: true,
      });
    }
  }
  for (const [stepId, stepState] of Object.entries(state.steps)) {
    const step = graph.steps.get(stepId);
    if (!step) continue;
    const { attempt } = stepState;
    if (stepState.status === 'pending' && stepState.retryAt !== undefined) {
      inFlight.push(timer(executionId, stepId, attempt + 1, 'retry', stepState.retryAt));
      continue;
    }
    if (stepState.status !== 'running') continue;
    const at = scheduled.get(stepId);
    if (!at) continue;
    inFlight.push(...(await runningStep(graph, step, stepState.commandId, attempt, stepState, at)));
  }
  return { state, inFlight };
}

async function runningStep(
  graph: WorkflowGraph,
  step: GraphStep,
  commandId: string | undefined,
  attempt: number,
  stepState: ExecutionState['steps'][string],
  at: { before: ExecutionState; at: number },
): Promise<Command[]> {
  const executionId = at.before.executionId;
  const commands: Command[] = [];
  const deadline = stepState.deadline;
  switch (step.type) {
    case 'agent':
    case 'sub_workflow': {
      if (commandId === undefined) return [];
      const input = await stepInput(graph, step, at);
      if (step.type === 'agent' && step.agent) {
        commands.push({
          type: 'DispatchStep',
          commandId,
          idempotencyKey: stepIdempotencyKey(executionId, step.id),
          stepId: step.id,
          attempt,
          agentType: step.agent.agentType,
          action: step.agent.action,
          input,
          ...(deadline === undefined ? {} : { deadline }),
        });
      } else if (step.subWorkflow) {
        commands.push({
          type: 'StartChildExecution',
          childExecutionId: commandId,
          stepId: step.id,
          workflow: step.subWorkflow.workflow,
          ...(step.subWorkflow.version === undefined ? {} : { version: step.subWorkflow.version }),
          input,
        });
      }
      if (deadline !== undefined)
        commands.push(timer(executionId, step.id, attempt, 'stepTimeout', deadline));
      return commands;
    }
    case 'delay':
      return [timer(executionId, step.id, attempt, 'delay', at.at + (step.delayMs ?? 0))];
    case 'wait_for_event': {
      if (!step.waitForEvent) return [];
      commands.push({
        type: 'AwaitEvent',
        stepId: step.id,
        eventType: step.waitForEvent.eventType,
        ...(stepState.correlationKey === undefined ? {} : { correlationKey: stepState.correlationKey }),
      });
      if (step.timeoutMs !== undefined) {
        commands.push(timer(executionId, step.id, attempt, 'stepTimeout', at.at + step.timeoutMs));
      }
      return commands;
    }
    default:
      // Other step types start and finish within one decision: they are never left running.
      return [];
  }
}

/** As the router computes a step's input: its `input` expression, or the whole root of the expression scope. */
async function stepInput(
  graph: WorkflowGraph,
  step: GraphStep,
  at: { before: ExecutionState; at: number },
): Promise<Json> {
  const decision = new Decision(graph, at.before, at.at);
  const scope = decision.scope();
  if (!step.input) return { ...(scope.root as Record<string, Json>) };
  const result = await decision.evaluate(step.input, scope);
  // It evaluated when the step was scheduled, on this very scope and clock; it cannot fail now.
  return 'error' in result ? null : result.value;
}

function timer(
  executionId: string,
  stepId: string,
  attempt: number,
  kind: 'retry' | 'stepTimeout' | 'delay',
  dueAt: number,
): Command {
  return {
    type: 'ScheduleTimer',
    timerId: stepTimerId(executionId, stepId, attempt, kind),
    dueAt,
    timer: kind,
    stepId,
    attempt,
  };
}

function fold(
  events: readonly ExecutionEvent[],
  beforeEach: (state: ExecutionState, event: ExecutionEvent) => void,
): ExecutionState {
  const state = initialState();
  for (const event of events) {
    if (state.seq === 0 && event.type !== 'ExecutionStarted') {
      throw new IncompleteHistoryError(`the history starts with ${event.type}, not ExecutionStarted`);
    }
    beforeEach(state, event);
    applyInPlace(state, event);
  }
  if (state.seq === 0) throw new IncompleteHistoryError('the history holds no events');
  return state;
}
