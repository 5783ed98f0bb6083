// evolve() is the only code that builds execution state: the state after some events is a fold of them.
import type { ExecutionEvent, ExecutionState, StepState } from './model.js';

type Handlers = {
  [K in ExecutionEvent['type']]: (state: ExecutionState, event: Extract<ExecutionEvent, { type: K }>) => void;
};

/** A finished attempt no longer waits for anything. */
function finish(target: StepState, at: number): void {
  target.finishedAt = at;
  delete target.awaiting;
}

function step(state: ExecutionState, stepId: string): StepState {
  const existing = state.steps[stepId];
  if (existing) return existing;
  const created: StepState = { status: 'pending', attempt: 0 };
  state.steps[stepId] = created;
  return created;
}

function arrive(
  state: ExecutionState,
  from: string,
  taken: readonly string[],
  notTaken: readonly string[],
): void {
  for (const target of taken) (state.arrivals[target] ??= {})[from] = true;
  for (const target of notTaken) (state.arrivals[target] ??= {})[from] = false;
}

const handlers: Handlers = {
  ExecutionStarted: (state, event) => {
    state.executionId = event.executionId;
    state.workflowId = event.workflowId;
    state.workflowName = event.workflowName;
    state.workflowVersion = event.workflowVersion;
    state.input = event.input;
    state.status = 'running';
    state.startedAt = event.at;
    if (event.trigger) state.trigger = event.trigger;
    if (event.parent) state.parent = event.parent;
    if (event.traceparent) state.traceparent = event.traceparent;
  },
  StepScheduled: (state, event) => {
    const target = step(state, event.stepId);
    target.status = 'running';
    target.attempt = event.attempt;
    target.startedAt ??= event.at;
    delete target.retryAt;
    delete target.error;
    if (event.commandId !== undefined) target.commandId = event.commandId;
    if (event.deadline !== undefined) target.deadline = event.deadline;
    else delete target.deadline;
    if (event.correlationKey !== undefined) target.correlationKey = event.correlationKey;
    if (event.awaiting !== undefined) target.awaiting = event.awaiting;
  },
  StepSucceeded: (state, event) => {
    const target = step(state, event.stepId);
    target.status = 'succeeded';
    target.attempt = event.attempt;
    finish(target, event.at);
    target.output = event.output;
    delete target.error;
    delete target.retryAt;
    state.completed.push(event.stepId);
    arrive(state, event.stepId, event.taken, event.notTaken);
  },
  StepSkipped: (state, event) => {
    const target = step(state, event.stepId);
    target.status = 'skipped';
    finish(target, event.at);
    arrive(state, event.stepId, [], event.notTaken);
  },
  StepFailed: (state, event) => {
    const target = step(state, event.stepId);
    target.status = 'failed';
    target.attempt = event.attempt;
    finish(target, event.at);
    target.error = event.error;
  },
  StepTimedOut: (state, event) => {
    const target = step(state, event.stepId);
    target.status = 'timed_out';
    target.attempt = event.attempt;
    finish(target, event.at);
    target.error = event.error ?? {
      code: 'TIMEOUT',
      message: `step ${event.stepId} timed out`,
      retriable: true,
    };
  },
  StepCancelled: (state, event) => {
    const target = step(state, event.stepId);
    target.status = 'cancelled';
    delete target.retryAt;
    finish(target, event.at);
  },
  StepRetryScheduled: (state, event) => {
    const target = step(state, event.stepId);
    target.status = 'pending';
    target.retryAt = event.retryAt;
    delete target.finishedAt;
  },
  StepFailureIgnored: (state, event) => {
    arrive(state, event.stepId, event.taken, event.notTaken);
  },
  CompensationStarted: (state, event) => {
    state.compensating = [...event.steps];
    state.pendingOutcome = { status: 'failed', error: event.error };
  },
  StepCompensationScheduled: (state, event) => {
    step(state, event.stepId).commandId = event.commandId;
  },
  StepCompensated: (state, event) => {
    if (event.succeeded) step(state, event.stepId).status = 'compensated';
    state.compensating = (state.compensating ?? []).filter((id) => id !== event.stepId);
  },
  ExecutionCompleted: (state, event) => {
    state.status = 'completed';
    state.finishedAt = event.at;
    state.output = event.output;
  },
  ExecutionFailed: (state, event) => {
    state.status = 'failed';
    state.finishedAt = event.at;
    state.error = event.error;
    delete state.compensating;
    delete state.pendingOutcome;
  },
  ExecutionCancelled: (state, event) => {
    state.status = 'cancelled';
    state.finishedAt = event.at;
    state.error = { code: 'CANCELLED', message: event.reason, retriable: false };
  },
  ExecutionTimedOut: (state, event) => {
    state.status = 'timed_out';
    state.finishedAt = event.at;
    state.error = { code: 'TIMEOUT', message: 'the execution exceeded its timeout', retriable: false };
  },
};

/** The state before the first event: nothing has happened yet. */
export function initialState(): ExecutionState {
  return {
    executionId: '',
    workflowId: '',
    workflowName: '',
    workflowVersion: 0,
    status: 'pending',
    input: null,
    startedAt: 0,
    seq: 0,
    steps: {},
    arrivals: {},
    completed: [],
  };
}

/** Applies events to a copy of the state; the given state is never mutated. */
export function evolve(state: ExecutionState | null, events: readonly ExecutionEvent[]): ExecutionState {
  const next = structuredClone(state ?? initialState());
  for (const event of events) applyInPlace(next, event);
  return next;
}

/** For the router's working copy, which it owns: applying one event without copying the whole state. */
export function applyInPlace(state: ExecutionState, event: ExecutionEvent): void {
  (handlers[event.type] as (s: ExecutionState, e: ExecutionEvent) => void)(state, event);
  state.seq += 1;
  if (state.status === 'running' || state.status === 'waiting') state.status = liveStatus(state);
}

/** An execution whose only running steps wait for outside events shows as `waiting`. */
function liveStatus(state: ExecutionState): 'running' | 'waiting' {
  let awaiting = false;
  for (const step of Object.values(state.steps)) {
    if (step.status !== 'running') continue;
    if (step.awaiting === undefined) return 'running';
    awaiting = true;
  }
  return awaiting ? 'waiting' : 'running';
}
