// Structural validation of a whole document into a WorkflowDefinition: the top level, triggers, connections, and
// each step through read-step. Reports every problem it can find; returns a definition only when none is an error.
import type { AgentCatalog } from './agent-catalog.js';
import { checkCron } from './cron.js';
import { FieldReader, type ReaderContext } from './field-reader.js';
import { childPointer } from './json-pointer.js';
import { checkJsonSchema } from './json-schema-check.js';
import { CONNECTION_KEYS, DOCUMENT_KEYS, TRIGGER_KEYS_BY_TYPE, WORKFLOW_KEYS } from './known-keys.js';
import type { DefinitionLimits } from './limits.js';
import { describeValue, isPlainObject, type PlainValue } from './plain-data.js';
import { readStep, withoutUndefined } from './read-step.js';
import { isValidTimeZone } from './timezone.js';
import {
  TRIGGER_TYPES,
  WORKFLOW_TYPES,
  type ConnectionDefinition,
  type StepDefinition,
  type TriggerDefinition,
  type TriggerType,
  type WorkflowDefinition,
} from './types.js';

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export function readDefinition(
  data: PlainValue,
  context: ReaderContext,
  limits: DefinitionLimits,
  catalog: AgentCatalog | undefined,
): WorkflowDefinition | undefined {
  const { problems } = context;
  if (!isPlainObject(data)) {
    problems.error(
      '',
      'wrong-type',
      `the document must be a map with a 'workflow' key, not ${describeValue(data)}`,
    );
    return undefined;
  }
  const document = new FieldReader(data, '', '', context);
  if (!document.has('workflow') && (document.has('steps') || document.has('name'))) {
    problems.error('', 'missing-key', "the definition must sit under a top-level 'workflow:' key");
    return undefined;
  }
  document.checkKeys(DOCUMENT_KEYS);
  const root = document.map('workflow', { required: true });
  if (root === undefined) return undefined;
  const workflow = document.nested('/workflow', root, '');
  workflow.checkKeys(WORKFLOW_KEYS);

  const before = problems.all.length;
  const name = workflow.string('name', { required: true });
  const inputSchema = workflow.raw('input_schema');
  if (inputSchema !== undefined && inputSchema !== null) {
    checkJsonSchema(inputSchema, workflow.at('input_schema'), 'input_schema', problems);
  }
  const fields = {
    name,
    description: workflow.string('description'),
    type: workflow.oneOf('type', WORKFLOW_TYPES),
    timeout: workflow.duration('timeout'),
    input_schema: inputSchema ?? undefined,
    output: workflow.expression('output'),
    triggers: readTriggers(workflow),
    steps: readSteps(workflow, limits, catalog),
    connections: readConnections(workflow),
  };
  const failed = problems.all.slice(before).some((problem) => problem.severity === 'error');
  if (failed || problems.hasErrors || fields.steps === undefined || name === undefined) return undefined;
  return withoutUndefined({ ...fields, triggers: fields.triggers ?? [] }) as unknown as WorkflowDefinition;
}

function readSteps(
  workflow: FieldReader,
  limits: DefinitionLimits,
  catalog: AgentCatalog | undefined,
): StepDefinition[] | undefined {
  const list = workflow.list('steps', { required: true });
  if (list === undefined) return undefined;
  if (list.length === 0) {
    workflow.error('steps', 'missing-key', 'steps must list at least one step');
    return undefined;
  }
  if (list.length > limits.maxSteps) {
    workflow.error(
      'steps',
      'too-many-steps',
      `a workflow may have at most ${limits.maxSteps} steps (found ${list.length})`,
    );
    return undefined;
  }
  const steps: StepDefinition[] = [];
  let complete = true;
  list.forEach((item, index) => {
    const pointer = childPointer(workflow.at('steps'), index);
    if (!isPlainObject(item)) {
      workflow.problems.error(
        pointer,
        'wrong-type',
        `steps[${index}] must be a map, not ${describeValue(item)}`,
      );
      complete = false;
      return;
    }
    const id = typeof item['id'] === 'string' ? item['id'] : undefined;
    const label = id === undefined ? `steps[${index}]` : `step '${id}'`;
    const step = readStep(workflow.nested(pointer, item, label), catalog);
    if (step) steps.push(step);
    else complete = false;
  });
  return complete ? steps : undefined;
}

