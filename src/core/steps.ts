// Step life cycle rules: activation by type, success and the edges it takes, joins, failure with retries and
// on_failure, and how an execution ends (completion, failure with compensation, cancellation, timeout).
import { defaultOutput } from './context.js';
import type { Decision } from './decision.js';
import type { GraphStep, Json, SchemaCheck } from './graph.js';
import {
  commandId,
  compensationCommandId,
  stepIdempotencyKey,
  stepTimerId,
  unitHash,
  workflowTimerId,
} from './ids.js';
import { TERMINAL_STATUSES, type StepError, type StepState } from './model.js';

// ---- activation ---------------------------------------------------------------------------------------------

/** Starts a pending step (or skips it when its gating conditions do not hold). */
export async function activate(d: Decision, stepId: string): Promise<void> {
  if (TERMINAL_STATUSES.has(d.state.status) || d.state.compensating) return;
  const current = d.state.steps[stepId];
  if (current && current.status !== 'pending') return;
  const step = d.step(stepId);

  if (step.type !== 'condition' && step.conditions.length > 0) {
    const scope = d.scope();
    for (const condition of step.conditions) {
      const result = await d.holds(condition, scope);
      if ('error' in result) return fail(d, step, 1, result.error);
      if (!result.value) return skip(d, step);
    }
  }
  await runAttempt(d, step, (current?.attempt ?? 0) + 1);
}

/** Runs one attempt of a step according to its type. */
export async function runAttempt(d: Decision, step: GraphStep, attempt: number): Promise<void> {
  const executionId = d.state.executionId;
  switch (step.type) {
    case 'agent':
    case 'sub_workflow': {
      const input = await stepInput(d, step);
      if ('error' in input) return fail(d, step, attempt, input.error);
      const id = commandId(executionId, step.id, attempt);
      const deadline = step.timeoutMs === undefined ? undefined : d.issuedAt + step.timeoutMs;
      d.emit({
        type: 'StepScheduled',
        stepId: step.id,
        attempt,
        commandId: id,
        ...(deadline === undefined ? {} : { deadline }),
      });
      if (step.type === 'agent' && step.agent) {
        d.command({
          type: 'DispatchStep',
          commandId: id,
          idempotencyKey: stepIdempotencyKey(executionId, step.id),
          stepId: step.id,
          attempt,
          agentType: step.agent.agentType,
          action: step.agent.action,
          input: input.value,
          ...(deadline === undefined ? {} : { deadline }),
        });
      } else if (step.subWorkflow) {
        d.command({
          type: 'StartChildExecution',
          childExecutionId: id,
          stepId: step.id,
          workflow: step.subWorkflow.workflow,
          ...(step.subWorkflow.version === undefined ? {} : { version: step.subWorkflow.version }),
          input: input.value,
        });
      }
      if (deadline !== undefined) scheduleStepTimer(d, step.id, attempt, 'stepTimeout', deadline);
      return;
    }
    case 'validation': {
      const input = await stepInput(d, step);
      if ('error' in input) return fail(d, step, attempt, input.error);
      d.emit({ type: 'StepScheduled', stepId: step.id, attempt });
      const problems = validationProblems(step, input.value, d.graph.stepSchemas.get(step.id));
      if (problems.length > 0) {
        return fail(d, step, attempt, {
          code: 'VALIDATION_FAILED',
          message: `step ${step.id}: ${problems.join('; ')}`,
          retriable: false,
        });
      }
      // A validation step passes the value it checked through, so what follows sees the same data.
      return succeed(d, step, attempt, input.value);
    }
    case 'condition': {
      d.emit({ type: 'StepScheduled', stepId: step.id, attempt });
      const scope = d.scope();
      let passed = true;
      for (const condition of step.conditions) {
        const result = await d.holds(condition, scope);
        if ('error' in result) return fail(d, step, attempt, result.error);
        passed &&= result.value;
      }
      return succeed(d, step, attempt, { passed });
    }
    case 'transform': {
      d.emit({ type: 'StepScheduled', stepId: step.id, attempt });
      if (!step.transform) return succeed(d, step, attempt, null);
      const result = await d.evaluate(step.transform.output, d.scope());
      if ('error' in result) return fail(d, step, attempt, result.error);
      return succeed(d, step, attempt, result.value);
    }
    case 'delay': {
      d.emit({ type: 'StepScheduled', stepId: step.id, attempt });
      scheduleStepTimer(d, step.id, attempt, 'delay', d.now + (step.delayMs ?? 0));
      return;
    }
    case 'wait_for_event': {
      const wait = step.waitForEvent;
      if (!wait)
        return fail(d, step, attempt, { code: 'DEFINITION', message: 'no event_type', retriable: false });
      let correlationKey: string | undefined;
      if (wait.correlation) {
        const result = await d.evaluate(wait.correlation, d.scope());
        if ('error' in result) return fail(d, step, attempt, result.error);
        correlationKey =
          result.value === undefined || result.value === null ? undefined : String(result.value);
      }
      d.emit({
        type: 'StepScheduled',
        stepId: step.id,
        attempt,
        awaiting: wait.eventType,
        ...(correlationKey === undefined ? {} : { correlationKey }),
      });
      d.command({
        type: 'AwaitEvent',
        stepId: step.id,
        eventType: wait.eventType,
        ...(correlationKey === undefined ? {} : { correlationKey }),
      });
      if (step.timeoutMs !== undefined)
        scheduleStepTimer(d, step.id, attempt, 'stepTimeout', d.now + step.timeoutMs);
      return;
    }
    case 'end': {
      d.emit({ type: 'StepScheduled', stepId: step.id, attempt });
      d.emit({ type: 'StepSucceeded', stepId: step.id, attempt, output: null, taken: [], notTaken: [] });
      return completeExecution(d);
    }
    case 'fail': {
      d.emit({ type: 'StepScheduled', stepId: step.id, attempt });
      const error: StepError = {
        code: 'WORKFLOW_FAILED',
        message: step.failMessage ?? `the workflow failed at step ${step.id}`,
        retriable: false,
      };
      d.emit({ type: 'StepFailed', stepId: step.id, attempt, error });
      return failExecution(d, { ...error, stepId: step.id });
    }
  }
}

