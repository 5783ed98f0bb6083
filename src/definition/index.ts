// Public face of the workflow definition language. The execution core imports from here (and src/expression)
// only: parse and validate with located problems, or compile to an immutable graph.
export { parseDefinition, compileWorkflow } from './compile-workflow.js';
export type { ParseResult, CompileResult } from './compile-workflow.js';
export type { DefinitionOptions } from './analyze-definition.js';
export type { DefinitionSource, SourceFormat } from './source-reader.js';
export type { Problem, Severity } from './problem.js';
export { hasErrors } from './problem.js';
export type { AgentCatalog } from './agent-catalog.js';
export { layeredAgentCatalog, staticAgentCatalog } from './agent-catalog.js';
export type { ActionSchemas } from './agent-catalog.js';
export { jsonSchemaErrors } from './json-schema-check.js';
export { DEFAULT_DEFINITION_LIMITS, resolveDefinitionLimits } from './limits.js';
export type { DefinitionLimits, DefinitionLimitOptions } from './limits.js';
export { DEFAULT_RETRY_POLICY } from './retry-defaults.js';
export { parseDuration, MAX_DURATION_MS } from './duration.js';
export type { DurationResult } from './duration.js';
export type {
  CompiledWorkflow,
  CompiledStep,
  CompiledEdge,
  CompiledTrigger,
  RetryPolicy,
  FailurePolicy,
} from './compiled-types.js';
export type {
  WorkflowDefinition,
  StepDefinition,
  TriggerDefinition,
  ConnectionDefinition,
  ConditionDefinition,
  RetryPolicyDefinition,
  OnFailureDefinition,
  CompensationDefinition,
  WorkflowType,
  StepType,
  TriggerType,
  JoinMode,
  CatchUp,
} from './types.js';
export { WORKFLOW_TYPES, STEP_TYPES, TRIGGER_TYPES } from './types.js';
export type { WorkflowFeature } from './workflow-type.js';
export type { PlainValue, PlainObject } from './plain-data.js';
