// The parsed definition: the user's document after structural validation, keys as the user wrote them
// (snake_case). Values are still the source strings (durations, expressions); `compileWorkflow` resolves them.
import type { PlainObject, PlainValue } from './plain-data.js';

export const WORKFLOW_TYPES = ['sequential', 'parallel', 'conditional', 'event-driven', 'hybrid'] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

export const STEP_TYPES = [
  'agent',
  'validation',
  'condition',
  'transform',
  'delay',
  'wait_for_event',
  'sub_workflow',
  'end',
  'fail',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const TRIGGER_TYPES = ['schedule', 'event', 'manual', 'api'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export type JoinMode = 'all' | 'any';
export type CatchUp = 'skip' | 'one';

export interface WorkflowDefinition {
  readonly name: string;
  readonly description?: string;
  readonly type?: WorkflowType;
  readonly timeout?: string;
  readonly input_schema?: PlainValue;
  readonly output?: string;
  readonly triggers: readonly TriggerDefinition[];
  readonly steps: readonly StepDefinition[];
  /** Absent: the steps run in the order listed. */
  readonly connections?: readonly ConnectionDefinition[];
}

export type TriggerDefinition =
  | {
      readonly type: 'schedule';
      readonly schedule: string;
      readonly timezone?: string;
      readonly catch_up?: CatchUp;
    }
  | {
      readonly type: 'event';
      readonly event_type: string;
      readonly topic?: string;
      readonly filter?: string;
      readonly input?: string;
    }
  | { readonly type: 'manual' }
  | { readonly type: 'api' };

export interface ConditionDefinition {
  readonly expression: string;
  /** A label for readers (the seed writes e.g. `greater_or_equal`); the expression alone decides. */
  readonly operator?: string;
}

export interface RetryPolicyDefinition {
  readonly max_attempts?: number;
  readonly backoff_factor?: number;
  readonly initial_interval?: string;
  readonly max_interval?: string;
  readonly jitter?: boolean;
  readonly non_retryable_errors?: readonly string[];
}

export type OnFailureDefinition = 'fail' | 'continue' | { readonly goto: string };

export interface CompensationDefinition {
  readonly agent_type: string;
  readonly action: string;
  readonly input?: string;
}

export interface StepDefinition {
  readonly id: string;
  readonly type: StepType;
  readonly name?: string;
  readonly description?: string;
  readonly conditions?: readonly ConditionDefinition[];
  readonly join?: JoinMode;
  readonly input?: string;
  readonly timeout?: string;
  readonly retry_policy?: RetryPolicyDefinition;
  readonly on_failure?: OnFailureDefinition;
  readonly compensate?: CompensationDefinition;
  // agent
  readonly agent_type?: string;
  readonly action?: string;
  // agent (free-form options passed along) and validation (`required_fields`, `schema`)
  readonly parameters?: PlainObject;
  // transform
  readonly output?: string;
  // delay
  readonly duration?: string;
  // wait_for_event
  readonly event_type?: string;
  readonly correlation?: string;
  // sub_workflow
  readonly workflow?: string;
  readonly version?: number;
  // fail
  readonly message?: string;
}

export interface ConnectionDefinition {
  readonly from: string;
  readonly to: string;
  readonly condition?: string;
}

/** The whole document: everything lives under `workflow:`. */
export interface DefinitionDocument {
  readonly workflow: WorkflowDefinition;
}
