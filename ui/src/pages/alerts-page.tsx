// The alert and notification centre: the notifier's alerts, dead letters and failed executions from
// GET /api/v1/alerts, newest first, refreshed when lifecycle events arrive (a failure is one); an operator
// acknowledges or resolves an item where it stands.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link } from 'react-router';
import { api, ApiError } from '../api';
import { LiveBadge, useLiveEvents } from '../live/live-socket';
import { useSession } from '../session';

interface AlertItem {
  id: string;
  kind: 'alert' | 'dead_letter' | 'failed_execution';
  severity: 'info' | 'warning' | 'error' | 'critical';
  title: string;
  message: string;
  execution_id: string | null;
  status: 'open' | 'acknowledged' | 'resolved';
  acted_by: string | null;
  created_at: string;
  details: Record<string, unknown>;
}

const KINDS: Record<string, string> = {
  '': 'everything',
  alert: 'alerts',
  dead_letter: 'dead letters',
  failed_execution: 'failed executions',
};

export function AlertsPage() {
  const { can } = useSession();
  const client = useQueryClient();
  const [kind, setKind] = useState('');
  const [showResolved, setShowResolved] = useState(false);
  const [actionError, setActionError] = useState<string | undefined>();
  const alerts = useQuery({
    queryKey: ['alerts', showResolved],
    queryFn: () =>
      api<{ items: AlertItem[] }>(`/api/v1/alerts${showResolved ? '?include_resolved=true' : ''}`),
    // Dead letters and stored alerts do not travel on /ws: look again now and then.
    refetchInterval: 10_000,
  });
  const last = useRef(0);
  const live = useLiveEvents({}, (event) => {
    if (!['ExecutionFailed', 'ExecutionTimedOut'].includes(event.type)) return;
    if (Date.now() - last.current < 1_000) return;
    last.current = Date.now();
    void client.invalidateQueries({ queryKey: ['alerts'] });
  });

  async function mark(id: string, action: 'acknowledge' | 'resolve') {
    setActionError(undefined);
    try {
      await api(`/api/v1/alerts/${encodeURIComponent(id)}/${action}`, { method: 'POST', json: {} });
      await client.invalidateQueries({ queryKey: ['alerts'] });
    } catch (failure) {
      setActionError(failure instanceof ApiError ? failure.detail : String(failure));
    }
  }

  const items = (alerts.data?.items ?? []).filter((item) => !kind || item.kind === kind);
  const open = (alerts.data?.items ?? []).filter((item) => item.status === 'open').length;
  return (
    <section>
      <header className="page-header">
        <h1>Alerts and notifications</h1>
        <span className="status-chip status-failed" data-testid="alerts-open" data-count={open}>
          {open} open
        </span>
        <LiveBadge state={live} />
      </header>
      <div className="filters">
        <select value={kind} onChange={(event) => setKind(event.target.value)} data-testid="alerts-kind">
          {Object.entries(KINDS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <label>
          <input
            type="checkbox"
            checked={showResolved}
            onChange={(event) => setShowResolved(event.target.checked)}
          />{' '}
          show resolved
        </label>
      </div>
      {alerts.error && <p className="error">{(alerts.error as Error).message}</p>}
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      {alerts.data && items.length === 0 && <p className="muted">Nothing to see: no open alerts.</p>}
      <ul className="alert-list" data-testid="alerts-list">
        {items.map((item) => (
          <li
            key={item.id}
            className={`alert-item severity-${item.severity} alert-${item.status}`}
            data-testid={`alert-${item.id}`}
            data-status={item.status}
            data-kind={item.kind}
          >
            <span className={`status-chip severity-chip severity-${item.severity}`}>{item.severity}</span>
            <div className="alert-body">
              <strong>{item.title}</strong>
              <div className="muted">
                {new Date(item.created_at).toLocaleString()} · {item.kind.replace('_', ' ')} · {item.status}
                {item.acted_by && ` by ${item.acted_by}`}
              </div>
              {item.message && <div className="alert-message">{item.message}</div>}
              {item.execution_id && (
                <Link to={`/executions/${encodeURIComponent(item.execution_id)}`}>{item.execution_id}</Link>
              )}
              {item.kind === 'dead_letter' && (
                <div className="muted">
                  {String(item.details.source_topic)} partition {String(item.details.source_partition)} offset{' '}
                  {String(item.details.source_offset)}
                  {item.details.key ? ` · key ${String(item.details.key)}` : ''}
                </div>
              )}
            </div>
            {can('operator') && item.status === 'open' && (
              <button
                type="button"
                data-testid={`alert-ack-${item.id}`}
                onClick={() => void mark(item.id, 'acknowledge')}
              >
                Acknowledge
              </button>
            )}
            {can('operator') && item.status !== 'resolved' && (
              <button
                type="button"
                data-testid={`alert-resolve-${item.id}`}
                onClick={() => void mark(item.id, 'resolve')}
              >
                Close
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
