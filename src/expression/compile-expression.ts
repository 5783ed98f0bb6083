// Turns expression text into an opaque, immutable handle. Parsing happens once, when a definition is compiled;
// the orchestrator only ever evaluates handles.
import jsonata from 'jsonata';
import { toJsonataFailure, type JsonataFailure } from './jsonata-error.js';
import { resolveExpressionLimits, type ExpressionLimits, type ExpressionOptions } from './limits.js';

/** A parsed JSONata expression. Plain frozen data: safe to share, freeze and log. */
export interface CompiledExpression {
  readonly source: string;
}

export type CompileExpressionResult =
  | { readonly ok: true; readonly expression: CompiledExpression }
  | { readonly ok: false; readonly error: JsonataFailure };

interface ExpressionInternals {
  readonly evaluator: jsonata.Expression;
  readonly limits: ExpressionLimits;
}

// The JSONata evaluator stays private so nobody can `assign` into it and so the handle stays plain data.
const internals = new WeakMap<CompiledExpression, ExpressionInternals>();

/**
 * Functions whose results would differ between two replays of the same input. The core must be deterministic,
 * so they are refused at compile time (and disabled at run time, in case a lambda aliases them).
 */
export const FORBIDDEN_FUNCTIONS: ReadonlySet<string> = new Set(['random', 'eval']);

export function compileExpression(source: string, options: ExpressionOptions = {}): CompileExpressionResult {
  const limits = resolveExpressionLimits(options);
  if (source.length > limits.maxLength) {
    return failure('E_TOO_LONG', `is ${source.length} characters long; the limit is ${limits.maxLength}`);
  }
  if (source.trim() === '') {
    return failure('E_EMPTY', 'is empty');
  }
  let evaluator: jsonata.Expression;
  try {
    evaluator = jsonata(source, {
      timeout: limits.timeoutMs,
      stack: limits.maxDepth,
      sequence: limits.maxSequenceLength,
    });
  } catch (thrown) {
    return { ok: false, error: toJsonataFailure(thrown) };
  }
  countSteps(evaluator, limits.maxSteps);
  const forbidden = findForbiddenCall(evaluator.ast());
  if (forbidden) {
    return failure(
      'E_FORBIDDEN_FUNCTION',
      `calls $${forbidden.name}(), which is not available: expressions must give the same result on every replay`,
      forbidden.position,
    );
  }
  const expression: CompiledExpression = Object.freeze({ source });
  internals.set(expression, { evaluator, limits });
  return { ok: true, expression };
}

/** JSONata's own syntax tree of a compiled expression, for static checks (the validator's field references). */
export function expressionAst(expression: CompiledExpression): jsonata.ExprNode {
  return internalsOf(expression).evaluator.ast();
}

export function internalsOf(expression: CompiledExpression): ExpressionInternals {
  const found = internals.get(expression);
  if (!found) {
    throw new TypeError('not a compiled expression: obtain one from compileExpression()');
  }
  return found;
}

/**
 * Installs JSONata's per-node entry hook to count the steps of each evaluation (each has its own base frame) and
 * to stop one that exceeds `maxSteps` with E_STEPS (JSONata would rewrite the message of its own codes).
 */
function countSteps(evaluator: jsonata.Expression, maxSteps: number): void {
  const steps = new WeakMap<object, number>();
  evaluator.assign(
    Symbol.for('jsonata.__evaluate_entry') as unknown as string,
    (_node: unknown, _input: unknown, frame: { base: object }) => {
      const taken = (steps.get(frame.base) ?? 0) + 1;
      if (taken > maxSteps) {
        throw {
          code: 'E_STEPS',
          message: `evaluation took more than ${maxSteps} steps; check for an endless loop`,
        };
      }
      steps.set(frame.base, taken);
    },
  );
}

function failure(code: string, message: string, position?: number): CompileExpressionResult {
  return { ok: false, error: position === undefined ? { code, message } : { code, message, position } };
}

// Walks the AST without recursion so that a deeply nested expression cannot exhaust the stack here.
function findForbiddenCall(root: jsonata.ExprNode): { name: string; position?: number } | undefined {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      pending.push(...(node as unknown[]));
      continue;
    }
    const record = node as Record<string, unknown>;
    if (
      record['type'] === 'variable' &&
      typeof record['value'] === 'string' &&
      FORBIDDEN_FUNCTIONS.has(record['value'])
    ) {
      const position = record['position'];
      return typeof position === 'number'
        ? { name: record['value'], position: Math.max(1, position - record['value'].length) }
        : { name: record['value'] };
    }
    for (const value of Object.values(record)) {
      if (typeof value === 'object' && value !== null) pending.push(value);
    }
  }
  return undefined;
}
