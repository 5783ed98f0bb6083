// What the validator knows about a value's structure, read from a JSON Schema: the fields of an object and
// whether others may appear, or a scalar's type, or nothing at all. Anything the reader does not follow
// (anyOf, $ref, a missing schema) is `unknown`, which is never an error.

export type ScalarKind = 'string' | 'number' | 'boolean' | 'null' | 'array';

export type DataShape =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'scalar'; readonly type: ScalarKind }
  | {
      readonly kind: 'object';
      readonly fields: ReadonlyMap<string, DataShape>;
      /** Fields other than `fields` may be present: a reference to one is not an error. */
      readonly open: boolean;
    };

export const UNKNOWN_SHAPE: DataShape = Object.freeze({ kind: 'unknown' });

/** A JSON Schema as plain data (the catalog's and the definition's declarations). */
export type JsonSchema = Readonly<Record<string, unknown>> | boolean;

/**
 * The shape a schema describes. As in JSON Schema, an object is closed only with `additionalProperties: false`
 * (and no `patternProperties`): then a field it does not list is an error, otherwise it may be there.
 */
export function shapeOfSchema(schema: unknown): DataShape {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return UNKNOWN_SHAPE;
  const node = schema as Record<string, unknown>;
  const type = Array.isArray(node['type']) ? undefined : node['type'];
  const properties = node['properties'];
  if (type === 'object' || (type === undefined && typeof properties === 'object' && properties !== null)) {
    const fields = new Map<string, DataShape>();
    if (typeof properties === 'object' && properties !== null) {
      for (const [name, child] of Object.entries(properties as Record<string, unknown>)) {
        fields.set(name, shapeOfSchema(child));
      }
    }
    const extra = node['additionalProperties'];
    const open = extra !== false || node['patternProperties'] !== undefined;
    return { kind: 'object', fields, open };
  }
  if (type === 'array') {
    // JSONata maps a path over a list's items, so `items.label` reads each item's field.
    const items = shapeOfSchema(node['items']);
    return items.kind === 'object' ? items : { kind: 'scalar', type: 'array' };
  }
  if (type === 'integer' || type === 'number') return { kind: 'scalar', type: 'number' };
  if (type === 'string' || type === 'boolean' || type === 'null') return { kind: 'scalar', type };
  return UNKNOWN_SHAPE;
}

/** The `required` list of an object schema (empty when it says none or is not an object schema). */
export function requiredFieldsOf(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [];
  const required = (schema as Record<string, unknown>)['required'];
  return Array.isArray(required) ? required.filter((name): name is string => typeof name === 'string') : [];
}

/**
 * The field sets of an object schema's `anyOf` alternatives that only add `required` lists ("post_id, or
 * brand_id and content"); empty when there are none.
 */
export function requiredAlternativesOf(schema: unknown): string[][] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [];
  const anyOf = (schema as Record<string, unknown>)['anyOf'];
  if (!Array.isArray(anyOf)) return [];
  const alternatives = anyOf.map(requiredFieldsOf);
  return alternatives.some((fields) => fields.length === 0) ? [] : alternatives;
}

/** The shape of `shape.name`: undefined when a closed object has no such field, unknown when nothing is known. */
export function fieldOf(shape: DataShape, name: string): DataShape | undefined {
  if (shape.kind !== 'object') return UNKNOWN_SHAPE;
  const field = shape.fields.get(name);
  if (field) return field;
  return shape.open ? UNKNOWN_SHAPE : undefined;
}
