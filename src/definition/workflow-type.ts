// What kind of workflow the graph is, from its shape, and whether a declared `type` label agrees. A mismatch is
// only a warning: the label documents intent, the graph decides behaviour.
import type { GraphOutline } from './graph-outline.js';
import type { WorkflowType } from './types.js';
import type { StepGraph } from './workflow-graph.js';

export type WorkflowFeature = 'parallel' | 'conditional' | 'event-driven';

export interface WorkflowShape {
  readonly features: ReadonlyMap<WorkflowFeature, string>;
  readonly type: WorkflowType;
}

/** Each feature found, with the evidence a message can quote. */
export function shapeOf(outline: GraphOutline, graph: StepGraph): WorkflowShape {
  const features = new Map<WorkflowFeature, string>();
  // Conditional edges are alternatives, not parallel branches: only unconditional ones fan out.
  const together = (id: string) =>
    (graph.outgoing.get(id) ?? []).filter((edge) => edge.kind !== 'goto' && !edge.conditional);
  const fanOut = graph.ids.find((id) => together(id).length > 1);
  if (fanOut !== undefined) {
    features.set(
      'parallel',
      `step '${fanOut}' leads to ${together(fanOut)
        .map((edge) => edge.to)
        .join(', ')}`,
    );
  } else if (graph.entries.length > 1) {
    features.set('parallel', `steps ${graph.entries.join(', ')} all start at once`);
  }
  const conditionStep = outline.steps.find((step) => step.type === 'condition');
  const conditionalEdge = outline.connections.find((edge) => edge.conditional);
  const gatedStep = outline.steps.find((step) => step.hasConditions);
  if (conditionStep) features.set('conditional', `step '${conditionStep.id}' is a condition step`);
  else if (conditionalEdge)
    features.set('conditional', `connection ${conditionalEdge.from} → ${conditionalEdge.to} has a condition`);
  else if (gatedStep) features.set('conditional', `step '${gatedStep.id}' has conditions`);
  const waitStep = outline.steps.find((step) => step.type === 'wait_for_event');
  if (outline.hasEventTrigger) features.set('event-driven', 'it has an event trigger');
  else if (waitStep) features.set('event-driven', `step '${waitStep.id}' waits for an event`);
  return { features, type: typeFrom(features) };
}

function typeFrom(features: ReadonlyMap<WorkflowFeature, string>): WorkflowType {
  if (features.size === 0) return 'sequential';
  if (features.size > 1) return 'hybrid';
  return [...features.keys()][0] as WorkflowFeature;
}

/** Undefined when the label fits the shape; otherwise why it does not. */
export function labelMismatch(label: WorkflowType, shape: WorkflowShape): string | undefined {
  const { features } = shape;
  const evidence = (feature: WorkflowFeature) => `${feature} (${features.get(feature) ?? ''})`;
  switch (label) {
    case 'sequential': {
      const breaking = (['parallel', 'conditional'] as const).filter((feature) => features.has(feature));
      return breaking.length === 0 ? undefined : `the graph is ${breaking.map(evidence).join(' and ')}`;
    }
    case 'hybrid':
      return features.size >= 2
        ? undefined
        : features.size === 0
          ? 'the graph is a plain sequence'
          : `the graph is only ${[...features.keys()].map(evidence).join('')}`;
    default:
      return features.has(label)
        ? undefined
        : `the graph has nothing ${label} about it; it looks ${shape.type}`;
  }
}
