// Runs elkjs's layered layout off the main thread, so a large graph never freezes the page.
import ELK from 'elkjs/lib/elk.bundled.js';

interface Request {
  id: number;
  nodes: { id: string; width: number; height: number }[];
  edges: { id: string; from: string; to: string; label?: { text: string; width: number; height: number } }[];
}

const elk = new ELK();

self.onmessage = async (message: MessageEvent<Request>) => {
  const { id, nodes, edges } = message.data;
  try {
    const result = await elk.layout({
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'RIGHT',
        'elk.spacing.nodeNode': '40',
        'elk.layered.spacing.nodeNodeBetweenLayers': '70',
        // Conditions are edge labels: centred on their edge, with room around them, in the gap between layers.
        'elk.edgeLabels.placement': 'CENTER',
        'elk.spacing.edgeLabel': '8',
        'elk.layered.spacing.edgeNodeBetweenLayers': '30',
      },
      children: nodes,
      edges: edges.map((edge) => ({
        id: edge.id,
        sources: [edge.from],
        targets: [edge.to],
        ...(edge.label ? { labels: [edge.label] } : {}),
      })),
    });
    const positions: Record<string, { x: number; y: number }> = {};
    for (const child of result.children ?? []) positions[child.id] = { x: child.x ?? 0, y: child.y ?? 0 };
    self.postMessage({ id, positions });
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
};
