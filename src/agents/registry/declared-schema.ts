// An action's schema as announced in a heartbeat (`input_schema_json`, `output_schema_json`): JSON Schema or Avro,
// as JSON text. The validator reads JSON Schema, so an Avro declaration is translated: a record's fields become
// closed properties, those without a default and not nullable become required.
import type { JsonSchema } from '../../definition/data-shape.js';

export function declaredJsonSchema(text: string | null | undefined): JsonSchema | undefined {
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed === 'string' || isAvroRecord(parsed)) return avroToJsonSchema(parsed);
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as JsonSchema)
    : undefined;
}

function isAvroRecord(value: unknown): value is { type: 'record'; fields: unknown[] } {
  const node = value as { type?: unknown; fields?: unknown } | null;
  return typeof node === 'object' && node !== null && node.type === 'record' && Array.isArray(node.fields);
}

const PRIMITIVES: Readonly<Record<string, JsonSchema>> = {
  null: { type: 'null' },
  boolean: { type: 'boolean' },
  int: { type: 'integer' },
  long: { type: 'integer' },
  float: { type: 'number' },
  double: { type: 'number' },
  string: { type: 'string' },
  bytes: { type: 'string' },
};

/** Unknown or named types (a reference to a record defined elsewhere) become `{}`: anything. */
function avroToJsonSchema(avro: unknown): JsonSchema {
  if (typeof avro === 'string') return PRIMITIVES[avro] ?? {};
  if (Array.isArray(avro)) return { anyOf: avro.map(avroToJsonSchema) };
  if (typeof avro !== 'object' || avro === null) return {};
  const node = avro as Record<string, unknown>;
  if (isAvroRecord(node)) {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of node.fields as { name?: unknown; type?: unknown; default?: unknown }[]) {
      if (typeof field?.name !== 'string') continue;
      properties[field.name] = avroToJsonSchema(field.type);
      const nullable = Array.isArray(field.type) && field.type.includes('null');
      if (field.default === undefined && !nullable) required.push(field.name);
    }
    return { type: 'object', properties, required, additionalProperties: false };
  }
  if (node['type'] === 'array') return { type: 'array', items: avroToJsonSchema(node['items']) };
  if (node['type'] === 'map') return { type: 'object' };
  if (node['type'] === 'enum' && Array.isArray(node['symbols']))
    return { type: 'string', enum: node['symbols'] };
  return avroToJsonSchema(node['type']);
}
