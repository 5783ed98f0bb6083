// The step graph as adjacency lists: normal edges (connections, or listed order when none are given) plus
// failure edges (`on_failure: {goto}`). Both count for cycles and reachability.
import type { GraphOutline, OutlineEdge, OutlineStep } from './graph-outline.js';

export interface StepGraph {
  readonly ids: readonly string[];
  readonly steps: ReadonlyMap<string, OutlineStep>;
  /** Normal edges whose both ends name existing steps. */
  readonly edges: readonly OutlineEdge[];
  /** Goto edges whose both ends name existing steps. */
  readonly gotoEdges: readonly OutlineEdge[];
  readonly outgoing: ReadonlyMap<string, readonly OutlineEdge[]>;
  readonly incoming: ReadonlyMap<string, readonly OutlineEdge[]>;
  /** Steps with no incoming edge of either kind: where an execution starts. */
  readonly entries: readonly string[];
}

export function buildStepGraph(outline: GraphOutline): StepGraph {
  const steps = new Map<string, OutlineStep>();
  for (const step of outline.steps) if (!steps.has(step.id)) steps.set(step.id, step);
  const ids = [...steps.keys()];
  // A duplicated id is reported elsewhere; only its first occurrence takes part in the graph.
  const normal = outline.connectionsGiven ? outline.connections : sequenceEdges([...steps.values()]);
  const edges = dedupe(normal.filter((edge) => steps.has(edge.from) && steps.has(edge.to)));
  const gotoEdges = [...steps.values()]
    .filter((step) => step.gotoTarget !== undefined && steps.has(step.gotoTarget))
    .map((step): OutlineEdge => ({
      from: step.id,
      to: step.gotoTarget as string,
      kind: 'goto',
      conditional: false,
      pointer: `${step.pointer}/on_failure/goto`,
    }));
  const outgoing = new Map<string, OutlineEdge[]>(ids.map((id) => [id, []]));
  const incoming = new Map<string, OutlineEdge[]>(ids.map((id) => [id, []]));
  for (const edge of [...edges, ...gotoEdges]) {
    outgoing.get(edge.from)?.push(edge);
    incoming.get(edge.to)?.push(edge);
  }
  const entries = ids.filter((id) => (incoming.get(id)?.length ?? 0) === 0);
  return { ids, steps, edges, gotoEdges, outgoing, incoming, entries };
}

function sequenceEdges(steps: readonly OutlineStep[]): OutlineEdge[] {
  return steps.slice(1).map((step, index) => ({
    from: (steps[index] as OutlineStep).id,
    to: step.id,
    kind: 'sequence',
    conditional: false,
    pointer: step.pointer,
  }));
}

function dedupe(edges: readonly OutlineEdge[]): OutlineEdge[] {
  const seen = new Set<string>();
  return edges.filter((edge) => {
    const key = `${edge.from}\u0000${edge.to}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every cycle's steps, in edge order, one list per strongly connected component (Tarjan, iterative). */
export function findCycles(graph: StepGraph): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const start of graph.ids) {
    if (index.has(start)) continue;
    const work: { id: string; next: number }[] = [{ id: start, next: 0 }];
    index.set(start, counter);
    lowLink.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { id: string; next: number };
      const edges = graph.outgoing.get(frame.id) ?? [];
      if (frame.next < edges.length) {
        const to = (edges[frame.next++] as OutlineEdge).to;
        if (!index.has(to)) {
          index.set(to, counter);
          lowLink.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ id: to, next: 0 });
        } else if (onStack.has(to)) {
          lowLink.set(frame.id, Math.min(lowLink.get(frame.id) ?? 0, index.get(to) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) lowLink.set(parent.id, Math.min(lowLink.get(parent.id) ?? 0, lowLink.get(frame.id) ?? 0));
      if (lowLink.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        const selfLoop = (graph.outgoing.get(frame.id) ?? []).some((edge) => edge.to === frame.id);
        if (component.length > 1 || selfLoop) components.push(cyclePath(graph, new Set(component)));
      }
    }
  }
  return components;
}

// A readable path around one component: start at its first-listed step and follow edges inside it back home.
function cyclePath(graph: StepGraph, members: ReadonlySet<string>): string[] {
  const start = graph.ids.find((id) => members.has(id)) as string;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const edge of graph.outgoing.get(current) ?? []) {
      if (!members.has(edge.to)) continue;
      if (edge.to === start) {
        const path = [current];
        while (path[0] !== start) path.unshift(previous.get(path[0] as string) as string);
        return [...path, start];
      }
      if (!previous.has(edge.to)) {
        previous.set(edge.to, current);
        queue.push(edge.to);
      }
    }
  }
  return [start, start];
}

/** Steps reachable from the entries along both kinds of edge. */
export function reachableFrom(graph: StepGraph, entries: readonly string[]): Set<string> {
  const reached = new Set<string>(entries);
  const queue = [...entries];
  while (queue.length > 0) {
    const current = queue.pop() as string;
    for (const edge of graph.outgoing.get(current) ?? []) {
      if (!reached.has(edge.to)) {
        reached.add(edge.to);
        queue.push(edge.to);
      }
    }
  }
  return reached;
}

/** A topological order of an acyclic graph (Kahn), ties broken by listing order. */
export function topologicalOrder(graph: StepGraph): string[] {
  const remaining = new Map(graph.ids.map((id) => [id, graph.incoming.get(id)?.length ?? 0]));
  const ready = graph.ids.filter((id) => remaining.get(id) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const current = ready.shift() as string;
    order.push(current);
    for (const edge of graph.outgoing.get(current) ?? []) {
      const left = (remaining.get(edge.to) ?? 0) - 1;
      remaining.set(edge.to, left);
      if (left === 0) ready.push(edge.to);
    }
  }
  return order;
}
