// A decision in progress: the router's working copy of the state, advanced by evolve as each event is
// emitted, so later rules see the effects of earlier ones, plus the commands gathered so far.
import { applyInPlace } from './evolve.js';
import type { GraphStep, Json, WorkflowGraph } from './graph.js';
import type { Command, ExecutionEvent, ExecutionState, StepError } from './model.js';
import { expressionScope } from './context.js';
import {
  evaluateExpression,
  isTruthy,
  type CompiledExpression,
  type EvaluationScope,
} from '../expression/index.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class Decision {
  readonly events: ExecutionEvent[] = [];
  readonly commands: Command[] = [];

  constructor(
    readonly graph: WorkflowGraph,
    readonly state: ExecutionState,
    readonly now: number,
    /** When the commands are issued (RouteContext.issuedAt); never before `now`. */
    issuedAt: number = now,
  ) {
    this.issuedAt = Math.max(now, issuedAt);
  }

  readonly issuedAt: number;

  emit(event: DistributiveOmit<ExecutionEvent, 'at'>): void {
    const stamped = { ...event, at: this.now } as ExecutionEvent;
    applyInPlace(this.state, stamped);
    this.events.push(stamped);
  }

  command(command: Command): void {
    this.commands.push(command);
  }

  step(stepId: string): GraphStep {
    const step = this.graph.steps.get(stepId);
    if (!step) throw new Error(`workflow ${this.graph.name} v${this.graph.version} has no step ${stepId}`);
    return step;
  }

  scope(extra?: { stepId: string; output: Json }): EvaluationScope {
    return expressionScope(this.graph, this.state, extra);
  }

  /** Evaluates an expression; a failure becomes a non-retriable step error rather than an exception. */
  async evaluate(
    expression: CompiledExpression,
    scope: EvaluationScope,
  ): Promise<{ value: Json } | { error: StepError }> {
    const result = await evaluateExpression(expression, scope, { nowMs: this.now });
    if (result.ok) return { value: toJson(result.value) };
    return {
      error: {
        code: 'EXPRESSION_ERROR',
        message: `expression ${JSON.stringify(expression.source)} failed: ${result.error.message}`,
        retriable: false,
      },
    };
  }

  /** A condition: JSONata's $boolean rule, a missing value is false. */
  async holds(
    expression: CompiledExpression,
    scope: EvaluationScope,
  ): Promise<{ value: boolean } | { error: StepError }> {
    const result = await this.evaluate(expression, scope);
    return 'error' in result ? result : { value: isTruthy(result.value) };
  }
}

/** JSONata yields undefined for "no match"; state and records hold JSON, so undefined becomes null.
 * Values from the expression module are already plain JSON. */
export function toJson(value: unknown): Json {
  return value === undefined ? null : (value as Json);
}
