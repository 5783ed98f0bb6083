// Which keys may appear where. Unknown keys are errors (a misspelt `timeout` silently ignored would be worse),
// and a key that belongs to another step type is called out as such.
import type { StepType, TriggerType } from './types.js';

export const DOCUMENT_KEYS = ['workflow'] as const;

export const WORKFLOW_KEYS = [
  'name',
  'description',
  'type',
  'timeout',
  'input_schema',
  'output',
  'triggers',
  'steps',
  'connections',
] as const;

export const COMMON_STEP_KEYS = [
  'id',
  'type',
  'name',
  'description',
  'conditions',
  'join',
  'input',
  'timeout',
  'retry_policy',
  'on_failure',
  'compensate',
] as const;

export const STEP_KEYS_BY_TYPE: Readonly<Record<StepType, readonly string[]>> = {
  agent: ['agent_type', 'action', 'parameters'],
  validation: ['parameters'],
  condition: [],
  transform: ['output'],
  delay: ['duration'],
  wait_for_event: ['event_type', 'correlation'],
  sub_workflow: ['workflow', 'version'],
  end: [],
  fail: ['message'],
};

export const TRIGGER_KEYS_BY_TYPE: Readonly<Record<TriggerType, readonly string[]>> = {
  schedule: ['type', 'schedule', 'timezone', 'catch_up'],
  event: ['type', 'event_type', 'topic', 'filter', 'input'],
  manual: ['type'],
  api: ['type'],
};

export const CONDITION_KEYS = ['expression', 'operator'] as const;
export const CONNECTION_KEYS = ['from', 'to', 'condition'] as const;
export const RETRY_POLICY_KEYS = [
  'max_attempts',
  'backoff_factor',
  'initial_interval',
  'max_interval',
  'jitter',
  'non_retryable_errors',
] as const;
export const COMPENSATE_KEYS = ['agent_type', 'action', 'input'] as const;
export const VALIDATION_PARAMETER_KEYS = ['required_fields', 'schema'] as const;
export const ON_FAILURE_GOTO_KEYS = ['goto'] as const;

/** Step types that own a type-specific key, for "belongs to … steps" hints. */
export function stepTypesOwning(key: string): StepType[] {
  return (Object.entries(STEP_KEYS_BY_TYPE) as [StepType, readonly string[]][])
    .filter(([, keys]) => keys.includes(key))
    .map(([type]) => type);
}
