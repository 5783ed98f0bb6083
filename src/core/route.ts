// route(): the pure heart of the engine. Given an execution's state and one input, it decides the events to
// record and the commands to carry out, or rejects the input with a reason. No I/O, no clock, no randomness.
import { Decision, toJson } from './decision.js';
import type { WorkflowGraph } from './graph.js';
import { commandId, stepTimerId, workflowTimerId } from './ids.js';
import { initialState } from './evolve.js';
import {
  TERMINAL_STATUSES,
  type ExecutionState,
  type RouteContext,
  type RouteOutcome,
  type RouterInput,
  type StepError,
  type StepResultInput,
} from './model.js';
import {
  activate,
  compensateNext,
  fail,
  failExecution,
  finishCommands,
  runAttempt,
  settle,
  stopInFlight,
  stopWork,
  succeed,
} from './steps.js';

/** A handler returns a rejection reason, or nothing when it accepted the input. */
type Handler<K extends RouterInput['kind']> = (
  d: Decision,
  input: Extract<RouterInput, { kind: K }>,
) => Promise<string | undefined>;

// A mapped type: adding an input kind without its handler is a compile error.
const handlers: { [K in RouterInput['kind']]: Handler<K> } = {
  async start(d, input) {
    if (d.state.seq > 0) return `execution ${input.executionId} already exists`;
    const { graph } = d;
    d.emit({
      type: 'ExecutionStarted',
      executionId: input.executionId,
      workflowId: graph.workflowId,
      workflowName: graph.name,
      workflowVersion: graph.version,
      input: input.input,
      ...(input.trigger ? { trigger: input.trigger } : {}),
      ...(input.parent ? { parent: input.parent } : {}),
      ...(input.traceparent ? { traceparent: input.traceparent } : {}),
    });
    if (input.cancelReason !== undefined) {
      d.emit({ type: 'ExecutionCancelled', reason: input.cancelReason });
      finishCommands(d, { status: 'cancelled' });
      return undefined;
    }
    const problems = graph.validateInput?.(input.input) ?? [];
    if (problems.length > 0) {
      await failExecution(d, {
        code: 'INVALID_INPUT',
        message: `input: ${problems.join('; ')}`,
        retriable: false,
      });
      return undefined;
    }
    if (graph.timeoutMs !== undefined) {
      d.command({
        type: 'ScheduleTimer',
        timerId: workflowTimerId(input.executionId),
        dueAt: d.now + graph.timeoutMs,
        timer: 'workflowTimeout',
      });
    }
    for (const stepId of graph.entrySteps) await activate(d, stepId);
    return undefined;
  },

  async stepResult(d, input) {
    const state = d.state.steps[input.stepId];
    if (!state) return `step ${input.stepId} was never scheduled`;
    if (
      d.state.compensating &&
      state.commandId === input.commandId &&
      d.state.compensating[0] === input.stepId
    ) {
      d.emit({ type: 'StepCompensated', stepId: input.stepId, succeeded: input.status === 'succeeded' });
      await compensateNext(d);
      return undefined;
    }
    if (TERMINAL_STATUSES.has(d.state.status)) return `execution is ${d.state.status}`;
    if (isEarlierSuccess(d, input)) {
      await acceptEarlierSuccess(d, input);
      return undefined;
    }
    if (state.status !== 'running') return `step ${input.stepId} is ${state.status}, not running`;
    if (state.attempt !== input.attempt || state.commandId !== input.commandId) {
      return `stale result for attempt ${input.attempt} of step ${input.stepId} (current attempt ${state.attempt})`;
    }
    const step = d.step(input.stepId);
    if (step.type !== 'agent' && step.type !== 'sub_workflow') {
      return `step ${input.stepId} is a ${step.type} step, which takes no results`;
    }
    cancelStepTimeout(d, input.stepId, input.attempt);
    const late = state.deadline !== undefined && d.now >= state.deadline;
    if (late || (step.timeoutMs !== undefined && input.error?.code === DEADLINE_EXCEEDED)) {
      // The command's deadline is the step timeout. A result stamped at or after it, or an agent reporting
      // that it gave up at it, is the same timeout our timer would record: the attempt ends the same way
      // whichever arrives first, instead of depending on how soon the timer pump noticed.
      await fail(d, step, input.attempt, stepTimeoutError(input.stepId, step.type), true);
    } else if (input.status === 'succeeded') await succeed(d, step, input.attempt, toJson(input.output));
    else
      await fail(
        d,
        step,
        input.attempt,
        input.error ?? { code: 'AGENT_ERROR', message: 'failed', retriable: true },
      );
    return undefined;
  },

  async timerFired(d, input) {
    if (TERMINAL_STATUSES.has(d.state.status)) return `execution is ${d.state.status}`;
    if (input.timer === 'workflowTimeout') {
      stopInFlight(d, 'the execution timed out');
      d.emit({ type: 'ExecutionTimedOut' });
      finishCommands(d, { status: 'timed_out' });
      return undefined;
    }
    const stepId = input.stepId ?? '';
    const state = d.state.steps[stepId];
    const step = d.graph.steps.get(stepId);
    if (!state || !step) return `timer ${input.timerId} names no step of this execution`;
    if (input.timer === 'retry') {
      if (state.status !== 'pending' || state.retryAt === undefined || state.attempt + 1 !== input.attempt) {
        return `retry timer for attempt ${input.attempt} of step ${stepId} is stale`;
      }
      await runAttempt(d, step, input.attempt ?? state.attempt + 1);
      return undefined;
    }
    if (state.status !== 'running' || state.attempt !== input.attempt) {
      return `${input.timer} timer for attempt ${input.attempt} of step ${stepId} is stale`;
    }
    if (input.timer === 'delay') {
      await succeed(d, step, state.attempt, null);
      return undefined;
    }
    // A step timeout: the agent's late answer will be stale; tell the agent to stop working on it.
    // The agent, child or event wait still working on it is told to stop.
    stopWork(d, step, state, 'the step timed out');
    await fail(d, step, state.attempt, stepTimeoutError(stepId, step.type), true);
    return undefined;
  },

  async signal(d, input) {
    if (TERMINAL_STATUSES.has(d.state.status)) return `execution is ${d.state.status}`;
    const waiting = Object.entries(d.state.steps).find(
      ([, state]) =>
        state.status === 'running' &&
        state.awaiting === input.eventType &&
        (input.correlationKey === undefined ||
          state.correlationKey === undefined ||
          state.correlationKey === input.correlationKey),
    );
    if (!waiting) return `no step is waiting for event ${input.eventType}`;
    const [stepId, state] = waiting;
    const step = d.step(stepId);
    cancelStepTimeout(d, stepId, state.attempt);
    d.command({
      type: 'StopAwaitingEvent',
      stepId,
      eventType: input.eventType,
      ...(state.correlationKey === undefined ? {} : { correlationKey: state.correlationKey }),
    });
    await succeed(d, step, state.attempt, input.data);
    return undefined;
  },

  async cancel(d, input) {
    if (TERMINAL_STATUSES.has(d.state.status)) return `execution is already ${d.state.status}`;
    stopInFlight(d, input.reason);
    d.emit({ type: 'ExecutionCancelled', reason: input.reason });
    finishCommands(d, { status: 'cancelled' });
    return undefined;
  },
};

