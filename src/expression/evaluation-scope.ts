// What an expression sees. One rule for every expression in a workflow (conditions, step inputs, transforms,
// the workflow output), so users learn it once:
//
//   root object = the workflow input's fields
//               + the fields of each finished step's output, merged in completion order (latest wins)
//               + each finished step's output under its step id (ids win over same-named fields)
//   $input      = the workflow input, untouched
//   $steps      = { <step id>: <output> } for every finished step
//
// So `quality_score >= 75` finds `quality_score` in whichever step reported it last (or in the input), while
// `generate_content.quality_score` and `$steps.generate_content.quality_score` name one step explicitly.

export interface FinishedStep {
  readonly stepId: string;
  readonly output: unknown;
  /**
   * Whether the output's fields join the root object. Control steps (condition, delay, end, fail) pass false so
   * that their bookkeeping fields (`passed`) never shadow data.
   */
  readonly mergeIntoContext?: boolean;
}

export interface EvaluationScope {
  readonly root: unknown;
  readonly bindings: Readonly<Record<string, unknown>>;
}

export interface ExecutionContextInput {
  readonly input: unknown;
  /** Finished steps in the order they finished. */
  readonly finishedSteps: readonly FinishedStep[];
}

export function buildExecutionScope({ input, finishedSteps }: ExecutionContextInput): EvaluationScope {
  const root = Object.create(null) as Record<string, unknown>;
  copyFields(input, root);
  for (const step of finishedSteps) {
    if (step.mergeIntoContext !== false) copyFields(step.output, root);
  }
  const steps = Object.create(null) as Record<string, unknown>;
  for (const step of finishedSteps) {
    root[step.stepId] = step.output;
    steps[step.stepId] = step.output;
  }
  return { root, bindings: { input, steps } };
}

/** Event triggers' `filter` and `input` see the event's data as the root, and the whole CloudEvent as `$event`. */
export function buildEventScope(
  event: Readonly<Record<string, unknown>> & { data?: unknown },
): EvaluationScope {
  return { root: event.data, bindings: { event } };
}

function copyFields(source: unknown, target: Record<string, unknown>): void {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return;
  for (const [key, value] of Object.entries(source)) {
    target[key] = value;
  }
}
