// The graph a definition describes, as the console draws it: steps as nodes, connections as edges. Without a
// `connections` key the steps run in the order listed, so the graph shows that implied chain.
export const STEP_KINDS = [
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
export type StepKind = (typeof STEP_KINDS)[number];

export interface GraphNode {
  id: string;
  kind: string;
  label: string;
  /** Index in `workflow.steps`. */
  index: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  condition?: string;
  /** Index in `workflow.connections`; undefined for an edge implied by the steps' order. */
  index?: number;
}

export interface WorkflowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  implicitOrder: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads what it can: a half-written definition still draws the steps that are there. */
export function graphOf(definition: unknown): WorkflowGraph {
  const root = isRecord(definition) && isRecord(definition.workflow) ? definition.workflow : definition;
  const workflow = isRecord(root) ? root : {};
  const steps = Array.isArray(workflow.steps) ? workflow.steps : [];
  const nodes: GraphNode[] = [];
  steps.forEach((step, index) => {
    if (!isRecord(step) || typeof step.id !== 'string' || step.id === '') return;
    if (nodes.some((node) => node.id === step.id)) return;
    nodes.push({
      id: step.id,
      kind: typeof step.type === 'string' ? step.type : '?',
      label: typeof step.name === 'string' ? step.name : step.id,
      index,
    });
  });
  const edges: GraphEdge[] = [];
  const known = new Set(nodes.map((node) => node.id));
  const implicitOrder = !Array.isArray(workflow.connections);
  if (implicitOrder) {
    for (let i = 1; i < nodes.length; i += 1) {
      const previous = nodes[i - 1]!;
      if (previous.kind === 'end' || previous.kind === 'fail') continue;
      edges.push({ from: previous.id, to: nodes[i]!.id });
    }
  } else {
    (workflow.connections as unknown[]).forEach((connection, index) => {
      if (!isRecord(connection)) return;
      const { from, to, condition } = connection;
      if (typeof from !== 'string' || typeof to !== 'string' || !known.has(from) || !known.has(to)) return;
      edges.push({ from, to, index, ...(typeof condition === 'string' ? { condition } : {}) });
    });
  }
  return { nodes, edges, implicitOrder };
}
