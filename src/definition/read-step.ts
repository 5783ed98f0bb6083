// Structural checks of one step: keys, types, per-type requirements. Cross-step rules (ids, edges, cycles) are
// the graph checker's job.
import type { AgentCatalog } from './agent-catalog.js';
import { parseDuration } from './duration.js';
import type { FieldReader } from './field-reader.js';
import { childPointer } from './json-pointer.js';
import { checkJsonSchema } from './json-schema-check.js';
import {
  COMMON_STEP_KEYS,
  COMPENSATE_KEYS,
  CONDITION_KEYS,
  ON_FAILURE_GOTO_KEYS,
  RETRY_POLICY_KEYS,
  STEP_KEYS_BY_TYPE,
  VALIDATION_PARAMETER_KEYS,
  stepTypesOwning,
} from './known-keys.js';
import { describeValue, isPlainObject } from './plain-data.js';
import { didYouMean } from './suggest.js';
import {
  STEP_TYPES,
  type CompensationDefinition,
  type ConditionDefinition,
  type OnFailureDefinition,
  type RetryPolicyDefinition,
  type StepDefinition,
  type StepType,
} from './types.js';

export const STEP_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const MAX_ATTEMPTS_LIMIT = 100;

export function readStep(step: FieldReader, catalog: AgentCatalog | undefined): StepDefinition | undefined {
  const id = readId(step);
  const type = readType(step);
  const allowed = type === undefined ? allStepKeys() : [...COMMON_STEP_KEYS, ...STEP_KEYS_BY_TYPE[type]];
  step.checkKeys(allowed, (key) => misplacedKey(key, type));
  if (type === undefined) {
    // Still check the shared keys so one run reports as much as possible.
    readCommon(step, undefined, catalog);
    return undefined;
  }
  const common = readCommon(step, type, catalog);
  const specific = readSpecific(step, type, catalog);
  if (id === undefined || common === undefined || specific === undefined) return undefined;
  return { id, type, ...common, ...specific };
}

function allStepKeys(): string[] {
  return [...COMMON_STEP_KEYS, ...Object.values(STEP_KEYS_BY_TYPE).flat()];
}

function misplacedKey(key: string, type: StepType | undefined): string | undefined {
  const owners = stepTypesOwning(key);
  if (type === undefined || owners.length === 0) return undefined;
  return `'${key}' does not apply to a ${type} step (it belongs to ${owners.map((owner) => `${owner}`).join(', ')} steps)`;
}

function readId(step: FieldReader): string | undefined {
  const id = step.string('id', { required: true });
  if (id === undefined) return undefined;
  if (!STEP_ID_PATTERN.test(id)) {
    step.error(
      'id',
      'invalid-step-id',
      `step id '${id}' must start with a letter and contain only letters, digits, '_' and '-' (at most 64 characters)`,
    );
    return undefined;
  }
  return id;
}

function readType(step: FieldReader): StepType | undefined {
  const type = step.raw('type');
  if (type === undefined || type === null) {
    step.missing('type', ` (one of ${STEP_TYPES.join(', ')})`);
    return undefined;
  }
  if (typeof type === 'string' && (STEP_TYPES as readonly string[]).includes(type)) return type as StepType;
  const suggestion = typeof type === 'string' ? didYouMean(type, STEP_TYPES) : '';
  step.error(
    'type',
    'unknown-step-type',
    `${step.label}: unknown step type ${typeof type === 'string' ? `'${type}'` : describeValue(type)}${suggestion}; ` +
      `valid types are ${STEP_TYPES.join(', ')}`,
  );
  return undefined;
}

type CommonFields = Omit<StepDefinition, 'id' | 'type'>;

function readCommon(
  step: FieldReader,
  type: StepType | undefined,
  catalog: AgentCatalog | undefined,
): CommonFields | undefined {
  const before = step.problems.all.length;
  const conditions = readConditions(step, type === 'condition');
  const fields: Record<string, unknown> = {
    name: step.string('name'),
    description: step.string('description'),
    conditions,
    join: step.oneOf('join', ['all', 'any'] as const),
    input: step.expression('input'),
    timeout: step.duration('timeout'),
    retry_policy: readRetryPolicy(step),
    on_failure: readOnFailure(step),
    compensate: readCompensate(step, catalog),
  };
  if (hasNewErrors(step, before)) return undefined;
  return withoutUndefined(fields) as CommonFields;
}