/** A step's input: its `input` expression, or by default the whole root object of the expression scope. */
async function stepInput(d: Decision, step: GraphStep): Promise<{ value: Json } | { error: StepError }> {
  const scope = d.scope();
  if (!step.input) return { value: { ...(scope.root as Record<string, Json>) } };
  return d.evaluate(step.input, scope);
}

function validationProblems(step: GraphStep, value: Json, schema: SchemaCheck | undefined): string[] {
  const rules = step.validation;
  if (!rules) return [];
  const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
  const missing = rules.requiredFields.filter(
    (field) => record[field] === undefined || record[field] === null,
  );
  const problems =
    missing.length > 0
      ? [`missing required field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`]
      : [];
  return [...problems, ...(schema?.(value) ?? [])];
}

function scheduleStepTimer(
  d: Decision,
  stepId: string,
  attempt: number,
  timer: 'retry' | 'stepTimeout' | 'delay',
  dueAt: number,
): void {
  d.command({
    type: 'ScheduleTimer',
    timerId: stepTimerId(d.state.executionId, stepId, attempt, timer),
    dueAt,
    timer,
    stepId,
    attempt,
  });
}

// ---- success, skipping and joins ----------------------------------------------------------------------------

/** Records a step's success, decides which outgoing edges are taken and advances the successors. */
export async function succeed(d: Decision, step: GraphStep, attempt: number, output: Json): Promise<void> {
  const edges = await decideEdges(
    d,
    step,
    { stepId: step.id, output },
    step.type === 'condition' ? output : null,
  );
  if ('error' in edges) return fail(d, step, attempt, edges.error);
  d.emit({ type: 'StepSucceeded', stepId: step.id, attempt, output, ...edges });
  await advance(d, [...edges.taken, ...edges.notTaken]);
}

async function decideEdges(
  d: Decision,
  step: GraphStep,
  extra: { stepId: string; output: Json } | undefined,
  conditionOutput: Json,
): Promise<{ taken: string[]; notTaken: string[] } | { error: StepError }> {
  const taken: string[] = [];
  const notTaken: string[] = [];
  // A condition step's own verdict gates its unconditional edges; conditional edges decide for themselves.
  const gate =
    step.type !== 'condition' ||
    (typeof conditionOutput === 'object' && conditionOutput !== null && !Array.isArray(conditionOutput)
      ? conditionOutput.passed !== false
      : true);
  const scope = step.successors.some((edge) => edge.condition) ? d.scope(extra) : undefined;
  for (const edge of step.successors) {
    if (!edge.condition) {
      (gate ? taken : notTaken).push(edge.to);
      continue;
    }
    const result = await d.holds(edge.condition, scope!);
    if ('error' in result) return result;
    (result.value ? taken : notTaken).push(edge.to);
  }
  return { taken, notTaken };
}

async function skip(d: Decision, step: GraphStep): Promise<void> {
  const notTaken = step.successors.map((edge) => edge.to);
  d.emit({ type: 'StepSkipped', stepId: step.id, notTaken });
  await advance(d, notTaken);
}

