// Agents per type, from the registry's heartbeats; refreshed every few seconds (heartbeats are not lifecycle
// events, so there is nothing on /ws to follow).
import { useQuery } from '@tanstack/react-query';
import { api } from '../api';

interface Agent {
  type: string;
  status: string;
  versions: string[];
  actions: string[];
  instances: { online: number; total: number };
  load: { inFlight: number; capacity: number };
  errorRate: number | null;
  p95Ms: number | null;
  availability: number;
}

interface Health {
  responseTimeMs: { p50: number; p95: number; p99: number } | null;
}

export function AgentsPage() {
  const list = useQuery({
    queryKey: ['agents'],
    queryFn: () => api<{ items: Agent[] }>('/api/v1/agents'),
    refetchInterval: 5_000,
  });
  return (
    <section>
      <header className="page-header">
        <h1>Agents</h1>
      </header>
      {list.error && <p className="error">{(list.error as Error).message}</p>}
      {list.data?.items.length === 0 && <p className="muted">No agent has sent a heartbeat yet.</p>}
      <div className="cards">
        {list.data?.items.map((agent) => (
          <AgentCard key={agent.type} agent={agent} />
        ))}
      </div>
    </section>
  );
}

function AgentCard({ agent }: { agent: Agent }) {
  const health = useQuery({
    queryKey: ['agent-health', agent.type],
    queryFn: () => api<Health>(`/api/v1/agents/${encodeURIComponent(agent.type)}/health`),
    refetchInterval: 5_000,
  });
  const rt = health.data?.responseTimeMs;
  return (
    <div
      className={`card agent agent-${agent.status}`}
      data-testid={`agent-card-${agent.type}`}
      data-status={agent.status}
    >
      <div className="card-title">
        {agent.type} <span className={`status-chip status-${agent.status}`}>{agent.status}</span>
      </div>
      <dl>
        <dt>Instances</dt>
        <dd>
          {agent.instances.online} online of {agent.instances.total}
        </dd>
        <dt>Load</dt>
        <dd>
          {agent.load.inFlight} / {agent.load.capacity}
        </dd>
        <dt>p50 / p95 / p99</dt>
        <dd>{rt ? `${rt.p50} / ${rt.p95} / ${rt.p99} ms` : '—'}</dd>
        <dt>Error rate</dt>
        <dd>{agent.errorRate == null ? '—' : `${(agent.errorRate * 100).toFixed(1)} %`}</dd>
        <dt>Availability</dt>
        <dd>{(agent.availability * 100).toFixed(1)} %</dd>
        <dt>Actions</dt>
        <dd>{agent.actions.join(', ')}</dd>
        <dt>Versions</dt>
        <dd>{agent.versions.join(', ')}</dd>
      </dl>
    </div>
  );
}
