// Bounds on what one expression may cost. A definition is untrusted input, and its expressions run inside the
// orchestrator's hot path, so every expression is bounded in length, time, recursion and result size.

export interface ExpressionLimits {
  /** Longest accepted expression source, in characters. */
  readonly maxLength: number;
  /**
   * Most evaluation steps (AST nodes visited) one evaluation may take. This is the budget that stops runaway
   * loops: it counts work, not time, so the same input gets the same verdict on a busy machine and on a replay.
   */
  readonly maxSteps: number;
  /**
   * Wall-clock backstop for one evaluation, checked by JSONata at every step. Far above what `maxSteps` allows on
   * any machine: a decision must not depend on the machine's load, this only bounds a pathological built-in.
   */
  readonly timeoutMs: number;
  /** Deepest JSONata evaluation stack (guards runaway recursion in user lambdas). */
  readonly maxDepth: number;
  /** Longest sequence an evaluation may build (guards `[1..10000000]` and friends). */
  readonly maxSequenceLength: number;
  /** Largest result, measured as the length of its JSON text. */
  readonly maxResultBytes: number;
}

export type ExpressionOptions = Partial<ExpressionLimits>;

export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = Object.freeze({
  maxLength: 4096,
  maxSteps: 100_000,
  timeoutMs: 10_000,
  maxDepth: 500,
  maxSequenceLength: 100_000,
  maxResultBytes: 1024 * 1024,
});

export function resolveExpressionLimits(options: ExpressionOptions = {}): ExpressionLimits {
  return Object.freeze({ ...DEFAULT_EXPRESSION_LIMITS, ...definedOnly(options) });
}

function definedOnly(options: ExpressionOptions): ExpressionOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
