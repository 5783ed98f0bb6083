// Which steps have finished by the time a step starts. `settled` holds the steps that have settled on every
// path into it (finished, or skipped), `upstream` those that may have run at all, and `skippable` the steps that
// can be skipped (own conditions, or reached only through a branch that may not be taken).
import type { StepDefinition } from './types.js';
import { topologicalOrder, type StepGraph } from './workflow-graph.js';

export interface StepOrder {
  readonly settled: ReadonlyMap<string, ReadonlySet<string>>;
  readonly upstream: ReadonlyMap<string, ReadonlySet<string>>;
  readonly skippable: ReadonlySet<string>;
  /** A path from an entry step to `to` that never passes `avoiding`, or undefined when every path does. */
  pathAvoiding(to: string, avoiding: string): string[] | undefined;
}

export function stepOrderOf(graph: StepGraph, steps: ReadonlyMap<string, StepDefinition>): StepOrder {
  const settled = new Map<string, Set<string>>();
  const upstream = new Map<string, Set<string>>();
  const skippable = new Set<string>();
  for (const id of topologicalOrder(graph)) {
    const incoming = graph.incoming.get(id) ?? [];
    const normal = incoming.filter((edge) => edge.kind !== 'goto');
    const gotos = incoming.filter((edge) => edge.kind === 'goto');
    const after = (from: string, includeFrom: boolean): Set<string> => {
      const set = new Set(settled.get(from) ?? []);
      if (includeFrom) set.add(from);
      return set;
    };
    // `join: all` waits for every branch, so all of them have settled; `any` starts on whichever came first.
    // A goto starts the step directly, from a step that failed (and so has no output).
    const alternatives: Set<string>[] = [];
    if (normal.length > 0) {
      const branches = normal.map((edge) => after(edge.from, true));
      alternatives.push(...(steps.get(id)?.join === 'any' ? branches : [union(branches)]));
    }
    for (const edge of gotos) alternatives.push(after(edge.from, false));
    settled.set(id, alternatives.length === 0 ? new Set() : intersection(alternatives));
    const reach = new Set<string>();
    for (const edge of incoming) {
      reach.add(edge.from);
      for (const before of upstream.get(edge.from) ?? []) reach.add(before);
    }
    upstream.set(id, reach);
    const step = steps.get(id);
    const guarded = step?.type !== 'condition' && (step?.conditions?.length ?? 0) > 0;
    const branch = normal.some(
      (edge) => edge.conditional || steps.get(edge.from)?.type === 'condition' || skippable.has(edge.from),
    );
    if (guarded || (branch && gotos.length === 0)) skippable.add(id);
  }
  return {
    settled,
    upstream,
    skippable,
    pathAvoiding: (to, avoiding) => pathAvoiding(graph, to, avoiding),
  };
}

function union(sets: readonly Set<string>[]): Set<string> {
  const all = new Set<string>();
  for (const set of sets) for (const id of set) all.add(id);
  return all;
}

function intersection(sets: readonly Set<string>[]): Set<string> {
  const [first, ...rest] = sets;
  return new Set([...(first ?? [])].filter((id) => rest.every((set) => set.has(id))));
}

// Walks backwards from `to` over edges not leaving `avoiding` until an entry step, then reads the path forwards.
function pathAvoiding(graph: StepGraph, to: string, avoiding: string): string[] | undefined {
  const next = new Map<string, string>();
  const queue = [to];
  const seen = new Set([to]);
  while (queue.length > 0) {
    const current = queue.shift() as string;
    if (graph.entries.includes(current)) {
      const path = [current];
      while (path[path.length - 1] !== to) path.push(next.get(path[path.length - 1] as string) as string);
      return path;
    }
    for (const edge of graph.incoming.get(current) ?? []) {
      if (edge.from === avoiding || seen.has(edge.from)) continue;
      seen.add(edge.from);
      next.set(edge.from, current);
      queue.push(edge.from);
    }
  }
  return undefined;
}
