// Graph edits as minimal edits of the YAML document. The text is the source of truth: each edit parses it
// with the `yaml` package's Document API, changes only the nodes concerned and prints it back, so comments,
// key order and the formatting of untouched parts survive.
import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq, type Document } from 'yaml';
import { graphOf, type GraphEdge, type StepKind, type WorkflowGraph } from './workflow-graph';

export const NEW_WORKFLOW = `# A new workflow. Drag steps from the palette, connect them by their handles;
# every change to the graph is written here, and every change here redraws the graph.
workflow:
  name: my-workflow
  steps: []
  connections: []
`;

export interface Parsed {
  graph: WorkflowGraph;
  /** YAML syntax errors, located; the server's validator reports the rest. */
  syntaxErrors: { message: string; line: number; column: number }[];
}

export function parseWorkflow(text: string): Parsed {
  const doc = parseDocument(text, { prettyErrors: true });
  const syntaxErrors = doc.errors.map((error) => ({
    message: error.message.split('\n')[0] ?? error.message,
    line: error.linePos?.[0]?.line ?? 1,
    column: error.linePos?.[0]?.col ?? 1,
  }));
  let data: unknown = undefined;
  try {
    data = doc.toJS();
  } catch {
    data = undefined;
  }
  return { graph: graphOf(data), syntaxErrors };
}

/** Where the steps and connections live: under `workflow:` when the document has that wrapper. */
function base(doc: Document): string[] {
  return isMap(doc.contents) && doc.has('workflow') ? ['workflow'] : [];
}

function edit(text: string, change: (doc: Document, at: string[]) => void): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error('fix the YAML syntax errors first');
  if (doc.contents === null) doc.contents = doc.createNode({ workflow: { name: 'my-workflow' } }) as never;
  change(doc, base(doc));
  return doc.toString({ lineWidth: 0, flowCollectionPadding: usesFlowPadding(text) });
}

/**
 * Whether the document writes its flow collections with inner spaces (`[ a, b ]`) or without (`[a, b]`): the
 * printer applies one style to every flow collection, so it follows the first one the author wrote.
 */
function usesFlowPadding(text: string): boolean {
  const first = /[:-][ \t]+[[{]([ \t]?)[^\s\]}]/.exec(text);
  return first?.[1] === ' ';
}

/** The sequence at path, created (block style) when absent; a flow-style `[]` turns into block style. */
function seqAt(doc: Document, path: string[]): YAMLSeq {
  let node = doc.getIn(path, true);
  if (!isSeq(node)) {
    node = new YAMLSeq();
    doc.setIn(path, node);
  }
  const seq = node as YAMLSeq;
  if (seq.items.length === 0) seq.flow = false;
  return seq;
}

/** The fields a new step of each kind needs to be valid, so a dropped step starts out runnable. */
function templateFor(kind: StepKind, agent?: { type: string; action: string }): Record<string, unknown> {
  switch (kind) {
    case 'agent':
      return { agent_type: agent?.type ?? 'my-agent', action: agent?.action ?? 'my_action' };
    case 'validation':
      return { parameters: { schema: { type: 'object' } } };
    case 'condition':
      return { conditions: [{ expression: 'true', operator: 'equals' }] };
    case 'transform':
      return { output: '$' };
    case 'delay':
      return { duration: '1s' };
    case 'wait_for_event':
      return { event_type: 'approval.given', timeout: '1h' };
    case 'sub_workflow':
      return { workflow: 'other-workflow' };
    case 'fail':
      return { message: 'failed on purpose' };
    case 'end':
      return {};
  }
}

export function freeStepId(graph: WorkflowGraph, kind: string): string {
  const taken = new Set(graph.nodes.map((node) => node.id));
  for (let n = 1; ; n += 1) {
    const id = `${kind}_${n}`;
    if (!taken.has(id)) return id;
  }
}

/**
 * Appends a step. When the document relies on the implied order (no `connections`), that order is written out
 * first, so adding an unconnected step does not silently rewire the others.
 */
export function addStep(
  text: string,
  kind: StepKind,
  id: string,
  agent?: { type: string; action: string },
): string {
  const before = parseWorkflow(text).graph;
  return edit(text, (doc, at) => {
    if (before.implicitOrder && before.edges.length > 0) writeOutOrder(doc, at, before.edges);
    const step = doc.createNode({ id, type: kind, ...templateFor(kind, agent) });
    seqAt(doc, [...at, 'steps']).items.push(step);
    if (before.implicitOrder && before.edges.length === 0) seqAt(doc, [...at, 'connections']);
  });
}

