// The overview: fed by GET /api/v1/console/summary, refreshed whenever a lifecycle event arrives (at most
// once a second), so the figures move with the engine and no refresh button is needed.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { api } from '../api';
import { LiveBadge, useLiveEvents } from '../live/live-socket';
import { Trends } from './trends';

interface Summary {
  in_flight: number;
  queued: number | null;
  per_minute: { minute: string; started: number; completed: number; failed: number }[];
  success_rate: number | null;
  duration_ms: { p50: number | null; p95: number | null };
  agents: { online: number; total: number };
}

export function OverviewPage() {
  const client = useQueryClient();
  const summary = useQuery({ queryKey: ['summary'], queryFn: () => api<Summary>('/api/v1/console/summary') });
  const last = useRef(0);
  const lastTrends = useRef(0);
  const live = useLiveEvents({}, () => {
    const now = Date.now();
    if (now - lastTrends.current >= 10_000) {
      // The trends span hours: a refresh every ten seconds at most is plenty.
      lastTrends.current = now;
      void client.invalidateQueries({ queryKey: ['trends'] });
    }
    if (now - last.current < 1_000) return;
    last.current = now;
    void client.invalidateQueries({ queryKey: ['summary'] });
  });
  const data = summary.data;
  const max = Math.max(1, ...(data?.per_minute.map((m) => m.started + m.failed) ?? []));
  return (
    <section>
      <header className="page-header">
        <h1>Overview</h1>
        <LiveBadge state={live} />
      </header>
      {summary.error && <p className="error">{String((summary.error as Error).message)}</p>}
      <div className="cards">
        <Card title="In flight" value={data?.in_flight} testId="in-flight" />
        <Card title="Queued" value={data?.queued ?? '—'} />
        <Card
          title="Success rate (1 h)"
          value={data?.success_rate == null ? '—' : `${(data.success_rate * 100).toFixed(1)} %`}
        />
        <Card
          title="p50 duration"
          value={data?.duration_ms.p50 == null ? '—' : `${data.duration_ms.p50} ms`}
        />
        <Card
          title="p95 duration"
          value={data?.duration_ms.p95 == null ? '—' : `${data.duration_ms.p95} ms`}
        />
        <Card
          title="Agents online"
          value={data ? `${data.agents.online} / ${data.agents.total}` : undefined}
        />
      </div>
      <h2>Last hour, per minute</h2>
      <div className="bars" aria-label="started, completed and failed per minute">
        {data?.per_minute.map((m) => (
          <div
            key={m.minute}
            className="bar-col"
            title={`${new Date(m.minute).toLocaleTimeString()}: ${m.started} started, ${m.completed} completed, ${m.failed} failed`}
          >
            <span className="bar-failed" style={{ height: `${(m.failed / max) * 100}%` }} />
            <span className="bar-completed" style={{ height: `${(m.completed / max) * 100}%` }} />
          </div>
        ))}
      </div>
      <p className="muted">Green: completed; red: failed. Hover a column for its figures.</p>
      <Trends />
    </section>
  );
}

function Card({
  title,
  value,
  testId,
}: {
  title: string;
  value: string | number | undefined;
  testId?: string;
}) {
  return (
    <div className="card" data-testid={testId}>
      <div className="card-title">{title}</div>
      <div className="card-value">{value ?? '…'}</div>
    </div>
  );
}
