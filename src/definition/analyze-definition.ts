// The one pipeline behind parseDefinition and compileWorkflow: read the source, check structure, check the
// graph, attach positions. Compilation only adds assembly on top of a clean result.
import type { AgentCatalog } from './agent-catalog.js';
import { checkDataFlow } from './check-data-flow.js';
import { checkGraph, type GraphCheck } from './check-graph.js';
import { ExpressionTable } from './expression-table.js';
import { outlineOf } from './graph-outline.js';
import { resolveDefinitionLimits, type DefinitionLimitOptions, type DefinitionLimits } from './limits.js';
import { isPlainObject } from './plain-data.js';
import { ProblemList, sortProblems, type Problem, type UnlocatedProblem } from './problem.js';
import { readDefinition } from './read-definition.js';
import { readSource, type DefinitionSource, type SourceFormat } from './source-reader.js';
import type { SourceLocator } from './source-locator.js';
import type { WorkflowDefinition } from './types.js';

export interface DefinitionOptions {
  /** `auto` (the default) treats text starting with `{` or `[` as JSON and anything else as YAML. */
  readonly format?: SourceFormat;
  /** When given, agent actions are checked against it. */
  readonly agentCatalog?: AgentCatalog;
  readonly limits?: DefinitionLimitOptions;
}

export interface Analysis {
  readonly definition?: WorkflowDefinition;
  readonly graph?: GraphCheck;
  readonly expressions: ExpressionTable;
  readonly problems: readonly Problem[];
}

export function analyzeDefinition(source: DefinitionSource, options: DefinitionOptions = {}): Analysis {
  const limits: DefinitionLimits = resolveDefinitionLimits(options.limits);
  const problems = new ProblemList();
  const expressions = new ExpressionTable(limits.expression, problems);
  const { data, locator } = readSource(source, options.format ?? 'auto', limits, problems);
  let definition: WorkflowDefinition | undefined;
  let graph: GraphCheck | undefined;
  if (data !== undefined) {
    definition = readDefinition(data, { problems, expressions }, limits, options.agentCatalog);
    const outline = outlineOf(data);
    if (outline) {
      const workflow = isPlainObject(data) ? data['workflow'] : undefined;
      graph = checkGraph(outline, isPlainObject(workflow) ? workflow['type'] : undefined, problems);
    }
    // Data flow needs a sound graph and readable steps; on a broken one it would only add noise.
    if (definition && graph && !problems.hasErrors) {
      checkDataFlow(definition, graph.graph, expressions, options.agentCatalog, problems);
    }
  }
  const located = sortProblems(problems.all.map((problem) => locate(problem, locator)));
  const clean = !located.some((problem) => problem.severity === 'error');
  return {
    ...(clean && definition ? { definition } : {}),
    ...(clean && graph ? { graph } : {}),
    expressions,
    problems: Object.freeze(located.map((problem) => Object.freeze(problem))),
  };
}

function locate(problem: UnlocatedProblem, locator: SourceLocator | undefined): Problem {
  const { target, ...rest } = problem;
  if (rest.line !== undefined || !locator) return rest;
  const position = locator.locate(rest.pointer, target ?? 'value');
  return position ? { ...rest, line: position.line, column: position.column } : rest;
}