function writeOutOrder(doc: Document, at: string[], edges: GraphEdge[]): void {
  const seq = seqAt(doc, [...at, 'connections']);
  for (const edge of edges) {
    const connection = doc.createNode({ from: edge.from, to: edge.to }) as YAMLMap;
    connection.flow = true;
    seq.items.push(connection);
  }
}

export function connect(text: string, from: string, to: string, condition?: string): string {
  const before = parseWorkflow(text).graph;
  return edit(text, (doc, at) => {
    if (before.implicitOrder) writeOutOrder(doc, at, before.edges);
    const connection = doc.createNode({ from, to, ...(condition ? { condition } : {}) }) as YAMLMap;
    connection.flow = true;
    seqAt(doc, [...at, 'connections']).items.push(connection);
  });
}

/** Sets (or with an empty string removes) a connection's condition. */
export function setCondition(text: string, index: number, condition: string): string {
  return edit(text, (doc, at) => {
    const path = [...at, 'connections', index, 'condition'];
    if (condition.trim() === '') doc.deleteIn(path);
    else doc.setIn(path, condition);
  });
}

export function removeConnection(text: string, index: number): string {
  return edit(text, (doc, at) => {
    doc.deleteIn([...at, 'connections', index]);
  });
}

/** Removes a step and every connection touching it. */
export function removeStep(text: string, stepId: string): string {
  const graph = parseWorkflow(text).graph;
  const node = graph.nodes.find((candidate) => candidate.id === stepId);
  if (!node) return text;
  return edit(text, (doc, at) => {
    const touching = graph.edges
      .filter((edge) => edge.index !== undefined && (edge.from === stepId || edge.to === stepId))
      .map((edge) => edge.index!)
      .sort((a, b) => b - a);
    for (const index of touching) doc.deleteIn([...at, 'connections', index]);
    doc.deleteIn([...at, 'steps', node.index]);
  });
}

/** Sets one field of a step (an empty string removes it); renaming `id` also renames its connections. */
export function setStepField(text: string, stepId: string, key: string, value: string): string {
  const graph = parseWorkflow(text).graph;
  const node = graph.nodes.find((candidate) => candidate.id === stepId);
  if (!node) return text;
  return edit(text, (doc, at) => {
    const path = [...at, 'steps', node.index, key];
    if (value === '' && key !== 'id') doc.deleteIn(path);
    else doc.setIn(path, value);
    if (key === 'id') {
      for (const edge of graph.edges) {
        if (edge.index === undefined) continue;
        if (edge.from === stepId) doc.setIn([...at, 'connections', edge.index, 'from'], value);
        if (edge.to === stepId) doc.setIn([...at, 'connections', edge.index, 'to'], value);
      }
    }
  });
}

/** The 1-based line a JSON pointer's node starts at, to put a node's marks next to the editor's lines. */
export function stepIndexOfPointer(pointer: string): number | undefined {
  const match = /^\/(?:workflow\/)?steps\/(\d+)(?:\/|$)/.exec(pointer);
  return match ? Number(match[1]) : undefined;
}

/** Sets a top-level field of the workflow (`name`, `description`). */
export function setWorkflowField(text: string, key: 'name' | 'description', value: string): string {
  return edit(text, (doc, at) => {
    if (value === '' && key !== 'name') doc.deleteIn([...at, key]);
    else doc.setIn([...at, key], value);
  });
}

/**
 * Puts a new step into an existing connection `from → to`: the connection now ends at the new step (keeping its
 * condition, which decides whether the path is taken) and a new one leads on from it to the old target.
 */
export function insertStep(
  text: string,
  kind: StepKind,
  id: string,
  into: { from: string; to: string },
  agent?: { type: string; action: string },
): string {
  const before = parseWorkflow(text).graph;
  if (!before.edges.some((edge) => edge.from === into.from && edge.to === into.to)) {
    throw new Error(`there is no connection ${into.from} → ${into.to}`);
  }
  return edit(text, (doc, at) => {
    if (before.implicitOrder) writeOutOrder(doc, at, before.edges);
    const connections = seqAt(doc, [...at, 'connections']);
    const index = connections.items.findIndex(
      (item) => isMap(item) && item.get('from') === into.from && item.get('to') === into.to,
    );
    (connections.items[index] as YAMLMap).set('to', id);
    const onward = doc.createNode({ from: id, to: into.to }) as YAMLMap;
    onward.flow = true;
    connections.items.splice(index + 1, 0, onward);
    seqAt(doc, [...at, 'steps']).items.push(doc.createNode({ id, type: kind, ...templateFor(kind, agent) }));
  });
}
