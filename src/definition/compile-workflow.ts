// The definition module's two entry points.
import { analyzeDefinition, type DefinitionOptions } from './analyze-definition.js';
import { buildCompiledWorkflow } from './build-compiled.js';
import type { CompiledWorkflow } from './compiled-types.js';
import { deepFreeze } from './deep-freeze.js';
import type { Problem } from './problem.js';
import type { DefinitionSource } from './source-reader.js';
import type { WorkflowDefinition } from './types.js';

export interface ParseResult {
  /** Present only when no problem is an error. */
  readonly definition?: WorkflowDefinition;
  /** Errors and warnings, in source order. */
  readonly problems: readonly Problem[];
}

export interface CompileResult {
  /** Present only when no problem is an error. */
  readonly workflow?: CompiledWorkflow;
  readonly problems: readonly Problem[];
}

/** Parses and validates a definition (YAML or JSON text or bytes, or an already-parsed object). Never throws. */
export function parseDefinition(source: DefinitionSource, options: DefinitionOptions = {}): ParseResult {
  const { definition, problems } = analyzeDefinition(source, options);
  return definition ? { definition: deepFreeze(definition), problems } : { problems };
}

/** Validates a definition and compiles it to the immutable graph the execution core runs. Never throws. */
export function compileWorkflow(source: DefinitionSource, options: DefinitionOptions = {}): CompileResult {
  const { definition, graph, expressions, problems } = analyzeDefinition(source, options);
  if (!definition || !graph) return { problems };
  return {
    workflow: buildCompiledWorkflow(deepFreeze(definition), graph.graph, graph.shape, expressions),
    problems,
  };
}
