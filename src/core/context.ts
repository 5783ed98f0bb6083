// The data expressions see, by the expression module's one rule (src/expression/evaluation-scope.ts): the
// workflow input overlaid with output-contributing steps' outputs in completion order, and every output under its id.
import { buildExecutionScope, type EvaluationScope, type FinishedStep } from '../expression/index.js';
import type { Json, WorkflowGraph } from './graph.js';
import type { ExecutionState } from './model.js';

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

/** Control steps' bookkeeping outputs (`passed`) stay under their ids and never shadow data. */
function finished(graph: WorkflowGraph, stepId: string, output: Json | undefined): FinishedStep {
  return {
    stepId,
    output: output ?? null,
    mergeIntoContext: graph.steps.get(stepId)?.contributesOutput ?? false,
  };
}

/** The execution's output when the workflow does not map one: the last output-contributing step's output. */
export function defaultOutput(graph: WorkflowGraph, state: ExecutionState): Json {
  for (let index = state.completed.length - 1; index >= 0; index--) {
    const stepId = state.completed[index]!;
    if (graph.steps.get(stepId)?.contributesOutput) return state.steps[stepId]?.output ?? null;
  }
  const last = state.completed.at(-1);
  return last === undefined ? null : (state.steps[last]?.output ?? null);
}
