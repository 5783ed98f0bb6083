// One execution, live: the graph coloured by step status, a timeline of every attempt, each step's input,
// output and error. Events come from /ws; a reconnect resumes from the last event's cursor and the server
// replays what was missed; when it cannot, the REST history and the snapshot fill the gap, and the seq-keyed
// merge drops what arrives twice.
import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useRef, useState } from 'react';
import { useParams } from 'react-router';
import { api, ApiError } from '../api';
import { GraphView } from '../designer/graph-view';
import { graphOf } from '../designer/workflow-graph';
import { foldExecution, mergeEvents, type HistoryEvent, type Snapshot } from '../live/execution-model';
import { LiveBadge, useLiveEvents, type LiveEvent } from '../live/live-socket';
import { useSession } from '../session';
import { Payload } from './payload';

interface HistoryAnswer {
  items: {
    seq: number;
    type: string;
    step_id: string | null;
    attempt: number | null;
    status: string | null;
    data: unknown;
    occurred_at: string;
  }[];
}

export function ExecutionPage() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const events = useRef(new Map<number, HistoryEvent>());
  const [version, setVersion] = useState(0);
  const [snapshot, setSnapshot] = useState<Snapshot | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  const [actionError, setActionError] = useState<string | undefined>();

  const refill = useCallback(async () => {
    try {
      const [snap, history] = await Promise.all([
        api<Snapshot>(`/api/v1/executions/${encodeURIComponent(id)}`),
        api<HistoryAnswer>(`/api/v1/executions/${encodeURIComponent(id)}/history`),
      ]);
      mergeEvents(
        events.current,
        history.items.map((row) => ({ ...row, at: row.occurred_at })),
      );
      setSnapshot(snap);
      setVersion((n) => n + 1);
      setError(undefined);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.detail : String(failure));
    }
  }, [id]);

  const live = useLiveEvents(
    { executionId: id },
    (event: LiveEvent) => {
      if (event.execution_id !== id) return;
      if (mergeEvents(events.current, [{ ...event, at: event.timestamp }])) setVersion((n) => n + 1);
    },
    // A resumed socket replays what was missed itself; otherwise REST fills the gap.
    (resumed) => {
      if (!resumed) void refill();
    },
  );

  const workflowName = snapshot?.workflow_name ?? undefined;
  const definition = useQuery({
    queryKey: ['workflow', workflowName],
    enabled: workflowName !== undefined,
    queryFn: () => api<{ definition: unknown }>(`/api/v1/workflows/${encodeURIComponent(workflowName!)}`),
  });

  const view = useMemo(() => foldExecution(snapshot, events.current), [snapshot, version]);
  const graph = useMemo(() => {
    const drawn = graphOf(definition.data?.definition);
    // Steps seen in events but absent from the active definition (an older version) still show.
    for (const stepId of Object.keys(view.steps)) {
      if (!drawn.nodes.some((node) => node.id === stepId))
        drawn.nodes.push({ id: stepId, kind: '?', label: stepId, index: drawn.nodes.length });
    }
    return drawn;
  }, [definition.data, view.steps]);
  const statuses = Object.fromEntries(
    graph.nodes.map((node) => [node.id, view.steps[node.id]?.status ?? 'pending']),
  );

  async function act(path: string, body?: unknown) {
    setActionError(undefined);
    try {
      await api(`/api/v1/executions/${encodeURIComponent(id)}/${path}`, { method: 'POST', json: body ?? {} });
    } catch (failure) {
      setActionError(failure instanceof ApiError ? failure.detail : String(failure));
    }
  }

  if (error && !snapshot)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  const step = selected ? view.steps[selected] : undefined;
  const running = !['completed', 'failed', 'cancelled', 'timed_out'].includes(view.status);
  const times = Object.values(view.steps).flatMap((s) =>
    s.attempts.flatMap((a) => [Date.parse(a.startedAt), Date.parse(a.finishedAt ?? a.startedAt)]),
  );
  const t0 = times.length ? Math.min(...times) : 0;
  const span = times.length ? Math.max(1, Math.max(...times) - t0) : 1;

  return (
    <section>
      <header className="page-header">
        <h1>
          Execution <code>{id}</code>
        </h1>
        <span
          className={`status-chip status-${view.status}`}
          data-testid="execution-status"
          data-status={view.status}
        >
          {view.status}
        </span>
        <LiveBadge state={live} />
        <span className="spacer" />
        {can('operator') && running && (
          <button type="button" data-testid="cancel-execution" onClick={() => void act('cancel')}>
            Cancel
          </button>
        )}
        {can('operator') && ['failed', 'timed_out', 'cancelled'].includes(view.status) && (
          <button type="button" data-testid="retry-execution" onClick={() => void act('retry')}>
            Retry
          </button>
        )}
      </header>
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      <p className="muted">
        {workflowName ?? '…'} v{snapshot?.workflow_version} · tokens {view.totalTokens}
      </p>
      <GraphView
        graph={graph}
        statuses={statuses}
        {...(selected ? { selected: { kind: 'node' as const, id: selected } } : {})}
        onSelect={(selection) => setSelected(selection?.kind === 'node' ? selection.id : undefined)}
      />
      <h2>Timeline</h2>
      <div className="timeline" data-testid="timeline">
        {Object.entries(view.steps).map(([stepId, s]) => (
          <div className="timeline-row" key={stepId}>
            <button type="button" className="link" onClick={() => setSelected(stepId)}>
              {stepId}
            </button>
            <div className="timeline-track">
              {s.attempts.map((attempt) => {
                const start = Date.parse(attempt.startedAt) - t0;
                const end = Date.parse(attempt.finishedAt ?? attempt.startedAt) - t0;
                return (
                  <span
                    key={attempt.attempt}
                    className={`bar status-${attempt.outcome}`}
                    title={`attempt ${attempt.attempt}: ${attempt.outcome}, ${end - start} ms`}
                    style={{
                      left: `${(start / span) * 100}%`,
                      width: `${Math.max(0.5, ((end - start) / span) * 100)}%`,
                    }}
                  />
                );
              })}
            </div>
          </div>
        ))}
      </div>
      {selected && (
        <div className="step-detail" data-testid="step-detail">
          <h2>
            Step <code>{selected}</code> — {step?.status ?? 'pending'}
            {step?.tokens !== undefined && ` · ${step.tokens} tokens`}
          </h2>
          <Payload title="Input" value={step?.input} />
          <Payload title="Output" value={step?.output} />
          <Payload title="Error" value={step?.error} />
        </div>
      )}
      {snapshot?.error != null && <Payload title="Execution error" value={snapshot.error} />}
      {snapshot?.output != null && <Payload title="Execution output" value={snapshot.output} />}
    </section>
  );
}
