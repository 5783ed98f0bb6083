// Builds routing graphs for the core's golden tests from a terse description, with real compiled expressions.
import { compileExpression, type CompiledExpression } from '../../../src/expression/index.js';
import type { GraphStep, RetryPolicy, WorkflowGraph } from '../../../src/core/graph.js';
import { route } from '../../../src/core/route.js';
import type { ExecutionState, RouteOutcome, RouterInput } from '../../../src/core/model.js';

export function expr(source: string): CompiledExpression {
  const compiled = compileExpression(source);
  if (!compiled.ok) throw new Error(`bad test expression ${source}: ${compiled.error.message}`);
  return compiled.expression;
}

type StepSpec = Partial<Omit<GraphStep, 'conditions' | 'retry' | 'input' | 'predecessors' | 'successors'>> & {
  id: string;
  conditions?: string[];
  input?: string;
  retry?: Partial<RetryPolicy>;
};

export interface GraphSpec {
  steps: StepSpec[];
  connections?: { from: string; to: string; condition?: string }[];
  timeoutMs?: number;
  output?: string;
}

const NO_RETRY: RetryPolicy = {
  maxAttempts: 1,
  backoffFactor: 2,
  initialIntervalMs: 1000,
  maxIntervalMs: 60_000,
  jitter: false,
  nonRetryableErrors: [],
};

export function buildGraph(spec: GraphSpec): WorkflowGraph {
  const connections: { from: string; to: string; condition?: string }[] =
    spec.connections ??
    spec.steps.slice(1).map((step, index) => ({ from: spec.steps[index]!.id, to: step.id }));
  const steps = new Map<string, GraphStep>();
  for (const step of spec.steps) {
    const { conditions, input, retry, ...rest } = step;
    steps.set(step.id, {
      type: 'agent',
      join: 'all',
      onFailure: { kind: 'fail' },
      ...(rest.type === undefined || rest.type === 'agent'
        ? { agent: { agentType: 'echo', action: 'echo' } }
        : {}),
      ...rest,
      conditions: (conditions ?? []).map(expr),
      ...(input === undefined ? {} : { input: expr(input) }),
      retry: { ...NO_RETRY, ...retry },
      predecessors: connections.filter((edge) => edge.to === step.id).map((edge) => edge.from),
      successors: connections
        .filter((edge) => edge.from === step.id)
        .map((edge) => ({ to: edge.to, ...(edge.condition ? { condition: expr(edge.condition) } : {}) })),
    } as GraphStep);
  }
  return {
    workflowId: 'wf-1',
    name: 'test',
    version: 1,
    ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
    ...(spec.output === undefined ? {} : { output: expr(spec.output) }),
    // A goto counts as an edge: its target is reached by failure, not an entry.
    entrySteps: spec.steps
      .filter((step) => !connections.some((edge) => edge.to === step.id))
      .filter(
        (step) =>
          !spec.steps.some((other) => other.onFailure?.kind === 'goto' && other.onFailure.target === step.id),
      )
      .map((step) => step.id),
    steps,
  };
}

/** Drives an execution through inputs, each at its own time, failing loudly on an unexpected rejection. */
export class Harness {
  state: ExecutionState | null = null;
  now = 1_000_000;
  constructor(readonly graph: WorkflowGraph) {}

  async send(input: RouterInput, advanceMs = 10): Promise<Extract<RouteOutcome, { accepted: true }>> {
    const outcome = await this.offer(input, advanceMs);
    if (!outcome.accepted) throw new Error(`rejected: ${outcome.reason}`);
    return outcome;
  }

  async offer(input: RouterInput, advanceMs = 10): Promise<RouteOutcome> {
    this.now += advanceMs;
    const outcome = await route(this.graph, this.state, input, { now: this.now });
    if (outcome.accepted) this.state = outcome.state;
    return outcome;
  }

  start(input: Record<string, unknown> = {}): Promise<Extract<RouteOutcome, { accepted: true }>> {
    return this.send({ kind: 'start', executionId: 'e1', input: input as never }, 0);
  }

  succeed(stepId: string, output: unknown = {}, attempt = 1) {
    return this.send({
      kind: 'stepResult',
      commandId: `e1:${stepId}:${attempt}`,
      stepId,
      attempt,
      status: 'succeeded',
      output: output as never,
    });
  }

  failStep(stepId: string, error: { code: string; retriable: boolean; retryAfterMs?: number }, attempt = 1) {
    return this.send({
      kind: 'stepResult',
      commandId: `e1:${stepId}:${attempt}`,
      stepId,
      attempt,
      status: 'failed',
      error: { message: `${stepId} broke`, ...error },
    });
  }

  timer(timer: 'retry' | 'stepTimeout' | 'delay', stepId: string, attempt: number) {
    return this.send({
      kind: 'timerFired',
      timerId: `e1:${stepId}:${attempt}:${timer}`,
      timer,
      stepId,
      attempt,
    });
  }

  stepStatuses(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.state?.steps ?? {}).map(([id, step]) => [id, step.status]));
  }
}

/** Command types with the ids they act on, for compact assertions. */
export function summarize(outcome: { commands: { type: string }[] }): string[] {
  return outcome.commands.map((command) => {
    const c = command as Record<string, unknown>;
    return `${c.type} ${String(c.commandId ?? c.timerId ?? c.childExecutionId ?? c.stepId ?? '')}`.trim();
  });
}

export function eventTypes(outcome: { events: { type: string; stepId?: string }[] }): string[] {
  return outcome.events.map((event) => (event.stepId ? `${event.type} ${event.stepId}` : event.type));
}