/**
 * First success wins: the success of an attempt that was already given up on (it timed out or its answer
 * came too late), arriving while the step still waits for a retry, or for the retry's result. Its effect
 * has happened, so it is the step's outcome; running the retry as well would do the work twice.
 */
function isEarlierSuccess(d: Decision, input: StepResultInput): boolean {
  const state = d.state.steps[input.stepId];
  if (!state || input.status !== 'succeeded') return false;
  const step = d.graph.steps.get(input.stepId);
  if (step?.type !== 'agent' && step?.type !== 'sub_workflow') return false;
  if (input.commandId !== commandId(d.state.executionId, input.stepId, input.attempt)) return false;
  const waitingForRetry = state.status === 'pending' && state.retryAt !== undefined;
  if (waitingForRetry) return input.attempt >= 1 && input.attempt <= state.attempt;
  return state.status === 'running' && input.attempt >= 1 && input.attempt < state.attempt;
}

/** Cancels the retry (its timer, or the attempt in flight and its timeout) and records the earlier success. */
async function acceptEarlierSuccess(d: Decision, input: StepResultInput): Promise<void> {
  const state = d.state.steps[input.stepId]!;
  const step = d.step(input.stepId);
  if (state.status === 'pending') {
    d.command({
      type: 'CancelTimer',
      timerId: stepTimerId(d.state.executionId, input.stepId, state.attempt + 1, 'retry'),
    });
  } else {
    cancelStepTimeout(d, input.stepId, state.attempt);
    stopWork(d, step, state, `attempt ${input.attempt} succeeded first`);
  }
  await succeed(d, step, input.attempt, toJson(input.output));
}

/** The code an agent reports when it gave up at the command's deadline (the SDK's CommandAborted too). */
export const DEADLINE_EXCEEDED = 'DEADLINE_EXCEEDED';

/** A step attempt that ran out of time: retriable, except a wait for an event, which would only wait again. */
function stepTimeoutError(stepId: string, type: string): StepError {
  return { code: 'TIMEOUT', message: `step ${stepId} timed out`, retriable: type !== 'wait_for_event' };
}

function cancelStepTimeout(d: Decision, stepId: string, attempt: number): void {
  if (d.step(stepId).timeoutMs === undefined) return;
  d.command({
    type: 'CancelTimer',
    timerId: stepTimerId(d.state.executionId, stepId, attempt, 'stepTimeout'),
  });
}

/**
 * Decides what one input does to one execution. `state` is null for an execution not seen before; only a
 * start is accepted then. The returned state equals evolve(state, events).
 */
export async function route(
  graph: WorkflowGraph,
  state: ExecutionState | null,
  input: RouterInput,
  ctx: RouteContext,
): Promise<RouteOutcome> {
  if (state === null && input.kind !== 'start') return { accepted: false, reason: 'unknown execution' };
  const d = new Decision(graph, structuredClone(state ?? initialState()), ctx.now, ctx.issuedAt);
  const handler = handlers[input.kind] as Handler<RouterInput['kind']>;
  const rejection = await handler(d, input);
  if (rejection !== undefined) return { accepted: false, reason: rejection };
  await settle(d);
  return { accepted: true, events: d.events, commands: d.commands, state: d.state };
}
