// Reading a command's JSON input: each reader names the field and what it expected, and a bad value is a
// non-retriable INVALID_INPUT failure, since sending the same input again cannot succeed.
import { AgentError } from '../sdk/agent-error.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function invalidInput(message: string): AgentError {
  return new AgentError('INVALID_INPUT', message, { retriable: false });
}

/** The input as an object; null and undefined read as an empty one. */
export function inputObject(input: unknown): JsonObject {
  if (input === null || input === undefined) return {};
  if (!isObject(input)) throw invalidInput('input: expected a JSON object');
  return input;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export function optionalString(input: JsonObject, name: string): string | undefined {
  const value = input[name];
  if (!present(value)) return undefined;
  if (typeof value !== 'string') throw invalidInput(`${name}: expected a string`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function requireString(input: JsonObject, name: string): string {
  const value = optionalString(input, name);
  if (value === undefined) throw invalidInput(`${name}: required, a non-empty string`);
  return value;
}

/** A string id that workflows may also pass as a number (e.g. a product id of 42). */
export function requireId(input: JsonObject, name: string): string {
  const value = input[name];
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return requireString(input, name);
}

export function optionalNumber(
  input: JsonObject,
  name: string,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  const value = input[name];
  if (!present(value)) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  const kind = range.integer ? 'an integer' : 'a number';
  if (
    typeof number !== 'number' ||
    !Number.isFinite(number) ||
    (range.integer && !Number.isInteger(number))
  ) {
    throw invalidInput(`${name}: expected ${kind}`);
  }
  if ((range.min !== undefined && number < range.min) || (range.max !== undefined && number > range.max)) {
    throw invalidInput(
      `${name}: expected ${kind}${range.min !== undefined ? ` ≥ ${range.min}` : ''}${
        range.max !== undefined ? ` ≤ ${range.max}` : ''
      }, got ${number}`,
    );
  }
  return number;
}

export function requireNumber(
  input: JsonObject,
  name: string,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const value = optionalNumber(input, name, range);
  if (value === undefined)
    throw invalidInput(`${name}: required, ${range.integer ? 'an integer' : 'a number'}`);
  return value;
}

export function optionalStringList(input: JsonObject, name: string): string[] | undefined {
  const value = input[name];
  if (!present(value)) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? [] : [value.trim()];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalidInput(`${name}: expected a string or a list of strings`);
  }
  return (value as string[]).map((item) => item.trim()).filter((item) => item !== '');
}

export function optionalNumberList(input: JsonObject, name: string): number[] | undefined {
  const value = input[name];
  if (!present(value)) return undefined;
  if (!Array.isArray(value)) throw invalidInput(`${name}: expected a list of numbers`);
  return value.map((item, index) => {
    const number = typeof item === 'string' && item.trim() !== '' ? Number(item) : item;
    if (typeof number !== 'number' || !Number.isFinite(number)) {
      throw invalidInput(`${name}[${index}]: expected a number`);
    }
    return number;
  });
}

export function optionalObject(input: JsonObject, name: string): JsonObject | undefined {
  const value = input[name];
  if (!present(value)) return undefined;
  if (!isObject(value)) throw invalidInput(`${name}: expected an object`);
  return value;
}

export function oneOf<T extends string>(
  input: JsonObject,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = optionalString(input, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidInput(`${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** An ISO-8601 timestamp (or epoch milliseconds) as a Date. */
export function optionalTimestamp(input: JsonObject, name: string): Date | undefined {
  const value = input[name];
  if (!present(value)) return undefined;
  const date =
    typeof value === 'number' ? new Date(value) : typeof value === 'string' ? new Date(value) : null;
  if (date === null || Number.isNaN(date.getTime())) {
    throw invalidInput(`${name}: expected an ISO-8601 timestamp such as 2026-01-31T09:00:00Z`);
  }
  return date;
}
