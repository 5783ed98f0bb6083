import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { ENVELOPE_NAMES, ENVELOPE_NAMESPACE } from '../../../src/kafka/envelopes.js';
import { SchemaFileError, loadEnvelopeSchemas, subjectFor } from '../../../src/kafka/schemas.js';
import { fullSamples, minimalSamples } from './envelope-samples.js';

const schemas = loadEnvelopeSchemas();

type Json = Record<string, unknown>;

/** Every record schema inside a schema, nested ones included. */
function records(schema: unknown, found: Json[] = []): Json[] {
  if (Array.isArray(schema)) schema.forEach((branch) => records(branch, found));
  else if (schema && typeof schema === 'object') {
    const node = schema as Json;
    if (node.type === 'record') {
      found.push(node);
      (node.fields as Json[]).forEach((field) => records(field.type, found));
    } else {
      records(node.items, found);
      records(node.values, found);
      if (typeof node.type === 'object') records(node.type, found);
    }
  }
  return found;
}

/** The first branch of a union field, or the field type itself. */
function isNullUnion(type: unknown): boolean {
  return Array.isArray(type) && type.length === 2 && type[0] === 'null';
}

describe('envelope schemas', () => {
  it('has one .avsc per envelope, all in the v1 namespace, registered under the record name', () => {
    expect(Object.keys(schemas).sort()).toEqual([...ENVELOPE_NAMES].sort());
    for (const name of ENVELOPE_NAMES) {
      expect(schemas[name].schema.namespace).toBe(ENVELOPE_NAMESPACE);
      expect(subjectFor(name)).toBe(`io.percolator.v1.${name}`);
      expect(subjectFor(name, 'test.x.')).toBe(`test.x.io.percolator.v1.${name}`);
    }
  });

  it.each(ENVELOPE_NAMES)(
    '%s follows the conventions: docs everywhere, optional means ["null", X] with default null',
    (name) => {
      for (const record of records(schemas[name].schema)) {
        expect(record.doc, `${String(record.name)} has a doc`).toEqual(expect.any(String));
        for (const field of record.fields as Json[]) {
          const where = `${String(record.name)}.${String(field.name)}`;
          expect(field.doc, `${where} has a doc`).toEqual(expect.any(String));
          expect(field.name, `${where} is snake_case`).toMatch(/^[a-z][a-z0-9_]*$/);
          if (Array.isArray(field.type)) {
            expect(isNullUnion(field.type), `${where} is ["null", X]`).toBe(true);
            expect(field.default, `${where} defaults to null`).toBeNull();
          }
          const type = isNullUnion(field.type) ? (field.type as unknown[])[1] : field.type;
          if (/(_at|_time|^deadline|^timestamp)$/.test(String(field.name))) {
            expect(type, `${where} is a timestamp-millis long`).toEqual({
              type: 'long',
              logicalType: 'timestamp-millis',
            });
          }
        }
      }
    },
  );

  it.each(ENVELOPE_NAMES)('%s: a fully populated sample of the TS type round-trips unchanged', (name) => {
    const { type } = schemas[name];
    const sample = fullSamples[name];
    const invalid: string[] = [];
    type.isValid(sample, { errorHook: (path) => invalid.push(path.join('.')) });
    expect(invalid).toEqual([]);
    expect(type.fromBuffer(type.toBuffer(sample))).toEqual(sample);
  });

  it.each(ENVELOPE_NAMES)('%s: leaving out the optional fields writes their defaults', (name) => {
    const { type } = schemas[name];
    const decoded = type.fromBuffer(type.toBuffer(minimalSamples[name])) as Json;
    expect(decoded).toMatchObject(minimalSamples[name] as unknown as Json);
    // Every field comes back, so the TS type and the schema name the same fields.
    const fieldNames = (schemas[name].schema.fields as Json[]).map((field) => field.name);
    expect(Object.keys(decoded).sort()).toEqual([...fieldNames].sort());
    expect(Object.keys(fullSamples[name]).sort()).toEqual([...fieldNames].sort());
  });

  it('a reader with an added defaulted field still reads records of the old schema', () => {
    const old = schemas.StartExecution.type;
    const evolved = avro.Type.forSchema({
      ...(schemas.StartExecution.schema as Json),
      fields: [
        ...(schemas.StartExecution.schema.fields as Json[]),
        { name: 'priority', type: ['null', 'int'], default: null, doc: 'added later' },
      ],
    } as avro.Schema);
    const record = evolved.fromBuffer(old.toBuffer(fullSamples.StartExecution), evolved.createResolver(old));
    expect(record).toEqual({ ...fullSamples.StartExecution, priority: null });
  });

  it('refuses a schemas directory that misses an envelope', () => {
    expect(() => loadEnvelopeSchemas(new URL('.', import.meta.url).pathname)).toThrow(SchemaFileError);
  });
});
