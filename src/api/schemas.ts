// JSON Schemas of request bodies and answers. The same objects validate requests (ajv) and appear in the
// OpenAPI document, so the description cannot drift from what is enforced.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { JsonSchema } from './route-spec.js';
import { HttpProblem } from './problem.js';

const jsonObject: JsonSchema = { type: 'object', description: 'Any JSON object.' };

export const CREATE_WORKFLOW_BODY: JsonSchema = {
  title: 'WorkflowDocument',
  description:
    'Either the seed form `{name, description, type, definition}` (definition with or without a `workflow` wrapper), ' +
    'a raw definition document `{workflow: {...}}`, or a workflow body `{name, steps, ...}`. YAML text is accepted ' +
    'with Content-Type application/yaml.',
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
    type: { type: 'string' },
    definition: jsonObject,
    workflow: jsonObject,
    steps: { type: 'array' },
  },
  anyOf: [{ required: ['definition'] }, { required: ['workflow'] }, { required: ['steps'] }],
};

export const EXECUTE_BODY: JsonSchema = {
  title: 'ExecuteRequest',
  type: 'object',
  properties: {
    input: {
      description: 'The execution input (any JSON; checked against input_schema when the workflow has one).',
    },
    trigger_type: { type: 'string', minLength: 1, maxLength: 64, default: 'manual' },
  },
  additionalProperties: false,
};

export const EXECUTE_BY_ID_BODY: JsonSchema = {
  title: 'ExecuteByWorkflowRequest',
  type: 'object',
  properties: {
    workflow_id: { type: 'string', minLength: 1, maxLength: 200, description: 'Workflow id or name.' },
    input: { description: 'The execution input.' },
    trigger_type: { type: 'string', minLength: 1, maxLength: 64, default: 'manual' },
  },
  required: ['workflow_id'],
  additionalProperties: false,
};

export const CANCEL_BODY: JsonSchema = {
  title: 'CancelRequest',
  type: 'object',
  properties: { reason: { type: 'string', maxLength: 1000 } },
  additionalProperties: false,
};

export const SIGNAL_BODY: JsonSchema = {
  title: 'SignalRequest',
  type: 'object',
  properties: {
    event_type: { type: 'string', minLength: 1, maxLength: 200 },
    data: { description: 'Any JSON; it becomes the waiting step output.' },
    event_id: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'Deduplication id; generated when absent.',
    },
  },
  required: ['event_type'],
  additionalProperties: false,
};

export const CREATE_API_KEY_BODY: JsonSchema = {
  title: 'CreateApiKeyRequest',
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    roles: {
      type: 'array',
      items: { enum: ['viewer', 'operator', 'admin'] },
      minItems: 1,
      uniqueItems: true,
    },
  },
  required: ['name', 'roles'],
  additionalProperties: false,
};

export const PROBLEM_SCHEMA: JsonSchema = {
  title: 'Problem',
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          pointer: { type: 'string' },
          message: { type: 'string' },
          rule: { type: 'string' },
          line: { type: 'integer' },
          column: { type: 'integer' },
        },
      },
    },
  },
  required: ['type', 'title', 'status'],
};

export const ACCEPTED_SCHEMA: JsonSchema = {
  title: 'ExecutionAccepted',
  type: 'object',
  properties: { execution_id: { type: 'string' }, status: { type: 'string' } },
  required: ['execution_id', 'status'],
};

export const WORKFLOW_CREATED_SCHEMA: JsonSchema = {
  title: 'WorkflowCreated',
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, version: { type: 'integer' } },
  required: ['id', 'name', 'version'],
};

export const EXECUTION_SCHEMA: JsonSchema = {
  title: 'Execution',
  type: 'object',
  properties: {
    id: { type: 'string' },
    workflow_id: { type: ['string', 'null'] },
    workflow_name: { type: ['string', 'null'] },
    workflow_version: { type: 'integer' },
    status: { enum: ['pending', 'running', 'waiting', 'completed', 'failed', 'cancelled', 'timed_out'] },
    steps: { type: 'object', additionalProperties: { type: 'object' } },
    input: {},
    output: {},
    error: {},
    started_at: { type: ['string', 'null'] },
    finished_at: { type: ['string', 'null'] },
    source: { enum: ['live', 'history'] },
  },
  required: ['id', 'status'],
};

export const ANY_OBJECT: JsonSchema = jsonObject;

// Path parameters end up in SQL, Redis keys and log lines: none may carry control characters (Postgres refuses
// NUL), and an execution id may not carry braces, which would move its Redis Cluster hash tag.
const NO_CONTROL = '^[^\\u0000-\\u001f\\u007f]+$';

export const EXECUTION_ID_PARAM: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 512,
  pattern: '^[^\\u0000-\\u001f\\u007f{}]+$',
  description: 'An execution id: no braces or control characters.',
};

export const WORKFLOW_REF_PARAM: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: NO_CONTROL,
  description: 'A workflow id (UUID) or name.',
};

export const UUID_PARAM: JsonSchema = {
  type: 'string',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description: 'A UUID.',
};

/** Any other path or query parameter. */
export const TEXT_PARAM: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 1024,
  pattern: NO_CONTROL,
  description: 'Text without control characters.',
};

/** One problem of a request body, in the shape definition problems also take. */
export interface FieldProblem {
  pointer: string;
  message: string;
  rule: string;
  line?: number;
  column?: number;
}

const ajv = new Ajv({ allErrors: true, strict: false });
// Workflow input_schema documents are JSON Schema 2020-12, as the definition language specifies.
const userAjv = new Ajv2020({ allErrors: true, strict: false });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function validatorOf(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Why a value does not match a schema (the first mismatch), or undefined when it does. */
export function mismatchOf(schema: JsonSchema, value: unknown): string | undefined {
  const validate = validatorOf(schema);
  if (validate(value)) return undefined;
  return validate.errors?.[0]?.message ?? 'is not valid';
}

/** Validates a value against a schema; throws a 422 problem listing every mismatch with its JSON pointer. */
export function assertValid(schema: JsonSchema, value: unknown, what: string): void {
  const validate = validatorOf(schema);
  if (validate(value)) return;
  throw new HttpProblem(422, 'validation-failed', `${what} is not valid`, {
    errors: toFieldProblems(validate.errors ?? []),
  });
}

/** Compiles a user-supplied schema (a workflow's input_schema); cached by the caller. */
export function compileUserSchema(schema: unknown): ValidateFunction {
  return userAjv.compile(schema as JsonSchema);
}

export function toFieldProblems(errors: readonly ErrorObject[]): FieldProblem[] {
  return errors.map((error) => ({
    pointer:
      error.keyword === 'required' || error.keyword === 'additionalProperties'
        ? `${error.instancePath}/${String(
            (error.params as { missingProperty?: string; additionalProperty?: string }).missingProperty ??
              (error.params as { additionalProperty?: string }).additionalProperty,
          )}`
        : error.instancePath,
    message: error.message ?? 'is not valid',
    rule: error.keyword,
  }));
}