/** After arrivals, runs or skips each successor whose join is now decided. */
async function advance(d: Decision, targets: readonly string[]): Promise<void> {
  for (const target of new Set(targets)) {
    const state = d.state.steps[target];
    if (state && state.status !== 'pending') continue;
    if (state?.retryAt !== undefined) continue;
    const step = d.step(target);
    const arrivals = d.state.arrivals[target] ?? {};
    const arrived = step.predecessors.filter((from) => from in arrivals);
    const anyTaken = arrived.some((from) => arrivals[from]);
    const allArrived = arrived.length === step.predecessors.length;
    if (step.join === 'any' ? anyTaken : allArrived && anyTaken) await activate(d, target);
    else if (allArrived && !anyTaken) await skip(d, step);
  }
}

// ---- failure ------------------------------------------------------------------------------------------------

/** Backoff before attempt `attempt + 1`, capped, with deterministic jitter in [delay/2, delay]. */
export function retryDelay(step: GraphStep, attempt: number, seed: string): number {
  const { initialIntervalMs, backoffFactor, maxIntervalMs, jitter } = step.retry;
  const delay = Math.min(maxIntervalMs, initialIntervalMs * backoffFactor ** (attempt - 1));
  return Math.round(jitter ? delay / 2 + (delay / 2) * unitHash(seed) : delay);
}

/** A step attempt failed (or timed out): retry it, or apply its on_failure policy. */
export async function fail(
  d: Decision,
  step: GraphStep,
  attempt: number,
  error: StepError,
  timedOut = false,
): Promise<void> {
  if (timedOut) d.emit({ type: 'StepTimedOut', stepId: step.id, attempt, error });
  else d.emit({ type: 'StepFailed', stepId: step.id, attempt, error });

  const retriable = error.retriable && !step.retry.nonRetryableErrors.includes(error.code);
  if (retriable && attempt < step.retry.maxAttempts) {
    const backoff = retryDelay(step, attempt, commandId(d.state.executionId, step.id, attempt));
    const retryAt = d.now + Math.max(backoff, error.retryAfterMs ?? 0);
    d.emit({ type: 'StepRetryScheduled', stepId: step.id, attempt, retryAt });
    scheduleStepTimer(d, step.id, attempt + 1, 'retry', retryAt);
    return;
  }

  const policy = step.onFailure;
  if (policy.kind === 'continue') {
    const edges = await decideEdges(d, step, undefined, null);
    const taken = 'error' in edges ? [] : edges.taken;
    const notTaken = 'error' in edges ? step.successors.map((edge) => edge.to) : edges.notTaken;
    d.emit({ type: 'StepFailureIgnored', stepId: step.id, taken, notTaken });
    await advance(d, [...taken, ...notTaken]);
    return;
  }
  if (policy.kind === 'goto') return activate(d, policy.target);
  return failExecution(d, { ...error, stepId: step.id });
}

// ---- the end of an execution --------------------------------------------------------------------------------

/** Completes the execution once nothing is running or waiting to retry. */
export async function settle(d: Decision): Promise<void> {
  if (d.state.status !== 'running' && d.state.status !== 'waiting') return;
  if (d.state.compensating) return;
  const busy = Object.values(d.state.steps).some(
    (step) => step.status === 'running' || (step.status === 'pending' && step.retryAt !== undefined),
  );
  if (!busy) await completeExecution(d);
}

async function completeExecution(d: Decision): Promise<void> {
  let output = defaultOutput(d.graph, d.state);
  if (d.graph.output) {
    const result = await d.evaluate(d.graph.output, d.scope());
    if ('error' in result) return failExecution(d, result.error);
    output = result.value;
  }
  stopInFlight(d, 'the execution completed');
  skipUnreached(d);
  d.emit({ type: 'ExecutionCompleted', output });
  finishCommands(d, { status: 'completed', output });
}

/** Fails the execution, first undoing completed steps that declare `compensate`, newest first. */
export async function failExecution(d: Decision, error: StepError & { stepId?: string }): Promise<void> {
  stopInFlight(d, 'the execution failed');
  const toUndo = [...d.state.completed].reverse().filter((stepId) => d.graph.steps.get(stepId)?.compensate);
  if (toUndo.length > 0) {
    d.emit({ type: 'CompensationStarted', steps: toUndo, error });
    return compensateNext(d);
  }
  d.emit({ type: 'ExecutionFailed', error });
  finishCommands(d, { status: 'failed', error });
}

