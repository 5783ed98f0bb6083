// What the router needs to know about a compiled workflow. The definition compiler produces it; the core
// only reads it. Expressions arrive pre-compiled, so routing never parses anything.
import type { CompiledExpression } from '../expression/index.js';

export type { CompiledExpression } from '../expression/index.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type StepType =
  | 'agent'
  | 'validation'
  | 'condition'
  | 'transform'
  | 'delay'
  | 'wait_for_event'
  | 'sub_workflow'
  | 'end'
  | 'fail';

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

export interface GraphEdge {
  readonly to: string;
  readonly condition?: CompiledExpression;
}

export interface GraphStep {
  readonly id: string;
  readonly type: StepType;
  /** Gate on any step but a condition step: all must hold or the step is skipped. */
  readonly conditions: readonly CompiledExpression[];
  readonly join: 'all' | 'any';
  /** Steps with a normal connection into this one (goto targets are not counted). */
  readonly predecessors: readonly string[];
  readonly successors: readonly GraphEdge[];
  readonly input?: CompiledExpression;
  readonly timeoutMs?: number;
  readonly retry: RetryPolicy;
  readonly onFailure: FailurePolicy;
  readonly compensate?: {
    readonly agentType: string;
    readonly action: string;
    readonly input?: CompiledExpression;
  };
  readonly agent?: { readonly agentType: string; readonly action: string };
  readonly validation?: {
    readonly requiredFields: readonly string[];
    /** Returns readable problems; empty when the value conforms. */
    readonly validate?: (value: unknown) => readonly string[];
  };
  readonly transform?: { readonly output: CompiledExpression };
  readonly delayMs?: number;
  readonly waitForEvent?: { readonly eventType: string; readonly correlation?: CompiledExpression };
  readonly subWorkflow?: { readonly workflow: string; readonly version?: number };
  /** For a `fail` step: the reason recorded on the execution. */
  readonly failMessage?: string;
}

export interface WorkflowGraph {
  readonly workflowId: string;
  readonly name: string;
  readonly version: number;
  readonly timeoutMs?: number;
  readonly entrySteps: readonly string[];
  readonly steps: ReadonlyMap<string, GraphStep>;
  readonly output?: CompiledExpression;
  /** Checks a start's input; returns readable problems, empty when valid. */
  readonly validateInput?: (input: unknown) => readonly string[];
}
