// The API's side of the payload limits (src/payload/limits.ts): a raw JSON body is scanned before JSON.parse,
// so no hostile nesting reaches a parser, validator or serialiser, and each free-form member (an execution's
// `input`, a signal's `data`) is then held to the same limits the engine applies to the records it reads.
import { checkJsonText, type PayloadLimits, type PayloadViolation } from '../payload/limits.js';
import { HttpProblem } from './problem.js';

/**
 * Checks a JSON body's text before it is parsed. The body's own object is one level, so it may nest one level
 * deeper than a payload: a body past that holds a member deeper than the limit, whichever member it is.
 */
export function assertBodyText(text: string, limits: PayloadLimits, fields: readonly string[]): void {
  const violation = checkJsonText(text, 'the request body', {
    maxBytes: Number.MAX_SAFE_INTEGER,
    maxDepth: limits.maxDepth + 1,
    maxStringLength: limits.maxStringLength,
  });
  if (!violation) return;
  if (violation.limit === 'max_depth') {
    const named = fields.length > 0 ? fields.join(' or ') : 'a member of the request body';
    throw payloadProblem(
      {
        limit: 'max_depth',
        max: limits.maxDepth,
        message: `${named} nests deeper than ${limits.maxDepth} levels of arrays and objects`,
      },
      fields.length === 1 ? fields[0]! : 'body',
    );
  }
  throw payloadProblem(violation, 'body');
}

/** Checks each free-form member of a parsed body, by its exact JSON size; an absent member passes. */
export function assertPayloadFields(body: unknown, fields: readonly string[], limits: PayloadLimits): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  for (const field of fields) {
    const value = (body as Record<string, unknown>)[field];
    if (value === undefined) continue;
    // Safe to serialise: the raw scan has already bounded the depth.
    const violation = checkJsonText(JSON.stringify(value), field, limits);
    if (violation) throw payloadProblem(violation, field);
  }
}

/** Checks free text (a YAML definition) for what no store accepts: NUL characters. */
export function assertText(text: string): void {
  if (text.includes('\u0000')) {
    throw payloadProblem(
      {
        limit: 'nul_character',
        max: 0,
        message: 'the request body contains a NUL character, which is not allowed',
      },
      'body',
    );
  }
}

function payloadProblem(violation: PayloadViolation, field: string): HttpProblem {
  return new HttpProblem(422, 'payload-limit', violation.message, {
    limit: violation.limit,
    max: violation.max,
    field,
  });
}
