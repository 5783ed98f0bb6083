// Checks on the fields of records read from the orchestrator's input topics, before anything touches state.
// Avro guarantees the types; anyone who can write to the topics decides the values. Each check returns the
// poison (code and a sentence naming the field) or undefined.
import { checkJsonText, DEFAULT_PAYLOAD_LIMITS, type PayloadLimits } from '../payload/limits.js';

export interface Poison {
  code: string;
  message: string;
}

/** Longest id the engine accepts (execution, step, command, timer and event ids). */
export const MAX_ID_LENGTH = 512;
/** Longest short text field (names, types, error codes, correlation keys, trigger ids). */
export const MAX_NAME_LENGTH = 1024;
/** Longest error message an agent may report (it is kept in the execution's state). */
export const MAX_ERROR_MESSAGE_LENGTH = 64 * 1024;

// Braces would move a Redis hash tag, newlines break the timer framing, NUL breaks Postgres and every log.
const FORBIDDEN_IN_ID = /[{}\n\r]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkId(value: string, field: string): Poison | undefined {
  if (value.length === 0) return invalid(`${field} is empty`);
  if (value.length > MAX_ID_LENGTH)
    return invalid(`${field} is ${value.length} characters long; the limit is ${MAX_ID_LENGTH}`);
  if (FORBIDDEN_IN_ID.test(value) || value.includes('\u0000'))
    return invalid(`${field} ${preview(value)} contains a brace, a line break or a NUL character`);
  return undefined;
}

/** An optional short text: bounded and free of NUL. */
export function checkText(
  value: string | null | undefined,
  field: string,
  options: { required?: boolean; max?: number } = {},
): Poison | undefined {
  if (value === null || value === undefined || value === '') {
    return options.required ? invalid(`${field} is empty`) : undefined;
  }
  const max = options.max ?? MAX_NAME_LENGTH;
  if (value.length > max) return invalid(`${field} is ${value.length} characters long; the limit is ${max}`);
  if (value.includes('\u0000')) return invalid(`${field} contains a NUL character`);
  return undefined;
}

/** A workflow id is a UUID, or empty when the start names the workflow by name. */
export function checkWorkflowId(value: string): Poison | undefined {
  if (value === '' || UUID.test(value)) return undefined;
  return { code: 'INVALID_WORKFLOW_ID', message: `workflow_id ${preview(value)} is not a UUID` };
}

export function checkAttempt(value: number | null | undefined, field: string): Poison | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 1_000_000)
    return invalid(`${field} must be a positive integer, not ${value}`);
  return undefined;
}

/** A JSON text field within the payload limits; parsing is left to the caller. */
export function checkJsonField(
  text: string | null | undefined,
  field: string,
  limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS,
): Poison | undefined {
  if (text === null || text === undefined) return undefined;
  const violation = checkJsonText(text, field, limits);
  return violation ? { code: 'PAYLOAD_LIMIT', message: violation.message } : undefined;
}

/** The first poison of several checks, in order. */
export function firstPoison(...checks: (Poison | undefined)[]): Poison | undefined {
  return checks.find((check) => check !== undefined);
}

function invalid(message: string): Poison {
  return { code: 'INVALID_RECORD', message };
}

function preview(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
