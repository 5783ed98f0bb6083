// The parsed document as plain data: null-prototype objects, arrays and JSON scalars only. Building it ourselves
// (rather than trusting a parser's output) is what stops prototype pollution and bounds depth and size.

export type PlainValue = null | boolean | number | string | PlainValue[] | PlainObject;
export interface PlainObject {
  [key: string]: PlainValue;
}

/** Keys that could reach Object.prototype if the data were ever spread into an ordinary object. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function newPlainObject(): PlainObject {
  return Object.create(null) as PlainObject;
}

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string')
    return `the string '${value.length > 40 ? value.slice(0, 37) + '...' : value}'`;
  return `${typeof value} ${String(value)}`;
}
