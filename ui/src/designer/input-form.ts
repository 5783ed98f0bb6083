// The Run form's model: the fields a workflow's `input_schema` describes, and the execution input built from
// what the user typed, with a message per field that is wrong. The server checks the input again against the
// full schema; its answer (pointers under /input) lands on the same fields.

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'json';

export interface InputField {
  name: string;
  kind: FieldKind;
  required: boolean;
  title: string;
  description?: string;
  options?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** For `json` fields: the JSON type the value must have. */
  jsonType?: 'object' | 'array';
}

export type FieldValues = Record<string, string | boolean>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(schema: Record<string, unknown>): FieldKind {
  const type = Array.isArray(schema.type) ? schema.type.find((entry) => entry !== 'null') : schema.type;
  if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') return type;
  if (Array.isArray(schema.enum) && schema.enum.every((entry) => typeof entry === 'string')) return 'string';
  return 'json';
}

/**
 * The form's fields, or undefined when the schema does not describe an object with properties (then the
 * console asks for JSON).
 */
export function fieldsOf(schema: unknown): InputField[] | undefined {
  if (!isRecord(schema) || !isRecord(schema.properties)) return undefined;
  const required = new Set(
    Array.isArray(schema.required) ? schema.required.filter((key) => typeof key === 'string') : [],
  );
  return Object.entries(schema.properties).map(([name, raw]) => {
    const property = isRecord(raw) ? raw : {};
    const kind = kindOf(property);
    const field: InputField = {
      name,
      kind,
      required: required.has(name),
      title: typeof property.title === 'string' ? property.title : name,
    };
    if (typeof property.description === 'string') field.description = property.description;
    if (Array.isArray(property.enum) && property.enum.every((entry) => typeof entry === 'string'))
      field.options = property.enum as string[];
    for (const key of ['minimum', 'maximum', 'minLength', 'maxLength'] as const)
      if (typeof property[key] === 'number') field[key] = property[key];
    if (typeof property.pattern === 'string') field.pattern = property.pattern;
    if (kind === 'json' && (property.type === 'object' || property.type === 'array'))
      field.jsonType = property.type;
    return field;
  });
}

/** The starting values: the schema's defaults where it gives them. */
export function initialValues(schema: unknown, fields: InputField[]): FieldValues {
  const properties = isRecord(schema) && isRecord(schema.properties) ? schema.properties : {};
  const values: FieldValues = {};
  for (const field of fields) {
    const property = properties[field.name];
    const fallback = isRecord(property) ? property.default : undefined;
    if (field.kind === 'boolean') values[field.name] = fallback === true;
    else if (fallback === undefined) values[field.name] = '';
    else values[field.name] = field.kind === 'json' ? JSON.stringify(fallback) : String(fallback);
  }
  return values;
}

function valueOf(field: InputField, raw: string): { value?: unknown; error?: string } {
  switch (field.kind) {
    case 'string': {
      if (field.minLength !== undefined && raw.length < field.minLength)
        return { error: `must be at least ${field.minLength} characters` };
      if (field.maxLength !== undefined && raw.length > field.maxLength)
        return { error: `must be at most ${field.maxLength} characters` };
      if (field.pattern !== undefined && !new RegExp(field.pattern, 'u').test(raw))
        return { error: `must match ${field.pattern}` };
      if (field.options && !field.options.includes(raw))
        return { error: `must be one of ${field.options.join(', ')}` };
      return { value: raw };
    }
    case 'number':
    case 'integer': {
      const number = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(number)) return { error: 'must be a number' };
      if (field.kind === 'integer' && !Number.isInteger(number)) return { error: 'must be a whole number' };
      if (field.minimum !== undefined && number < field.minimum)
        return { error: `must be at least ${field.minimum}` };
      if (field.maximum !== undefined && number > field.maximum)
        return { error: `must be at most ${field.maximum}` };
      return { value: number };
    }
    case 'json': {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        return { error: 'is not valid JSON' };
      }
      if (field.jsonType === 'array' && !Array.isArray(value)) return { error: 'must be a JSON array' };
      if (field.jsonType === 'object' && !isRecord(value)) return { error: 'must be a JSON object' };
      return { value };
    }
    case 'boolean':
      return { value: raw === 'true' };
  }
}

/** The input to send, or the message for each field that is wrong (an empty field is left out unless required). */
export function inputOf(
  fields: InputField[],
  values: FieldValues,
): { input: Record<string, unknown>; errors: Record<string, string> } {
  const input: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = values[field.name];
    if (field.kind === 'boolean') {
      input[field.name] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw : '';
    if (text === '') {
      if (field.required) errors[field.name] = 'is required';
      continue;
    }
    const { value, error } = valueOf(field, text);
    if (error !== undefined) errors[field.name] = error;
    else input[field.name] = value;
  }
  return { input, errors };
}

/** The server's 422 problems (`/input/<field>…`) by field; problems about the whole input under "". */
export function serverFieldErrors(
  problems: { pointer?: string; message?: string }[],
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of problems) {
    const match = /^\/input(?:\/([^/]+))?/.exec(problem.pointer ?? '');
    if (!match) continue;
    const name = (match[1] ?? '').replace(/~1/g, '/').replace(/~0/g, '~');
    errors[name] = errors[name] ? `${errors[name]}; ${problem.message}` : (problem.message ?? 'is not valid');
  }
  return errors;
}
