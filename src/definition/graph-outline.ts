// The graph-relevant skeleton of a document, read forgivingly from raw data so graph rules (ids, edges, cycles,
// reachability) are reported even when some step has unrelated mistakes.
import { childPointer } from './json-pointer.js';
import { isPlainObject, type PlainValue } from './plain-data.js';
import { STEP_TYPES, type StepType } from './types.js';

export interface OutlineStep {
  readonly id: string;
  readonly index: number;
  readonly pointer: string;
  readonly type?: StepType;
  readonly gotoTarget?: string;
  readonly hasConditions: boolean;
  readonly hasJoin: boolean;
}

export type EdgeKind = 'connection' | 'sequence' | 'goto';

export interface OutlineEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly conditional: boolean;
  /** Where the edge is written: the connection, the `goto`, or (listed order) the target step. */
  readonly pointer: string;
}

export interface GraphOutline {
  readonly steps: readonly OutlineStep[];
  readonly connectionsGiven: boolean;
  readonly connections: readonly OutlineEdge[];
  readonly hasEventTrigger: boolean;
}

export function outlineOf(data: PlainValue | undefined): GraphOutline | undefined {
  if (!isPlainObject(data) || !isPlainObject(data['workflow'])) return undefined;
  const workflow = data['workflow'];
  const rawSteps = workflow['steps'];
  if (!Array.isArray(rawSteps)) return undefined;
  const steps: OutlineStep[] = [];
  rawSteps.forEach((raw, index) => {
    if (!isPlainObject(raw) || typeof raw['id'] !== 'string' || raw['id'] === '') return;
    const type = raw['type'];
    const onFailure = raw['on_failure'];
    const gotoTarget =
      isPlainObject(onFailure) && typeof onFailure['goto'] === 'string' ? onFailure['goto'] : undefined;
    const conditions = raw['conditions'];
    steps.push({
      id: raw['id'],
      index,
      pointer: `/workflow/steps/${index}`,
      ...(typeof type === 'string' && (STEP_TYPES as readonly string[]).includes(type)
        ? { type: type as StepType }
        : {}),
      ...(gotoTarget === undefined ? {} : { gotoTarget }),
      hasConditions: Array.isArray(conditions) && conditions.length > 0,
      hasJoin: raw['join'] !== undefined && raw['join'] !== null,
    });
  });
  const rawConnections = workflow['connections'];
  const connectionsGiven = Array.isArray(rawConnections);
  const connections: OutlineEdge[] = [];
  if (Array.isArray(rawConnections)) {
    rawConnections.forEach((raw, index) => {
      if (!isPlainObject(raw) || typeof raw['from'] !== 'string' || typeof raw['to'] !== 'string') return;
      const condition = raw['condition'];
      connections.push({
        from: raw['from'],
        to: raw['to'],
        kind: 'connection',
        conditional: typeof condition === 'string' && condition.trim() !== '',
        pointer: childPointer('/workflow/connections', index),
      });
    });
  }
  const triggers = workflow['triggers'];
  const hasEventTrigger =
    Array.isArray(triggers) && triggers.some((t) => isPlainObject(t) && t['type'] === 'event');
  return { steps, connectionsGiven, connections, hasEventTrigger };
}