function readConditions(step: FieldReader, required: boolean): ConditionDefinition[] | undefined {
  const list = step.list('conditions');
  if (list === undefined) {
    if (required) step.missing('conditions', ': a condition step decides its routing with them');
    return undefined;
  }
  if (required && list.length === 0) {
    step.error('conditions', 'missing-key', `${step.name('conditions')} must list at least one condition`);
  }
  const conditions: ConditionDefinition[] = [];
  list.forEach((item, index) => {
    const pointer = childPointer(step.at('conditions'), index);
    const label = `${step.label}: conditions[${index}]`;
    if (!isPlainObject(item)) {
      step.problems.error(
        pointer,
        'wrong-type',
        `${label} must be a map with an 'expression', not ${describeValue(item)}`,
      );
      return;
    }
    const reader = step.nested(pointer, item, step.owner, `conditions[${index}]`);
    reader.checkKeys(CONDITION_KEYS);
    const expression = reader.expression('expression', { required: true });
    const operator = reader.string('operator');
    if (expression !== undefined)
      conditions.push(withoutUndefined({ expression, operator }) as ConditionDefinition);
  });
  return conditions;
}

function readRetryPolicy(step: FieldReader): RetryPolicyDefinition | undefined {
  const map = step.map('retry_policy');
  if (map === undefined) return undefined;
  const policy = step.child('retry_policy', map);
  policy.checkKeys(RETRY_POLICY_KEYS);
  const initial = policy.duration('initial_interval');
  const max = policy.duration('max_interval');
  if (initial !== undefined && max !== undefined) {
    const initialMs = (parseDuration(initial) as { ms: number }).ms;
    const maxMs = (parseDuration(max) as { ms: number }).ms;
    if (initialMs > maxMs) {
      policy.error(
        'initial_interval',
        'out-of-range',
        `${policy.name('initial_interval')} (${initial}) must not be longer than ${policy.name('max_interval').split(': ').at(-1) ?? 'max_interval'} (${max})`,
      );
    }
  }
  return withoutUndefined({
    max_attempts: policy.number('max_attempts', { integer: true, min: 1, max: MAX_ATTEMPTS_LIMIT }),
    backoff_factor: policy.number('backoff_factor', { min: 1, max: 100 }),
    initial_interval: initial,
    max_interval: max,
    jitter: policy.boolean('jitter'),
    non_retryable_errors: policy.stringList('non_retryable_errors'),
  }) as RetryPolicyDefinition;
}

function readOnFailure(step: FieldReader): OnFailureDefinition | undefined {
  const value = step.raw('on_failure');
  if (value === undefined || value === null) return undefined;
  if (value === 'fail' || value === 'continue') return value;
  if (isPlainObject(value)) {
    const reader = step.child('on_failure', value);
    reader.checkKeys(ON_FAILURE_GOTO_KEYS);
    const target = reader.string('goto', { required: true });
    return target === undefined ? undefined : { goto: target };
  }
  step.error(
    'on_failure',
    'invalid-value',
    `${step.name('on_failure')} must be 'fail', 'continue' or {goto: <step id>}, not ${describeValue(value)}` +
      (typeof value === 'string' ? didYouMean(value, ['fail', 'continue']) : ''),
  );
  return undefined;
}

function readCompensate(
  step: FieldReader,
  catalog: AgentCatalog | undefined,
): CompensationDefinition | undefined {
  const map = step.map('compensate');
  if (map === undefined) return undefined;
  const reader = step.child('compensate', map);
  reader.checkKeys(COMPENSATE_KEYS);
  const agentType = reader.string('agent_type', { required: true });
  const action = reader.string('action', { required: true });
  const input = reader.expression('input');
  if (agentType === undefined || action === undefined) return undefined;
  checkAgentType(reader, catalog, agentType);
  checkAction(reader, catalog, agentType, action, 'action');
  return withoutUndefined({ agent_type: agentType, action, input }) as CompensationDefinition;
}

