// An execution as the page shows it, folded from its lifecycle events (REST history and /ws alike, merged by
// seq so a reconnect neither loses nor repeats one) on top of the snapshot the API returned.
export interface HistoryEvent {
  seq: number;
  type: string;
  step_id: string | null;
  attempt: number | null;
  status: string | null;
  data: unknown;
  at: string;
}

export interface Attempt {
  attempt: number;
  startedAt: string;
  finishedAt?: string;
  outcome: string;
}

export interface StepView {
  status: string;
  attempts: Attempt[];
  input?: unknown;
  output?: unknown;
  error?: unknown;
  tokens?: number;
}

export interface Snapshot {
  id: string;
  workflow_name: string | null;
  workflow_version: number;
  status: string;
  input?: unknown;
  output?: unknown;
  error?: unknown;
  steps?: Record<string, { status: string; attempts?: number; output?: unknown; error?: unknown }>;
}

const STEP_STATUS: Readonly<Record<string, string>> = {
  StepScheduled: 'running',
  StepStarted: 'running',
  StepWaiting: 'waiting',
  StepRetryScheduled: 'retrying',
  StepSucceeded: 'succeeded',
  StepFailed: 'failed',
  StepSkipped: 'skipped',
  StepTimedOut: 'timed_out',
  StepCancelled: 'cancelled',
  StepCompensated: 'compensated',
  StepFailureIgnored: 'failed',
};
const FINAL = new Set(['succeeded', 'failed', 'skipped', 'timed_out', 'cancelled', 'compensated']);
const FINAL_EXECUTION = new Set(['completed', 'failed', 'cancelled', 'timed_out']);

/** Adds events to a seq-keyed map; returns whether anything was new. */
export function mergeEvents(into: Map<number, HistoryEvent>, events: readonly HistoryEvent[]): boolean {
  let added = false;
  for (const event of events) {
    if (into.has(event.seq)) continue;
    into.set(event.seq, event);
    added = true;
  }
  return added;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function foldExecution(
  snapshot: Snapshot | undefined,
  events: ReadonlyMap<number, HistoryEvent>,
): { status: string; steps: Record<string, StepView>; totalTokens: number } {
  const steps: Record<string, StepView> = {};
  let status = 'pending';
  const ordered = [...events.values()].sort((a, b) => a.seq - b.seq);
  for (const event of ordered) {
    if (event.status) status = event.status.toLowerCase();
    if (!event.step_id) continue;
    const step = (steps[event.step_id] ??= { status: 'pending', attempts: [] });
    const data = record(event.data);
    // A wait_for_event step is scheduled with what it awaits: it shows as waiting, not running.
    const next =
      event.type === 'StepScheduled' && typeof data.awaiting === 'string'
        ? 'waiting'
        : STEP_STATUS[event.type];
    if (next) step.status = next;
    const attemptNo = event.attempt ?? Math.max(1, step.attempts.length);
    if (event.type === 'StepScheduled' || event.type === 'StepStarted') {
      if (!step.attempts.some((attempt) => attempt.attempt === attemptNo))
        step.attempts.push({ attempt: attemptNo, startedAt: event.at, outcome: 'running' });
      if (data.input !== undefined) step.input = data.input;
    }
    if ((next && FINAL.has(next)) || event.type === 'StepRetryScheduled') {
      const attempt = step.attempts.find((candidate) => candidate.attempt === attemptNo);
      if (attempt) {
        attempt.finishedAt = event.at;
        attempt.outcome = next ?? 'failed';
      }
    }
    if (data.output !== undefined) step.output = data.output;
    if (data.error !== undefined) step.error = data.error;
    const usage = record(data.token_usage ?? data.usage);
    const tokens = Number(usage.total_tokens ?? usage.total ?? NaN);
    if (Number.isFinite(tokens)) step.tokens = (step.tokens ?? 0) + tokens;
  }
  // The snapshot (Redis, or the history in Postgres) can be ahead of the events this page holds when the
  // history sink lags: a final status there wins over a non-final one here.
  if (snapshot) {
    if (FINAL_EXECUTION.has(snapshot.status) || ordered.length === 0) status = snapshot.status;
    for (const [stepId, snap] of Object.entries(snapshot.steps ?? {})) {
      const step = (steps[stepId] ??= { status: snap.status, attempts: [] });
      if (FINAL.has(snap.status) && !FINAL.has(step.status)) step.status = snap.status;
      if (step.output === undefined && snap.output !== undefined) step.output = snap.output;
      if (step.error === undefined && snap.error !== undefined) step.error = snap.error;
    }
  }
  const totalTokens = Object.values(steps).reduce((sum, step) => sum + (step.tokens ?? 0), 0);
  return { status, steps, totalTokens };
}