function readTriggers(workflow: FieldReader): TriggerDefinition[] | undefined {
  const list = workflow.list('triggers');
  if (list === undefined) return undefined;
  const triggers: TriggerDefinition[] = [];
  list.forEach((item, index) => {
    const pointer = childPointer(workflow.at('triggers'), index);
    const label = `triggers[${index}]`;
    if (!isPlainObject(item)) {
      workflow.problems.error(
        pointer,
        'wrong-type',
        `${label} must be a map with a 'type', not ${describeValue(item)}`,
      );
      return;
    }
    const trigger = workflow.nested(pointer, item, '', label);
    const type = trigger.oneOf('type', TRIGGER_TYPES, { required: true });
    if (type === undefined) return;
    trigger.checkKeys(TRIGGER_KEYS_BY_TYPE[type], (key) => misplacedTriggerKey(key, type));
    const read = triggerReaders[type](trigger);
    if (read) triggers.push(read);
  });
  return triggers;
}

function misplacedTriggerKey(key: string, type: TriggerType): string | undefined {
  const owners = TRIGGER_TYPES.filter((other) => other !== type && TRIGGER_KEYS_BY_TYPE[other].includes(key));
  return owners.length === 0
    ? undefined
    : `'${key}' does not apply to a ${type} trigger (it belongs to ${owners.join(', ')} triggers)`;
}

const triggerReaders: Record<TriggerType, (trigger: FieldReader) => TriggerDefinition | undefined> = {
  schedule: (trigger) => {
    const schedule = trigger.string('schedule', {
      required: true,
      hint: ": a cron expression such as '0 9 * * 1-5'",
    });
    if (schedule !== undefined) {
      const cron = checkCron(schedule);
      if (!cron.ok)
        trigger.error('schedule', 'invalid-cron', `${trigger.name('schedule')} '${schedule}' ${cron.reason}`);
    }
    const timezone = trigger.string('timezone');
    if (timezone !== undefined && !isValidTimeZone(timezone)) {
      trigger.error(
        'timezone',
        'invalid-timezone',
        `${trigger.name('timezone')} '${timezone}' is not an IANA time zone name (such as 'Europe/Berlin' or 'UTC')`,
      );
    }
    const catchUp = trigger.oneOf('catch_up', ['skip', 'one'] as const);
    if (schedule === undefined) return undefined;
    return withoutUndefined({ type: 'schedule', schedule, timezone, catch_up: catchUp }) as TriggerDefinition;
  },
  event: (trigger) => {
    const eventType = trigger.string('event_type', { required: true });
    const topic = trigger.string('topic');
    if (topic !== undefined && !TOPIC_NAME.test(topic)) {
      trigger.error(
        'topic',
        'invalid-value',
        `${trigger.name('topic')} '${topic}' is not a valid Kafka topic name`,
      );
    }
    const filter = trigger.expression('filter');
    const input = trigger.expression('input');
    if (eventType === undefined) return undefined;
    return withoutUndefined({
      type: 'event',
      event_type: eventType,
      topic,
      filter,
      input,
    }) as TriggerDefinition;
  },
  manual: () => ({ type: 'manual' }),
  api: () => ({ type: 'api' }),
};

function readConnections(workflow: FieldReader): ConnectionDefinition[] | undefined {
  const list = workflow.list('connections');
  if (list === undefined) return undefined;
  const connections: ConnectionDefinition[] = [];
  list.forEach((item, index) => {
    const pointer = childPointer(workflow.at('connections'), index);
    const label = `connections[${index}]`;
    if (!isPlainObject(item)) {
      workflow.problems.error(
        pointer,
        'wrong-type',
        `${label} must be a map with 'from' and 'to', not ${describeValue(item)}`,
      );
      return;
    }
    const connection = workflow.nested(pointer, item, '', label);
    connection.checkKeys(CONNECTION_KEYS);
    const from = connection.string('from', { required: true });
    const to = connection.string('to', { required: true });
    const condition = connection.expression('condition');
    if (from !== undefined && to !== undefined) {
      connections.push(withoutUndefined({ from, to, condition }) as ConnectionDefinition);
    }
  });
  return connections;
}
