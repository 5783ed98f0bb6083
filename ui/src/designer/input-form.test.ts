// The Run form from input_schema: a field per property with its type and required mark, the input built from
// what was typed, a message per wrong field, and the server's refusal mapped back onto the fields.
import { describe, expect, it } from 'vitest';
import { fieldsOf, initialValues, inputOf, serverFieldErrors } from './input-form';

const SCHEMA = {
  type: 'object',
  required: ['brand_id', 'count'],
  properties: {
    brand_id: { type: 'string', minLength: 3, description: 'the brand' },
    count: { type: 'integer', minimum: 1, maximum: 10 },
    ratio: { type: 'number', default: 0.5 },
    urgent: { type: 'boolean' },
    tone: { type: 'string', enum: ['calm', 'bold'] },
    tags: { type: 'array' },
  },
};

describe('the Run form from input_schema', () => {
  it('has a field per property, by type, with required ones marked and defaults filled in', () => {
    const fields = fieldsOf(SCHEMA)!;
    expect(fields.map((field) => [field.name, field.kind, field.required])).toEqual([
      ['brand_id', 'string', true],
      ['count', 'integer', true],
      ['ratio', 'number', false],
      ['urgent', 'boolean', false],
      ['tone', 'string', false],
      ['tags', 'json', false],
    ]);
    expect(fields.find((field) => field.name === 'tone')?.options).toEqual(['calm', 'bold']);
    expect(initialValues(SCHEMA, fields)).toMatchObject({ ratio: '0.5', urgent: false, brand_id: '' });
  });

  it('asks for JSON when the schema is not an object with properties', () => {
    expect(fieldsOf(undefined)).toBeUndefined();
    expect(fieldsOf({ type: 'array' })).toBeUndefined();
  });

  it('builds a typed input and leaves empty optional fields out', () => {
    const fields = fieldsOf(SCHEMA)!;
    const { input, errors } = inputOf(fields, {
      brand_id: 'acme',
      count: '3',
      ratio: '',
      urgent: true,
      tone: 'bold',
      tags: '["a"]',
    });
    expect(errors).toEqual({});
    expect(input).toEqual({ brand_id: 'acme', count: 3, urgent: true, tone: 'bold', tags: ['a'] });
  });

  it('says what is wrong with each field', () => {
    const fields = fieldsOf(SCHEMA)!;
    const { errors } = inputOf(fields, { brand_id: 'ac', count: '2.5', ratio: 'x', tags: '{"a":1}' });
    expect(errors).toEqual({
      brand_id: 'must be at least 3 characters',
      count: 'must be a whole number',
      ratio: 'must be a number',
      tags: 'must be a JSON array',
    });
    expect(inputOf(fields, { count: '' }).errors).toMatchObject({
      brand_id: 'is required',
      count: 'is required',
    });
    expect(inputOf(fields, { brand_id: 'acme', count: '11' }).errors).toEqual({
      count: 'must be at most 10',
    });
  });

  it("puts the server's problems on their fields", () => {
    expect(
      serverFieldErrors([
        { pointer: '/input/brand_id', message: 'must match pattern' },
        { pointer: '/input', message: 'must be object' },
        { pointer: '/other', message: 'ignored' },
      ]),
    ).toEqual({ brand_id: 'must match pattern', '': 'must be object' });
  });
});
