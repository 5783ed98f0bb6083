// Pins a compiled workflow to its stored id and version, and prepares its JSON Schema checks once (Ajv compiles
// each schema to a function), so routing a validation step costs a function call.
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { CompiledWorkflow } from '../definition/index.js';
import type { SchemaCheck, WorkflowGraph } from './graph.js';

const ajv = new Ajv2020({ allErrors: true, strict: false });

function schemaCheck(schema: unknown): SchemaCheck {
  const validate = ajv.compile(schema as object);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map(describe));
}

function describe(error: ErrorObject): string {
  return `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`;
}

export function pinWorkflow(
  workflow: CompiledWorkflow,
  pin: { workflowId: string; version: number },
): WorkflowGraph {
  const stepSchemas = new Map<string, SchemaCheck>();
  for (const step of workflow.steps.values()) {
    if (step.validation?.schema !== undefined) stepSchemas.set(step.id, schemaCheck(step.validation.schema));
  }
  return Object.freeze({
    ...workflow,
    workflowId: pin.workflowId,
    version: pin.version,
    ...(workflow.inputSchema === undefined ? {} : { validateInput: schemaCheck(workflow.inputSchema) }),
    stepSchemas,
  });
}
