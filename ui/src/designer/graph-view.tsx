// A workflow graph drawn with React Flow: the designer's canvas (editable) and the execution page's picture
// (read-only, coloured by step status). Positions come from the layout; React Flow only draws and reports.
import {
  type NodeChange,
  Background,
  Controls,
  Handle,
  MiniMap,
  Position,
  ReactFlow,
  type Connection,
  type Edge,
  type Node,
  type NodeProps,
  type ReactFlowInstance,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState, type DragEvent } from 'react';
import { layout, type Positions } from './layout';
import type { WorkflowGraph } from './workflow-graph';

export interface StepNodeData extends Record<string, unknown> {
  stepId: string;
  kind: string;
  label: string;
  status?: string;
  problems?: string[];
  selected?: boolean;
  /** On a versions diff: how this step differs from the older version. */
  change?: string;
}

function StepNode({ data }: NodeProps<Node<StepNodeData>>) {
  return (
    <div
      className={`step-node kind-${data.kind} ${data.status ? `status-${data.status}` : ''} ${
        data.problems?.length ? 'has-problem' : ''
      } ${data.selected ? 'is-selected' : ''} ${data.change ? `change-${data.change}` : ''}`}
      data-testid={`node-${data.stepId}`}
      {...(data.change ? { 'data-change': data.change } : {})}
      title={data.problems?.join('\n')}
    >
      <Handle type="target" position={Position.Left} data-testid={`handle-in-${data.stepId}`} />
      <div className="step-kind">{data.kind}</div>
      {/* Step ids and names are user text: React renders them as text, never as HTML. */}
      <div className="step-label">{data.label}</div>
      {data.status !== undefined && (
        <div className="step-status" data-testid={`step-status-${data.stepId}`} data-status={data.status}>
          {data.status}
        </div>
      )}
      {data.problems?.length ? (
        <div className="step-problem" data-testid={`node-problem-${data.stepId}`}>
          ⚠ {data.problems.length}
        </div>
      ) : null}
      <Handle type="source" position={Position.Right} data-testid={`handle-out-${data.stepId}`} />
    </div>
  );
}

const nodeTypes = { step: StepNode };

export interface GraphViewProps {
  graph: WorkflowGraph;
  statuses?: Record<string, string>;
  problems?: Record<string, string[]>;
  changes?: Record<string, string>;
  selected?: { kind: 'node'; id: string } | { kind: 'edge'; index: number };
  editable?: boolean;
  onConnect?(from: string, to: string): void;
  onSelect?(selection: { kind: 'node'; id: string } | { kind: 'edge'; index: number } | undefined): void;
  /** A palette kind dropped on the canvas, or (with `into`) onto a connection to insert it there. */
  onDropKind?(kind: string, into?: { from: string; to: string }): void;
}

