// The data expressions see, by the expression module's one rule (src/expression/evaluation-scope.ts): the
// workflow input overlaid with data-producing steps' outputs in completion order, and every output under its id.
import { buildExecutionScope, type EvaluationScope, type FinishedStep } from '../expression/index.js';
import type { GraphStep, Json, WorkflowGraph } from './graph.js';
import type { ExecutionState } from './model.js';

/** Control steps' bookkeeping outputs (`valid`, `passed`) stay under their ids and never shadow data. */
const DATA_PRODUCING: ReadonlySet<GraphStep['type']> = new Set([
  'agent',
  'transform',
  'sub_workflow',
  'wait_for_event',
]);

/** `extra` is a step output not yet recorded in the state (deciding the edges of the step that produced it). */
export function expressionScope(
  graph: WorkflowGraph,
  state: ExecutionState,
  extra?: { stepId: string; output: Json },
): EvaluationScope {
  const finishedSteps: FinishedStep[] = state.completed.map((stepId) =>
    finished(graph, stepId, state.steps[stepId]?.output),
  );
  if (extra) finishedSteps.push(finished(graph, extra.stepId, extra.output));
  return buildExecutionScope({ input: state.input, finishedSteps });
}

function finished(graph: WorkflowGraph, stepId: string, output: Json | undefined): FinishedStep {
  const type = graph.steps.get(stepId)?.type;
  return { stepId, output: output ?? null, mergeIntoContext: type !== undefined && DATA_PRODUCING.has(type) };
}

/** The execution's output when the workflow does not map one: the last data-producing step's output. */
export function defaultOutput(graph: WorkflowGraph, state: ExecutionState): Json {
  for (let index = state.completed.length - 1; index >= 0; index--) {
    const stepId = state.completed[index]!;
    const type = graph.steps.get(stepId)?.type;
    if (type && DATA_PRODUCING.has(type)) return state.steps[stepId]?.output ?? null;
  }
  const last = state.completed.at(-1);
  return last === undefined ? null : (state.steps[last]?.output ?? null);
}
