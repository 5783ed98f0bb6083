// Assembles the CompiledWorkflow from a definition that passed every check. Pure bookkeeping: all judgement
// happened during validation, so nothing here can fail.
import type { CompiledExpression } from '../expression/index.js';
import type {
  CompiledEdge,
  CompiledStep,
  CompiledTrigger,
  CompiledWorkflow,
  FailurePolicy,
} from './compiled-types.js';
import { deepFreeze, frozenMap } from './deep-freeze.js';
import type { ExpressionTable } from './expression-table.js';
import { millis, resolveRetryPolicy } from './retry-defaults.js';
import type { StepDefinition, StepType, TriggerDefinition, WorkflowDefinition } from './types.js';
import { topologicalOrder, type StepGraph } from './workflow-graph.js';
import type { WorkflowShape } from './workflow-type.js';

const CONTROL_STEPS: ReadonlySet<StepType> = new Set(['condition', 'delay', 'end', 'fail']);

export function buildCompiledWorkflow(
  definition: WorkflowDefinition,
  graph: StepGraph,
  shape: WorkflowShape,
  expressions: ExpressionTable,
): CompiledWorkflow {
  const expression = (pointer: string): CompiledExpression | undefined => expressions.get(pointer);
  const required = (pointer: string): CompiledExpression => {
    const found = expressions.get(pointer);
    if (!found) throw new Error(`internal: no compiled expression at ${pointer}`);
    return found;
  };
  const steps = definition.steps.map((step, index) => compileStep(step, index, graph, expression, required));
  const workflow: CompiledWorkflow = {
    name: definition.name,
    ...(definition.description === undefined ? {} : { description: definition.description }),
    type: definition.type ?? shape.type,
    ...(definition.type === undefined ? {} : { declaredType: definition.type }),
    computedType: shape.type,
    features: frozenMap(shape.features),
    ...optional('timeoutMs', millis(definition.timeout)),
    ...optional('inputSchema', definition.input_schema),
    ...optional('output', expression('/workflow/output')),
    triggers: definition.triggers.map((trigger, index) =>
      compileTrigger(trigger, `/workflow/triggers/${index}`, expression),
    ),
    steps: frozenMap(steps.map((step) => [step.id, step] as const)),
    stepOrder: steps.map((step) => step.id),
    entrySteps: [...graph.entries],
    topologicalOrder: topologicalOrder(graph),
    definition,
  };
  return deepFreeze(workflow);
}

function compileStep(
  step: StepDefinition,
  index: number,
  graph: StepGraph,
  expression: (pointer: string) => CompiledExpression | undefined,
  required: (pointer: string) => CompiledExpression,
): CompiledStep {
  const at = `/workflow/steps/${index}`;
  const incoming = graph.incoming.get(step.id) ?? [];
  const predecessors = incoming.filter((edge) => edge.kind !== 'goto').map((edge) => edge.from);
  const join = step.join ?? 'all';
  const successors = (graph.outgoing.get(step.id) ?? [])
    .filter((edge) => edge.kind !== 'goto')
    .map((edge): CompiledEdge => {
      const condition = edge.kind === 'connection' ? expression(`${edge.pointer}/condition`) : undefined;
      return condition === undefined ? { to: edge.to } : { to: edge.to, condition };
    });
  const compensateInput = expression(`${at}/compensate/input`);
  return {
    id: step.id,
    type: step.type,
    index,
    ...optional('name', step.name),
    ...optional('description', step.description),
    conditions: (step.conditions ?? []).map((_, position) =>
      required(`${at}/conditions/${position}/expression`),
    ),
    join,
    predecessors,
    joinCount: join === 'all' ? predecessors.length : Math.min(1, predecessors.length),
    gotoSources: incoming.filter((edge) => edge.kind === 'goto').map((edge) => edge.from),
    successors,
    ...optional('input', expression(`${at}/input`)),
    ...optional('timeoutMs', millis(step.timeout)),
    retry: resolveRetryPolicy(step.retry_policy),
    onFailure: failurePolicy(step),
    ...(step.compensate === undefined
      ? {}
      : {
          compensate: {
            agentType: step.compensate.agent_type,
            action: step.compensate.action,
            ...optional('input', compensateInput),
          },
        }),
    contributesOutput: !CONTROL_STEPS.has(step.type),
    ...typeSpecific(step, at, expression, required),
  };
}

function typeSpecific(
  step: StepDefinition,
  at: string,
  expression: (pointer: string) => CompiledExpression | undefined,
  required: (pointer: string) => CompiledExpression,
): Partial<CompiledStep> {
  switch (step.type) {
    case 'agent':
      return {
        agent: {
          agentType: step.agent_type ?? '',
          action: step.action ?? '',
          ...optional('parameters', step.parameters),
        },
      };
    case 'validation': {
      const requiredFields = step.parameters?.['required_fields'];
      return {
        validation: {
          requiredFields: Array.isArray(requiredFields) ? (requiredFields as string[]) : [],
          ...optional('schema', step.parameters?.['schema'] ?? undefined),
        },
      };
    }
    case 'transform':
      return { transform: { output: required(`${at}/output`) } };
    case 'delay':
      return optional('delayMs', millis(step.duration));
    case 'wait_for_event':
      return {
        waitForEvent: {
          eventType: step.event_type ?? '',
          ...optional('correlation', expression(`${at}/correlation`)),
        },
      };
    case 'sub_workflow':
      return { subWorkflow: { workflow: step.workflow ?? '', ...optional('version', step.version) } };
    case 'fail':
      return optional('failMessage', step.message);
    case 'condition':
    case 'end':
      return {};
  }
}

function failurePolicy(step: StepDefinition): FailurePolicy {
  const onFailure = step.on_failure ?? 'fail';
  if (onFailure === 'fail' || onFailure === 'continue') return { kind: onFailure };
  return { kind: 'goto', target: onFailure.goto };
}

function compileTrigger(
  trigger: TriggerDefinition,
  at: string,
  expression: (pointer: string) => CompiledExpression | undefined,
): CompiledTrigger {
  switch (trigger.type) {
    case 'schedule':
      return {
        type: 'schedule',
        schedule: trigger.schedule,
        timezone: trigger.timezone ?? 'UTC',
        catchUp: trigger.catch_up ?? 'skip',
      };
    case 'event':
      return {
        type: 'event',
        eventType: trigger.event_type,
        ...optional('topic', trigger.topic),
        ...optional('filter', expression(`${at}/filter`)),
        ...optional('input', expression(`${at}/input`)),
      };
    case 'manual':
    case 'api':
      return { type: trigger.type };
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
