// Typed access to one map of the document. Each accessor validates, reports a located problem on a mismatch and
// returns undefined, so readers can keep going and report everything at once.
import { ExpressionTable } from './expression-table.js';
import { childPointer } from './json-pointer.js';
import { describeValue, isPlainObject, type PlainObject, type PlainValue } from './plain-data.js';
import type { ProblemList } from './problem.js';
import { didYouMean } from './suggest.js';
import { parseDuration } from './duration.js';

export interface ReaderContext {
  readonly problems: ProblemList;
  readonly expressions: ExpressionTable;
}

export class FieldReader {
  constructor(
    readonly object: PlainObject,
    readonly pointer: string,
    /** Whose map this is in messages, e.g. `step 'publish'`; empty for the workflow itself. */
    readonly owner: string,
    readonly context: ReaderContext,
    /** The map's path below its owner, e.g. `retry_policy` or `conditions[0]`. */
    readonly path = '',
  ) {}

  /** How messages name this map: `step 'x': retry_policy`, `triggers[0]`, or empty for the workflow. */
  get label(): string {
    return [this.owner, this.path].filter((part) => part !== '').join(': ');
  }

  get problems(): ProblemList {
    return this.context.problems;
  }

  at(key: string): string {
    return childPointer(this.pointer, key);
  }

  /** `step 'x': retry_policy.max_attempts` — the name a message uses for one of this map's keys. */
  name(key: string): string {
    const path = this.path === '' ? key : `${this.path}.${key}`;
    return this.owner === '' ? path : `${this.owner}: ${path}`;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.object, key) && this.object[key] !== null;
  }

  raw(key: string): PlainValue | undefined {
    return Object.hasOwn(this.object, key) ? this.object[key] : undefined;
  }

  error(key: string, rule: string, message: string): void {
    this.problems.error(this.at(key), rule, message);
  }

  /** Reports every key not in `allowed`; `explain` may say why a key is wrong here (e.g. it belongs elsewhere). */
  checkKeys(allowed: readonly string[], explain?: (key: string) => string | undefined): void {
    for (const key of Object.keys(this.object)) {
      if (allowed.includes(key)) continue;
      const reason = explain?.(key) ?? `unknown key '${key}'${didYouMean(key, allowed)}`;
      this.problems.error(
        this.at(key),
        'unknown-key',
        this.label === '' ? reason : `${this.label}: ${reason}`,
        'key',
      );
    }
  }

  missing(key: string, hint = ''): void {
    this.problems.error(
      this.pointer,
      'missing-key',
      `${this.label === '' ? '' : `${this.label}: `}'${key}' is required${hint}`,
    );
  }

  string(key: string, options: { required?: boolean; hint?: string } = {}): string | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) {
      if (options.required) this.missing(key, options.hint);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.error(key, 'wrong-type', `${this.name(key)} must be a string, not ${describeValue(value)}`);
      return undefined;
    }
    if (value.trim() === '') {
      this.error(key, 'wrong-type', `${this.name(key)} must not be empty`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(
    key: string,
    allowed: readonly T[],
    options: { required?: boolean } = {},
  ): T | undefined {
    const value = this.string(key, options);
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.error(
      key,
      'invalid-value',
      `${this.name(key)} '${value}' is not one of ${allowed.map((item) => `'${item}'`).join(', ')}${didYouMean(value, allowed)}`,
    );
    return undefined;
  }

  expression(key: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.string(key, options);
    if (value === undefined) return undefined;
    return this.context.expressions.add(this.at(key), value, this.name(key)) ? value : undefined;
  }

  duration(key: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) {
      if (options.required) this.missing(key);
      return undefined;
    }
    const parsed = parseDuration(value);
    if (!parsed.ok) {
      this.error(key, 'invalid-duration', `${this.name(key)}: ${parsed.reason}`);
      return undefined;
    }
    return String(value);
  }

  number(key: string, options: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    const kind = options.integer ? 'an integer' : 'a number';
    if (typeof value !== 'number' || (options.integer && !Number.isInteger(value))) {
      this.error(key, 'wrong-type', `${this.name(key)} must be ${kind}, not ${describeValue(value)}`);
      return undefined;
    }
    if (options.min !== undefined && value < options.min) {
      this.error(key, 'out-of-range', `${this.name(key)} must be at least ${options.min} (got ${value})`);
      return undefined;
    }
    if (options.max !== undefined && value > options.max) {
      this.error(key, 'out-of-range', `${this.name(key)} must be at most ${options.max} (got ${value})`);
      return undefined;
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    this.error(key, 'wrong-type', `${this.name(key)} must be true or false, not ${describeValue(value)}`);
    return undefined;
  }

  stringList(key: string): string[] | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.error(
        key,
        'wrong-type',
        `${this.name(key)} must be a list of strings, not ${describeValue(value)}`,
      );
      return undefined;
    }
    const strings: string[] = [];
    value.forEach((item, index) => {
      if (typeof item === 'string' && item !== '') strings.push(item);
      else
        this.problems.error(
          childPointer(this.at(key), index),
          'wrong-type',
          `${this.name(key)}[${index}] must be a non-empty string, not ${describeValue(item)}`,
        );
    });
    return strings.length === value.length ? strings : undefined;
  }

  map(key: string, options: { required?: boolean } = {}): PlainObject | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) {
      if (options.required) this.missing(key);
      return undefined;
    }
    if (isPlainObject(value)) return value;
    this.error(key, 'wrong-type', `${this.name(key)} must be a map, not ${describeValue(value)}`);
    return undefined;
  }

  list(key: string, options: { required?: boolean } = {}): PlainValue[] | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) {
      if (options.required) this.missing(key);
      return undefined;
    }
    if (Array.isArray(value)) return value;
    this.error(key, 'wrong-type', `${this.name(key)} must be a list, not ${describeValue(value)}`);
    return undefined;
  }

  child(key: string, object: PlainObject): FieldReader {
    return new FieldReader(
      object,
      this.at(key),
      this.owner,
      this.context,
      this.path === '' ? key : `${this.path}.${key}`,
    );
  }

  nested(pointer: string, object: PlainObject, owner: string, path = ''): FieldReader {
    return new FieldReader(object, pointer, owner, this.context, path);
  }
}
