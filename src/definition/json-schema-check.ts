// Checks that an embedded JSON Schema (`input_schema`, a validation step's `schema`) is itself a valid draft
// 2020-12 schema. Only the meta-schema is compiled here; the user's schema is inspected as data, never compiled.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { childPointer } from './json-pointer.js';
import type { PlainValue } from './plain-data.js';
import { ProblemList } from './problem.js';

let metaValidator: Ajv2020 | undefined;

function ajv(): Ajv2020 {
  metaValidator ??= new Ajv2020({ strict: false, validateSchema: true, allErrors: true });
  return metaValidator;
}

export function checkJsonSchema(
  schema: PlainValue,
  pointer: string,
  label: string,
  problems: ProblemList,
): boolean {
  if (typeof schema === 'boolean') return true;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    problems.error(pointer, 'invalid-schema', `${label} must be a JSON Schema (a map or a boolean)`);
    return false;
  }
  const declared = (schema as Record<string, unknown>)['$schema'];
  if (declared !== undefined && declared !== 'https://json-schema.org/draft/2020-12/schema') {
    problems.error(
      childPointer(pointer, '$schema'),
      'invalid-schema',
      `${label}: only JSON Schema draft 2020-12 is supported ('$schema' is '${String(declared)}')`,
    );
    return false;
  }
  let valid: boolean;
  try {
    valid = ajv().validateSchema(schema) as boolean;
  } catch (error) {
    problems.error(
      pointer,
      'invalid-schema',
      `${label} is not a valid JSON Schema: ${(error as Error).message}`,
    );
    return false;
  }
  if (valid) return true;
  // Ajv explains one mistake several ways (enum, type, anyOf); the first explanation per location is enough.
  const reported = new Set<string>();
  for (const error of ajv().errors ?? []) {
    if (reported.has(error.instancePath)) continue;
    reported.add(error.instancePath);
    problems.error(
      pointer + error.instancePath,
      'invalid-schema',
      `${label}${error.instancePath ? ` at ${error.instancePath}` : ''} is not a valid JSON Schema: ${error.message ?? 'invalid'}`,
    );
  }
  return false;
}

/** Why `schema` is not a valid draft 2020-12 JSON Schema; empty when it is one. */
export function jsonSchemaErrors(schema: unknown): string[] {
  const problems = new ProblemList();
  checkJsonSchema(schema as PlainValue, '', 'schema', problems);
  return problems.all.map((problem) => problem.message);
}
