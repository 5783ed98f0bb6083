// Rules about how steps connect: unique ids, edges naming real steps, no cycles, every step reachable, terminal
// steps with nothing after them, and the `type` label against the graph's shape.
import type { GraphOutline } from './graph-outline.js';
import type { ProblemList } from './problem.js';
import { didYouMean } from './suggest.js';
import type { WorkflowType } from './types.js';
import { buildStepGraph, findCycles, reachableFrom, type StepGraph } from './workflow-graph.js';
import { labelMismatch, shapeOf, type WorkflowShape } from './workflow-type.js';

export interface GraphCheck {
  readonly graph: StepGraph;
  readonly shape: WorkflowShape;
}

export function checkGraph(outline: GraphOutline, declaredType: unknown, problems: ProblemList): GraphCheck {
  checkDuplicateIds(outline, problems);
  const ids = new Set(outline.steps.map((step) => step.id));
  checkReferences(outline, ids, problems);
  const graph = buildStepGraph(outline);
  checkDuplicateConnections(outline, problems);
  checkTerminalSteps(outline, graph, problems);
  const cycles = findCycles(graph);
  for (const cycle of cycles) {
    const first = graph.steps.get(cycle[0] as string);
    problems.error(
      first?.pointer ?? '/workflow/steps',
      'cycle',
      `steps form a cycle: ${cycle.join(' → ')}; workflows must be acyclic (repeat a step with retry_policy instead)`,
    );
  }
  checkReachability(outline, graph, problems);
  checkJoins(graph, problems);
  const shape = shapeOf(outline, graph);
  if (typeof declaredType === 'string') {
    const mismatch = labelMismatch(declaredType as WorkflowType, shape);
    if (mismatch !== undefined) {
      problems.warning(
        '/workflow/type',
        'type-mismatch',
        `workflow type '${declaredType}' does not match the graph: ${mismatch} (computed type: ${shape.type})`,
      );
    }
  }
  return { graph, shape };
}

function checkDuplicateIds(outline: GraphOutline, problems: ProblemList): void {
  const firstIndex = new Map<string, number>();
  for (const step of outline.steps) {
    const first = firstIndex.get(step.id);
    if (first === undefined) firstIndex.set(step.id, step.index);
    else
      problems.error(
        `${step.pointer}/id`,
        'duplicate-step-id',
        `duplicate step id '${step.id}' (already used by steps[${first}])`,
      );
  }
}

function checkReferences(outline: GraphOutline, ids: ReadonlySet<string>, problems: ProblemList): void {
  for (const edge of outline.connections) {
    for (const end of ['from', 'to'] as const) {
      if (!ids.has(edge[end])) {
        problems.error(
          `${edge.pointer}/${end}`,
          'unknown-step',
          `connection ${end} '${edge[end]}' names no step${didYouMean(edge[end], ids)}`,
        );
      }
    }
  }
  for (const step of outline.steps) {
    if (step.gotoTarget !== undefined && !ids.has(step.gotoTarget)) {
      problems.error(
        `${step.pointer}/on_failure/goto`,
        'unknown-step',
        `step '${step.id}': on_failure goto '${step.gotoTarget}' names no step${didYouMean(step.gotoTarget, ids)}`,
      );
    }
  }
}

function checkDuplicateConnections(outline: GraphOutline, problems: ProblemList): void {
  const seen = new Set<string>();
  for (const edge of outline.connections) {
    const key = `${edge.from}\u0000${edge.to}`;
    if (seen.has(key)) {
      problems.error(
        edge.pointer,
        'duplicate-connection',
        `connection ${edge.from} → ${edge.to} is listed more than once`,
      );
    }
    seen.add(key);
  }
}

function checkTerminalSteps(outline: GraphOutline, graph: StepGraph, problems: ProblemList): void {
  for (const step of outline.steps) {
    if (step.type !== 'end' && step.type !== 'fail') continue;
    const after = (graph.outgoing.get(step.id) ?? []).filter((edge) => edge.kind !== 'goto');
    if (after.length === 0) continue;
    const what = step.type === 'end' ? 'finishes the execution' : 'fails the execution';
    problems.error(
      after[0]?.kind === 'sequence' ? step.pointer : (after[0]?.pointer ?? step.pointer),
      'step-after-terminal',
      after[0]?.kind === 'sequence'
        ? `step '${step.id}' ${what}, so '${after[0].to}' listed after it would never run; add 'connections' or move it last`
        : `step '${step.id}' ${what}, so it cannot lead to ${after.map((edge) => `'${edge.to}'`).join(', ')}`,
    );
  }
}

function checkReachability(outline: GraphOutline, graph: StepGraph, problems: ProblemList): void {
  if (graph.ids.length === 0) return;
  if (graph.entries.length === 0) {
    problems.error(
      '/workflow/steps',
      'no-entry-step',
      'no step can start the workflow: every step has an incoming connection',
    );
  }
  const reached = reachableFrom(graph, graph.entries);
  for (const id of graph.ids) {
    if (reached.has(id)) continue;
    const step = graph.steps.get(id);
    problems.error(
      step?.pointer ?? '/workflow/steps',
      'unreachable-step',
      `step '${id}' is unreachable: no path leads to it from a starting step (${graph.entries.join(', ') || 'none'})`,
    );
  }
  // With connections written out, a step no edge touches would silently start on its own; that is a mistake far
  // more often than a wish (an explicit `connections: []` asks for all steps to start at once).
  if (!outline.connectionsGiven || outline.connections.length === 0 || graph.ids.length < 2) return;
  for (const id of graph.ids) {
    const touched = (graph.incoming.get(id)?.length ?? 0) + (graph.outgoing.get(id)?.length ?? 0) > 0;
    if (touched) continue;
    const step = graph.steps.get(id);
    problems.error(
      step?.pointer ?? '/workflow/steps',
      'disconnected-step',
      `step '${id}' appears in no connection, so it would start on its own alongside ${graph.entries.filter((entry) => entry !== id).join(', ')}; connect it`,
    );
  }
}

function checkJoins(graph: StepGraph, problems: ProblemList): void {
  for (const id of graph.ids) {
    const step = graph.steps.get(id);
    const incoming = (graph.incoming.get(id) ?? []).filter((edge) => edge.kind !== 'goto').length;
    if (step?.hasJoin && incoming < 2) {
      problems.warning(
        `${step.pointer}/join`,
        'join-without-effect',
        `step '${id}': join has no effect on a step with ${incoming === 0 ? 'no incoming connection' : 'one incoming connection'}`,
      );
    }
  }
}