/** Dispatches the next compensation, or records the failure once every compensation has answered. */
export async function compensateNext(d: Decision): Promise<void> {
  const next = d.state.compensating?.[0];
  if (next === undefined) {
    const error = d.state.pendingOutcome?.error ?? {
      code: 'FAILED',
      message: 'the execution failed',
      retriable: false,
    };
    d.emit({ type: 'ExecutionFailed', error });
    finishCommands(d, { status: 'failed', error });
    return;
  }
  const step = d.step(next);
  const compensate = step.compensate!;
  const id = compensationCommandId(d.state.executionId, next);
  let input: Json = d.state.steps[next]?.output ?? null;
  if (compensate.input) {
    const result = await d.evaluate(compensate.input, d.scope());
    input = 'error' in result ? input : result.value;
  }
  d.emit({ type: 'StepCompensationScheduled', stepId: next, commandId: id });
  d.command({
    type: 'DispatchStep',
    commandId: id,
    // Undoing is a different effect from doing: it must not be deduplicated against the step's own key.
    idempotencyKey: id,
    stepId: next,
    attempt: 1,
    agentType: compensate.agentType,
    action: compensate.action,
    input,
    compensation: true,
  });
}

/** Cancels everything still in flight (agent commands, timers, children, event waits); those steps end `cancelled`. */
export function stopInFlight(d: Decision, reason: string): void {
  const executionId = d.state.executionId;
  for (const [stepId, state] of Object.entries(d.state.steps)) {
    const step = d.graph.steps.get(stepId);
    if (!step) continue;
    if (state.status === 'pending' && state.retryAt !== undefined) {
      d.command({
        type: 'CancelTimer',
        timerId: stepTimerId(executionId, stepId, state.attempt + 1, 'retry'),
      });
      d.emit({ type: 'StepCancelled', stepId, attempt: state.attempt, reason });
    }
    if (state.status !== 'running') continue;
    if (step.timeoutMs !== undefined) {
      d.command({
        type: 'CancelTimer',
        timerId: stepTimerId(executionId, stepId, state.attempt, 'stepTimeout'),
      });
    }
    stopWork(d, step, state, reason);
    d.emit({ type: 'StepCancelled', stepId, attempt: state.attempt, reason });
  }
}

/** Tells whatever works on a running step to stop: its agent, its child execution, its delay timer or event wait. */
export function stopWork(d: Decision, step: GraphStep, state: StepState, reason: string): void {
  const executionId = d.state.executionId;
  if (step.type === 'agent' && step.agent && state.commandId) {
    d.command({
      type: 'CancelStep',
      commandId: state.commandId,
      stepId: step.id,
      agentType: step.agent.agentType,
      reason,
    });
  } else if (step.type === 'sub_workflow' && state.commandId) {
    d.command({ type: 'CancelChildExecution', childExecutionId: state.commandId, reason });
  } else if (step.type === 'delay') {
    d.command({ type: 'CancelTimer', timerId: stepTimerId(executionId, step.id, state.attempt, 'delay') });
  } else if (step.type === 'wait_for_event' && step.waitForEvent) {
    d.command({
      type: 'StopAwaitingEvent',
      stepId: step.id,
      eventType: step.waitForEvent.eventType,
      ...(state.correlationKey === undefined ? {} : { correlationKey: state.correlationKey }),
    });
  }
}

/** Steps no path reached (e.g. bypassed by a goto) are recorded as skipped when the execution completes. */
function skipUnreached(d: Decision): void {
  for (const stepId of d.graph.steps.keys()) {
    const state = d.state.steps[stepId];
    if (!state || state.status === 'pending') d.emit({ type: 'StepSkipped', stepId, notTaken: [] });
  }
}

/** What every ending shares: the workflow timer, the admission slot and the parent's notification. */
export function finishCommands(
  d: Decision,
  outcome: { status: 'completed' | 'failed' | 'cancelled' | 'timed_out'; output?: Json; error?: StepError },
): void {
  if (d.graph.timeoutMs !== undefined && outcome.status !== 'timed_out') {
    d.command({ type: 'CancelTimer', timerId: workflowTimerId(d.state.executionId) });
  }
  d.command({ type: 'ReleaseSlot' });
  const parent = d.state.parent;
  if (parent) {
    // The parent's step sees its child like an agent: the child's id is the step's command id.
    const error: StepError | undefined =
      outcome.status === 'completed'
        ? undefined
        : (outcome.error ?? {
            code: outcome.status === 'timed_out' ? 'CHILD_TIMED_OUT' : 'CHILD_CANCELLED',
            message: `sub-workflow ${d.state.executionId} ended ${outcome.status}`,
            retriable: false,
          });
    d.command({
      type: 'NotifyParent',
      parentExecutionId: parent.executionId,
      stepId: parent.stepId,
      childExecutionId: d.state.executionId,
      status: outcome.status,
      ...(outcome.output === undefined ? {} : { output: outcome.output }),
      ...(error === undefined ? {} : { error }),
    });
  }
}
