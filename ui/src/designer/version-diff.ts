// Which steps differ between two versions of a workflow: by step id, added, removed or changed (any field), and
// whether the connections changed. The text diff shows how; this says where, so the graph can mark it.
import { graphOf } from './workflow-graph';

export type StepChange = 'added' | 'removed' | 'changed';

function stepsById(definition: unknown): Map<string, string> {
  const root = (definition as { workflow?: unknown } | null)?.workflow ?? definition;
  const steps = (root as { steps?: unknown } | null)?.steps;
  const byId = new Map<string, string>();
  if (!Array.isArray(steps)) return byId;
  for (const step of steps) {
    const id = (step as { id?: unknown } | null)?.id;
    if (typeof id === 'string') byId.set(id, JSON.stringify(step));
  }
  return byId;
}

export function stepChanges(
  before: unknown,
  after: unknown,
): { steps: { id: string; change: StepChange }[]; connectionsChanged: boolean } {
  const old = stepsById(before);
  const now = stepsById(after);
  const steps: { id: string; change: StepChange }[] = [];
  for (const [id, text] of now) {
    if (!old.has(id)) steps.push({ id, change: 'added' });
    else if (old.get(id) !== text) steps.push({ id, change: 'changed' });
  }
  for (const id of old.keys()) if (!now.has(id)) steps.push({ id, change: 'removed' });
  const edges = (definition: unknown) =>
    graphOf(definition)
      .edges.map((edge) => `${edge.from}>${edge.to}?${edge.condition ?? ''}`)
      .sort()
      .join('\n');
  return { steps, connectionsChanged: edges(before) !== edges(after) };
}
