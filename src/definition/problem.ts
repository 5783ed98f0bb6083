// A problem found in a definition: what is wrong, where, and how bad. Validation never stops at the first one.

export type Severity = 'error' | 'warning';

export interface Problem {
  readonly severity: Severity;
  /** Stable identifier of the rule that fired (e.g. `unknown-step-type`), for tooling and tests. */
  readonly rule: string;
  readonly message: string;
  /** JSON pointer (RFC 6901) into the definition, e.g. `/workflow/steps/2/timeout`; `` is the whole document. */
  readonly pointer: string;
  /** 1-based position in the source text; absent when the definition arrived as an already-parsed object. */
  readonly line?: number;
  readonly column?: number;
}

/** A problem before positions are attached; `target: 'key'` asks for the key's position rather than the value's. */
export type UnlocatedProblem = Omit<Problem, 'line' | 'column'> & {
  readonly line?: number;
  readonly column?: number;
  readonly target?: 'key' | 'value';
};

/** Collects problems while a definition is checked. */
export class ProblemList {
  readonly #problems: UnlocatedProblem[] = [];

  error(pointer: string, rule: string, message: string, target?: 'key'): void {
    this.#problems.push({ severity: 'error', rule, message, pointer, ...(target ? { target } : {}) });
  }

  warning(pointer: string, rule: string, message: string, target?: 'key'): void {
    this.#problems.push({ severity: 'warning', rule, message, pointer, ...(target ? { target } : {}) });
  }

  add(problem: UnlocatedProblem): void {
    this.#problems.push(problem);
  }

  get hasErrors(): boolean {
    return this.#problems.some((problem) => problem.severity === 'error');
  }

  get all(): readonly UnlocatedProblem[] {
    return this.#problems;
  }
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((problem) => problem.severity === 'error');
}

/** Source order first (by line, then column), unlocated problems after, errors before warnings on a tie. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
  );
}
