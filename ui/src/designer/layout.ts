// Node positions for a graph: elkjs in a web worker; a simple longest-path layering where workers are absent
// (component tests) or the worker fails.
import type { WorkflowGraph } from './workflow-graph';

export type Positions = Record<string, { x: number; y: number }>;
export const NODE_WIDTH = 170;
export const NODE_HEIGHT = 54;

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, (positions: Positions | undefined) => void>();

function layoutWorker(): Worker | undefined {
  if (typeof Worker === 'undefined') return undefined;
  if (!worker) {
    worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (message: MessageEvent<{ id: number; positions?: Positions }>) => {
      pending.get(message.data.id)?.(message.data.positions);
      pending.delete(message.data.id);
    };
  }
  return worker;
}

/** Each layout is a `designer-layout` performance measure, which the measuring of docs/console.md reads. */
export async function layout(graph: WorkflowGraph): Promise<Positions> {
  const started = performance.now();
  const positions = await layoutOf(graph);
  performance.measure('designer-layout', { start: started, detail: { nodes: graph.nodes.length } });
  return positions;
}

async function layoutOf(graph: WorkflowGraph): Promise<Positions> {
  const target = layoutWorker();
  if (target && graph.nodes.length > 0) {
    const id = (nextId += 1);
    const positions = await new Promise<Positions | undefined>((resolve) => {
      pending.set(id, resolve);
      target.postMessage({
        id,
        nodes: graph.nodes.map((node) => ({ id: node.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
        edges: graph.edges.map((edge, n) => ({
          id: `e${n}`,
          from: edge.from,
          to: edge.to,
          ...(edge.condition ? { label: labelSize(edge.condition) } : {}),
        })),
      });
    });
    if (positions) return positions;
  }
  return layeredFallback(graph);
}

/**
 * The room an edge label takes, as drawn by React Flow (12px text, 4px padding on each side). ELK's layered
 * algorithm puts such a label between the layers and widens the gap to fit it, so a condition is never hidden
 * under the nodes it joins.
 */
export function labelSize(text: string): { text: string; width: number; height: number } {
  return { text, width: Math.ceil(text.length * 7) + 12, height: 22 };
}

export function layeredFallback(graph: WorkflowGraph): Positions {
  const depth = new Map<string, number>(graph.nodes.map((node) => [node.id, 0]));
  // Longest path from a root, bounded by the node count so a cycle cannot loop forever.
  for (let round = 0; round < graph.nodes.length; round += 1) {
    let changed = false;
    for (const edge of graph.edges) {
      const next = (depth.get(edge.from) ?? 0) + 1;
      if (next > (depth.get(edge.to) ?? 0)) {
        depth.set(edge.to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rows = new Map<number, number>();
  const positions: Positions = {};
  for (const node of graph.nodes) {
    const layer = depth.get(node.id) ?? 0;
    const row = rows.get(layer) ?? 0;
    rows.set(layer, row + 1);
    positions[node.id] = { x: layer * (NODE_WIDTH + 70), y: row * (NODE_HEIGHT + 40) };
  }
  return positions;
}
