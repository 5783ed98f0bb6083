// The compiled workflow: what the execution core reads. Immutable, indexed, with every expression pre-compiled,
// every duration in milliseconds and every default filled in, so routing never parses or guesses.
import type { CompiledExpression } from '../expression/index.js';
import type { PlainValue } from './plain-data.js';
import type { CatchUp, JoinMode, StepType, WorkflowDefinition, WorkflowType } from './types.js';
import type { WorkflowFeature } from './workflow-type.js';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly backoffFactor: number;
  readonly initialIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly jitter: boolean;
  readonly nonRetryableErrors: readonly string[];
}

export type FailurePolicy =
  | { readonly kind: 'fail' }
  | { readonly kind: 'continue' }
  | { readonly kind: 'goto'; readonly target: string };

export interface CompiledEdge {
  readonly to: string;
  /** Taken only when this holds (JSONata truthiness). Absent: always taken when the source completes. */
  readonly condition?: CompiledExpression;
}

export interface CompiledStep {
  readonly id: string;
  readonly type: StepType;
  /** Position in the definition's `steps` list. */
  readonly index: number;
  readonly name?: string;
  readonly description?: string;
  /**
   * On any step but a condition step: all must hold or the step is skipped. On a condition step: they are its
   * verdict, which picks the outgoing connections (see `successors`).
   */
  readonly conditions: readonly CompiledExpression[];
  readonly join: JoinMode;
  /** Steps with a normal connection into this one. Goto sources are in `gotoSources`, not here. */
  readonly predecessors: readonly string[];
  /** How many of `predecessors` must settle before the step may start: all of them, or one for `join: any`. */
  readonly joinCount: number;
  /** Steps whose `on_failure: {goto}` jumps here. A goto starts its target directly, whatever its join. */
  readonly gotoSources: readonly string[];
  readonly successors: readonly CompiledEdge[];
  readonly input?: CompiledExpression;
  readonly timeoutMs?: number;
  readonly retry: RetryPolicy;
  readonly onFailure: FailurePolicy;
  readonly compensate?: {
    readonly agentType: string;
    readonly action: string;
    readonly input?: CompiledExpression;
  };
  /**
   * False for control steps (condition, delay, end, fail): their output stays under their id only, is not merged
   * into the expression context and never becomes the execution's default output.
   */
  readonly contributesOutput: boolean;
  readonly agent?: { readonly agentType: string; readonly action: string; readonly parameters?: PlainValue };
  readonly validation?: { readonly requiredFields: readonly string[]; readonly schema?: PlainValue };
  readonly transform?: { readonly output: CompiledExpression };
  readonly delayMs?: number;
  readonly waitForEvent?: { readonly eventType: string; readonly correlation?: CompiledExpression };
  readonly subWorkflow?: { readonly workflow: string; readonly version?: number };
  readonly failMessage?: string;
}

export type CompiledTrigger =
  | {
      readonly type: 'schedule';
      readonly schedule: string;
      readonly timezone: string;
      readonly catchUp: CatchUp;
    }
  | {
      readonly type: 'event';
      readonly eventType: string;
      readonly topic?: string;
      /** Evaluated against the event payload (root and `$event`). */
      readonly filter?: CompiledExpression;
      readonly input?: CompiledExpression;
    }
  | { readonly type: 'manual' }
  | { readonly type: 'api' };

export interface CompiledWorkflow {
  readonly name: string;
  readonly description?: string;
  /** The declared `type` when given, else the computed one. */
  readonly type: WorkflowType;
  readonly declaredType?: WorkflowType;
  readonly computedType: WorkflowType;
  /** The shapes found in the graph, each with a sentence of evidence. */
  readonly features: ReadonlyMap<WorkflowFeature, string>;
  readonly timeoutMs?: number;
  readonly inputSchema?: PlainValue;
  /** Maps the execution's output; absent: the output of the last output-contributing step to finish. */
  readonly output?: CompiledExpression;
  readonly triggers: readonly CompiledTrigger[];
  readonly steps: ReadonlyMap<string, CompiledStep>;
  /** Step ids in listed order. */
  readonly stepOrder: readonly string[];
  /** Steps with no incoming edge of any kind: they start when the execution starts. */
  readonly entrySteps: readonly string[];
  /** A topological order over connections and gotos (compensation runs finished steps in reverse finish order). */
  readonly topologicalOrder: readonly string[];
  /** The validated source, frozen. */
  readonly definition: WorkflowDefinition;
}