export function GraphView(props: GraphViewProps) {
  const { graph, statuses, problems, selected, editable } = props;
  // The positions with the graph shape they were computed for; `fitted` is the shape last laid out and fitted
  // to the view, shown as the canvas's data-layout (ready/pending) so tests can wait for the graph to settle.
  const [laidOut, setLaidOut] = useState<{ shape: string; positions: Positions }>({
    shape: '',
    positions: {},
  });
  const [fitted, setFitted] = useState<string | undefined>();
  /** `from>to` of the connection a palette step is being dragged over. */
  const [dropTarget, setDropTarget] = useState<string | undefined>();
  const positions = laidOut.positions;
  // The nodes are rebuilt from the YAML on every render, so React Flow's measured sizes must be carried over:
  // a node without `measured` stays hidden until its size changes, which it may never do.
  const [measured, setMeasured] = useState<Record<string, { width: number; height: number }>>({});
  const [flow, setFlow] = useState<ReactFlowInstance<Node<StepNodeData>, Edge> | undefined>();
  const shape = useMemo(
    () =>
      JSON.stringify([
        graph.nodes.map((node) => node.id),
        graph.edges.map((edge) => [edge.from, edge.to, edge.condition ?? '']),
      ]),
    [graph],
  );

  useEffect(() => {
    let current = true;
    void layout(graph).then((next) => {
      if (current) setLaidOut({ shape, positions: next });
    });
    return () => {
      current = false;
    };
    // Layout depends on the graph's shape and its edge labels (which take room); statuses do not move nodes.
  }, [shape]);

  useEffect(() => {
    if (!flow || laidOut.shape === '') return;
    void flow.fitView({ padding: 0.2 }).then(() => setFitted(laidOut.shape));
  }, [flow, laidOut]);

  const nodes: Node<StepNodeData>[] = graph.nodes.map((node) => ({
    id: node.id,
    type: 'step',
    position: positions[node.id] ?? { x: 0, y: node.index * 80 },
    data: {
      stepId: node.id,
      kind: node.kind,
      label: node.label,
      ...(statuses ? { status: statuses[node.id] ?? 'pending' } : {}),
      ...(problems?.[node.id] ? { problems: problems[node.id] } : {}),
      ...(props.changes?.[node.id] ? { change: props.changes[node.id] } : {}),
      selected: selected?.kind === 'node' && selected.id === node.id,
    },
    draggable: false,
    ...(measured[node.id] ? { measured: measured[node.id] } : {}),
  }));
  const edges: Edge[] = graph.edges.map((edge, n) => ({
    // The id names the ends too: when an edit re-points a connection, React Flow draws a new edge, not a stale one.
    id: `${edge.index === undefined ? `implied-${n}` : `c${edge.index}`}:${edge.from}>${edge.to}`,
    source: edge.from,
    target: edge.to,
    ...(edge.condition ? { label: edge.condition } : {}),
    animated: statuses !== undefined && statuses[edge.to] === 'running',
    selected: selected?.kind === 'edge' && selected.index === edge.index,
    ...(dropTarget === `${edge.from}>${edge.to}` ? { className: 'drop-target' } : {}),
    data: { index: edge.index },
  }));

  /** The connection under the pointer: React Flow draws a wide invisible path along each edge to catch it. */
  function connectionAt(x: number, y: number): { from: string; to: string } | undefined {
    for (const element of document.elementsFromPoint(x, y)) {
      const id = element.closest('.react-flow__edge')?.getAttribute('data-id');
      const edge = id ? edges.find((candidate) => candidate.id === id) : undefined;
      if (edge) return { from: edge.source, to: edge.target };
    }
    return undefined;
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDropTarget(undefined);
    const kind = event.dataTransfer.getData('application/x-percolator-step');
    if (!kind || !props.onDropKind) return;
    props.onDropKind(kind, connectionAt(event.clientX, event.clientY));
  }

  return (
    <div
      className="canvas"
      data-testid="canvas"
      data-layout={fitted === shape ? 'ready' : 'pending'}
      onDragOver={(event) => {
        if (!editable) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
        // Shows which connection a drop here would go into.
        const under = connectionAt(event.clientX, event.clientY);
        const key = under ? `${under.from}>${under.to}` : undefined;
        if (key !== dropTarget) setDropTarget(key);
      }}
      onDragLeave={() => setDropTarget(undefined)}
      onDrop={editable ? onDrop : undefined}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onInit={setFlow}
        onNodesChange={(changes: NodeChange[]) => {
          const sized = changes.flatMap((change) =>
            change.type === 'dimensions' && change.dimensions
              ? [[change.id, change.dimensions] as const]
              : [],
          );
          if (sized.length > 0) setMeasured((previous) => ({ ...previous, ...Object.fromEntries(sized) }));
        }}
        nodesConnectable={editable === true}
        nodesDraggable={false}
        elementsSelectable
        onConnect={(connection: Connection) => {
          if (connection.source && connection.target) props.onConnect?.(connection.source, connection.target);
        }}
        onNodeClick={(_, node) => props.onSelect?.({ kind: 'node', id: node.id })}
        onEdgeClick={(_, edge) => {
          const index = (edge.data as { index?: number } | undefined)?.index;
          if (index !== undefined) props.onSelect?.({ kind: 'edge', index });
        }}
        onPaneClick={() => props.onSelect?.(undefined)}
        minZoom={0.1}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
        {graph.nodes.length > 12 && <MiniMap pannable zoomable />}
      </ReactFlow>
    </div>
  );
}