type SpecificFields = Partial<StepDefinition>;

function readSpecific(
  step: FieldReader,
  type: StepType,
  catalog: AgentCatalog | undefined,
): SpecificFields | undefined {
  const before = step.problems.all.length;
  const fields = readersByType[type](step, catalog);
  return hasNewErrors(step, before) ? undefined : (withoutUndefined(fields) as SpecificFields);
}

const readersByType: Record<
  StepType,
  (step: FieldReader, catalog: AgentCatalog | undefined) => Record<string, unknown>
> = {
  agent: (step, catalog) => {
    const agentType = step.string('agent_type', { required: true, hint: ': which agent runs this step' });
    const action = step.string('action', { required: true, hint: ': what the agent is asked to do' });
    if (agentType !== undefined) checkAgentType(step, catalog, agentType);
    if (agentType !== undefined && action !== undefined)
      checkAction(step, catalog, agentType, action, 'action');
    return { agent_type: agentType, action, parameters: step.map('parameters') };
  },
  validation: (step) => {
    const parameters = step.map('parameters', { required: true });
    if (parameters === undefined) return {};
    const reader = step.child('parameters', parameters);
    reader.checkKeys(VALIDATION_PARAMETER_KEYS);
    const requiredFields = reader.stringList('required_fields');
    const schema = reader.raw('schema');
    if (schema !== undefined && schema !== null) {
      checkJsonSchema(schema, reader.at('schema'), reader.name('schema'), step.problems);
    }
    if (
      requiredFields === undefined &&
      (schema === undefined || schema === null) &&
      !reader.has('required_fields')
    ) {
      step.error(
        'parameters',
        'missing-key',
        `${step.name('parameters')} needs 'required_fields' or 'schema'`,
      );
    }
    return { parameters };
  },
  condition: () => ({}),
  transform: (step) => ({ output: step.expression('output', { required: true }) }),
  delay: (step) => ({ duration: step.duration('duration', { required: true }) }),
  wait_for_event: (step) => ({
    event_type: step.string('event_type', { required: true, hint: ': the event that resumes the execution' }),
    correlation: step.expression('correlation'),
  }),
  sub_workflow: (step) => ({
    workflow: step.string('workflow', { required: true, hint: ': the name of the workflow to run' }),
    version: step.number('version', { integer: true, min: 1 }),
  }),
  end: () => ({}),
  fail: (step) => ({ message: step.string('message') }),
};

/**
 * A warning, not an error: the agent may simply not be deployed yet. But a typo'd type would leave its
 * executions waiting for an agent that never comes, so say so while the author is still looking.
 */
function checkAgentType(reader: FieldReader, catalog: AgentCatalog | undefined, agentType: string): void {
  const announced = catalog?.announcedTypes?.();
  if (announced === undefined || announced.includes(agentType)) return;
  reader.problems.warning(
    reader.at('agent_type'),
    'unknown-agent-type',
    `${reader.name('agent_type')}: no agent of type '${agentType}' has ever announced itself` +
      `${didYouMean(agentType, announced)}; ` +
      (announced.length > 0
        ? `announced types are ${announced.join(', ')}`
        : 'no agent has announced itself yet'),
  );
}

export function checkAction(
  reader: FieldReader,
  catalog: AgentCatalog | undefined,
  agentType: string,
  action: string,
  key: string,
): void {
  const actions = catalog?.actionsOf(agentType);
  if (actions === undefined || actions.includes(action)) return;
  reader.error(
    key,
    'unknown-action',
    `${reader.name(key)}: agent '${agentType}' has no action '${action}'${didYouMean(action, actions)}; ` +
      `its actions are ${actions.join(', ')}`,
  );
}

function hasNewErrors(step: FieldReader, before: number): boolean {
  return step.problems.all.slice(before).some((problem) => problem.severity === 'error');
}

export function withoutUndefined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
