// What the router reads: a compiled workflow (src/definition) pinned to the id and version an execution started
// with, plus the JSON Schema checks prepared once when the version was loaded. The core only reads it.
import type { CompiledStep, CompiledWorkflow } from '../definition/index.js';

export type { CompiledExpression } from '../expression/index.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type GraphStep = CompiledStep;
export type StepType = CompiledStep['type'];

/** Readable problems of a value against a schema; empty when it conforms. */
export type SchemaCheck = (value: unknown) => readonly string[];

export interface WorkflowGraph extends CompiledWorkflow {
  readonly workflowId: string;
  readonly version: number;
  /** Checks a start's input against `input_schema`. */
  readonly validateInput?: SchemaCheck;
  /** Checks of validation steps' `parameters.schema`, by step id. */
  readonly stepSchemas: ReadonlyMap<string, SchemaCheck>;
}
