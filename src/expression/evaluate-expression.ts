// Runs a compiled expression against a scope. Failures are data, never exceptions: the orchestrator turns them
// into a failed step or a skipped branch, with the message below.
import { internalsOf, type CompiledExpression } from './compile-expression.js';
import { toJsonataFailure, type JsonataFailure } from './jsonata-error.js';
import { toPlainJson, type JsonValue } from './plain-json.js';
import { isTruthy } from './truthiness.js';
import type { EvaluationScope } from './evaluation-scope.js';

export interface EvaluateOptions {
  /**
   * The instant `$now()` and `$millis()` report, in epoch milliseconds. The core passes the record's timestamp so
   * that a replay gives the same answer; without it those functions fail.
   */
  readonly nowMs?: number;
}

export type EvaluationResult =
  | { readonly ok: true; readonly value: JsonValue | undefined }
  | { readonly ok: false; readonly error: JsonataFailure };

export async function evaluateExpression(
  expression: CompiledExpression,
  scope: EvaluationScope,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const { evaluator, limits } = internalsOf(expression);
  let raw: unknown;
  try {
    raw = await evaluator.evaluate(scope.root, {
      ...scope.bindings,
      ...deterministicBuiltins(options.nowMs),
    });
  } catch (thrown) {
    return { ok: false, error: toJsonataFailure(thrown) };
  }
  const plain = toPlainJson(raw, limits.maxResultBytes);
  if (!plain.ok) return { ok: false, error: { code: 'E_RESULT', message: plain.reason } };
  return { ok: true, value: plain.value };
}

/** Evaluates a condition: JSONata's `$boolean()` rule decides, and a missing value is false. */
export async function evaluateCondition(
  expression: CompiledExpression,
  scope: EvaluationScope,
  options: EvaluateOptions = {},
): Promise<
  { readonly ok: true; readonly value: boolean } | { readonly ok: false; readonly error: JsonataFailure }
> {
  const result = await evaluateExpression(expression, scope, options);
  return result.ok ? { ok: true, value: isTruthy(result.value) } : result;
}

// Bindings shadow JSONata's built-ins of the same name, which read the clock or randomness.
function deterministicBuiltins(nowMs: number | undefined): Record<string, unknown> {
  const unavailable = (name: string, why: string) => () => {
    throw { code: 'E_UNAVAILABLE', message: `$${name}() is not available: ${why}` };
  };
  const clock =
    nowMs === undefined
      ? {
          now: unavailable('now', 'no timestamp was given'),
          millis: unavailable('millis', 'no timestamp was given'),
        }
      : { now: () => new Date(nowMs).toISOString(), millis: () => nowMs };
  return {
    ...clock,
    random: unavailable('random', 'expressions must be deterministic'),
    eval: unavailable('eval', 'expressions are compiled ahead of time'),
  };
}
