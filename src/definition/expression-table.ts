// Compiles every expression of a definition exactly once, while validating, and keeps the handles by pointer so
// the graph compiler reuses them instead of parsing again.
import { compileExpression, type CompiledExpression, type ExpressionLimits } from '../expression/index.js';
import type { ProblemList } from './problem.js';

export class ExpressionTable {
  readonly #compiled = new Map<string, CompiledExpression>();

  constructor(
    private readonly limits: ExpressionLimits,
    private readonly problems: ProblemList,
  ) {}

  /** Compiles `source`; on failure reports it against `pointer` as `<label>: <why>` and returns false. */
  add(pointer: string, source: string, label: string): boolean {
    const result = compileExpression(source, this.limits);
    if (result.ok) {
      this.#compiled.set(pointer, result.expression);
      return true;
    }
    const where = result.error.position === undefined ? '' : ` at character ${result.error.position}`;
    const code = result.error.code.startsWith('E_') ? '' : ` [${result.error.code}]`;
    this.problems.error(
      pointer,
      'invalid-expression',
      `${label} is not a valid expression${where}: ${lowerFirst(result.error.message)}${code}`,
    );
    return false;
  }

  get(pointer: string): CompiledExpression | undefined {
    return this.#compiled.get(pointer);
  }
}

function lowerFirst(text: string): string {
  return text.length > 0 && /^[A-Z][a-z]/.test(text) ? text[0]?.toLowerCase() + text.slice(1) : text;
}
