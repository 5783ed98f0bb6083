// Path and query parameters are checked at the route boundary, before any store sees them: a NUL byte, a
// control character, a brace in an execution id or a non-UUID key id is a 400 naming the parameter, never a
// database or Redis error turned into a 500.
import { HttpProblem } from './problem.js';
import type { JsonSchema, RouteSpec } from './route-spec.js';
import { TEXT_PARAM, mismatchOf } from './schemas.js';

export function assertParameters(
  route: Pick<RouteSpec, 'params'>,
  params: Readonly<Record<string, string | undefined>>,
  query: Readonly<Record<string, string | string[] | undefined>>,
): void {
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    check('path', name, value, route.params?.[name] ?? TEXT_PARAM);
  }
  for (const [name, value] of Object.entries(query)) {
    for (const each of Array.isArray(value) ? value : [value]) {
      // An empty query value means "not given" to every route that reads one.
      if (each === undefined || each === '') continue;
      check('query', name, each, TEXT_PARAM);
    }
  }
}

function check(where: 'path' | 'query', name: string, value: string, schema: JsonSchema): void {
  const mismatch = mismatchOf(schema, value);
  if (mismatch === undefined) return;
  throw new HttpProblem(
    400,
    where === 'path' ? 'bad-path-parameter' : 'bad-query',
    `${where} parameter ${printable(name)}: ${describe(schema, mismatch)}`,
    { parameter: printable(name) },
  );
}

/** Ajv's "must match pattern ^[^...]+$" says nothing to a caller; the schema's description does. */
function describe(schema: JsonSchema, mismatch: string): string {
  if (typeof schema.description !== 'string' || !mismatch.startsWith('must match pattern')) return mismatch;
  const expected = schema.description.replace(/\.$/, '');
  return `expected ${expected.charAt(0).toLowerCase()}${expected.slice(1)}`;
}

/** A parameter name as it may be echoed: control characters escaped, bounded in length. */
function printable(name: string): string {
  const escaped = JSON.stringify(name).slice(1, -1);
  return escaped.length > 100 ? `${escaped.slice(0, 100)}…` : escaped;
}
