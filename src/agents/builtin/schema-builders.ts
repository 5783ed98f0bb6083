// Small builders for the JSON Schemas the built-in actions declare, so each declaration reads as a field list.
// Outputs are closed (`additionalProperties: false`): the validator then reports a field an action never returns.
export type Schema = Readonly<Record<string, unknown>>;

export const string: Schema = { type: 'string' };
export const number: Schema = { type: 'number' };
export const integer: Schema = { type: 'integer' };
export const boolean: Schema = { type: 'boolean' };
/** Any JSON value: declared, but not described further. */
export const anyValue: Schema = {};
/** A map whose fields are not described. */
export const anyObject: Schema = { type: 'object' };

export function nullable(schema: Schema): Schema {
  return { anyOf: [schema, { type: 'null' }] };
}

export function listOf(items: Schema): Schema {
  return { type: 'array', items };
}

export function oneOfValues(values: readonly string[]): Schema {
  return { type: 'string', enum: [...values] };
}

/** An action's input: the fields it reads; others are ignored, so it stays open. */
export function input(properties: Record<string, Schema>, required: readonly string[] = []): Schema {
  return { type: 'object', properties, ...(required.length > 0 ? { required: [...required] } : {}) };
}

/** An action's output: every field it may return, `always` the ones it always returns. */
export function output(properties: Record<string, Schema>, always: readonly string[] = []): Schema {
  return {
    type: 'object',
    properties,
    ...(always.length > 0 ? { required: [...always] } : {}),
    additionalProperties: false,
  };
}
