// Compiles workflow definitions (the language users write) into pinned graphs for the core's golden tests,
// and drives an execution through a sequence of inputs.
import { compileWorkflow } from '../../../src/definition/index.js';
import type { WorkflowGraph } from '../../../src/core/graph.js';
import { pinWorkflow } from '../../../src/core/pin-workflow.js';
import { route } from '../../../src/core/route.js';
import type { ExecutionState, RouteOutcome, RouterInput } from '../../../src/core/model.js';

type Step = Record<string, unknown> & { id: string };

/** Steps default to `echo` agent steps; the rest of each step is written as in a definition file. */
export function buildGraph(workflow: { steps: Step[]; [key: string]: unknown }): WorkflowGraph {
  const steps = workflow.steps.map((step) =>
    step.type === undefined || step.type === 'agent'
      ? { type: 'agent', agent_type: 'echo', action: 'echo', ...step }
      : step,
  );
  const { workflow: compiled, problems } = compileWorkflow({
    workflow: { name: 'test', ...workflow, steps },
  });
  if (!compiled)
    throw new Error(
      `test definition is invalid: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`,
    );
  return pinWorkflow(compiled, { workflowId: 'wf-1', version: 1 });
}

/** Drives an execution through inputs, each at its own time, failing loudly on an unexpected rejection. */
export class Harness {
  state: ExecutionState | null = null;
  now = 1_000_000;
  /** How far behind its inputs the orchestrator routes them (RouteContext.issuedAt = now + lagMs). */
  lagMs = 0;
  constructor(readonly graph: WorkflowGraph) {}

  async send(input: RouterInput, advanceMs = 10): Promise<Extract<RouteOutcome, { accepted: true }>> {
    const outcome = await this.offer(input, advanceMs);
    if (!outcome.accepted) throw new Error(`rejected: ${outcome.reason}`);
    return outcome;
  }

  async offer(input: RouterInput, advanceMs = 10): Promise<RouteOutcome> {
    this.now += advanceMs;
    const outcome = await route(this.graph, this.state, input, {
      now: this.now,
      issuedAt: this.now + this.lagMs,
    });
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
