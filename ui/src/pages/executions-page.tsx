// Executions, newest first, in a virtualised list: filters go to the API; lifecycle events from /ws update
// rows in place and put new executions on top, with no reload.
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api';
import { LiveBadge, useLiveEvents, type LiveEvent } from '../live/live-socket';
import { useSession } from '../session';
import { BulkActions, eligible } from './bulk-actions';

interface Row {
  id: string;
  workflow_name: string | null;
  workflow_version: number;
  status: string;
  created_at: string;
  finished_at: string | null;
}

const STATUSES = ['', 'pending', 'running', 'waiting', 'completed', 'failed', 'cancelled', 'timed_out'];

export function ExecutionsPage() {
  const { can } = useSession();
  const [selected, setSelected] = useState(new Set<string>());
  const [params, setParams] = useSearchParams();
  const workflow = params.get('workflow') ?? '';
  const status = params.get('status') ?? '';
  const since = params.get('since') ?? '';
  const query = useInfiniteQuery({
    queryKey: ['executions', workflow, status, since],
    initialPageParam: '',
    queryFn: ({ pageParam }) => {
      const search = new URLSearchParams({ limit: '200' });
      if (workflow) search.set('workflow_id', workflow);
      if (status) search.set('status', status);
      if (since) search.set('since', new Date(since).toISOString());
      if (pageParam) search.set('cursor', pageParam);
      return api<{ items: Row[]; next_cursor: string | null }>(`/api/v1/executions?${search.toString()}`);
    },
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const [liveRows, setLiveRows] = useState(new Map<string, Row>());
  const client = useQueryClient();
  const subscriptions = useRef(0);
  const live = useLiveEvents(
    workflow ? { workflow } : {},
    (event: LiveEvent) => {
      setLiveRows((rows) => {
        const next = new Map(rows);
        const known = next.get(event.execution_id);
        next.set(event.execution_id, {
          id: event.execution_id,
          workflow_name: event.workflow,
          workflow_version: event.workflow_version,
          status: event.status,
          created_at: known?.created_at ?? event.timestamp,
          finished_at: known?.finished_at ?? null,
        });
        return next;
      });
    },
    (resumed) => {
      // A reconnect the server could not resume from: read the list again rather than show stale rows.
      subscriptions.current += 1;
      if (!resumed && subscriptions.current > 1) void client.invalidateQueries({ queryKey: ['executions'] });
    },
  );

  const rows = useMemo(() => {
    const fetched = query.data?.pages.flatMap((page) => page.items) ?? [];
    const seen = new Set(fetched.map((row) => row.id));
    const fresh = [...liveRows.values()]
      .filter((row) => !seen.has(row.id) && (!status || row.status === status))
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
    return [
      ...fresh,
      ...fetched
        .map((row) => {
          const update = liveRows.get(row.id);
          return update ? { ...row, status: update.status } : row;
        })
        .filter((row) => !status || row.status === status),
    ];
  }, [query.data, liveRows, status]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 34,
    overscan: 12,
  });
  const items = virtual.getVirtualItems();
  const lastItem = items.at(-1);
  if (lastItem && lastItem.index >= rows.length - 20 && query.hasNextPage && !query.isFetchingNextPage)
    void query.fetchNextPage();

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };

  return (
    <section>
      <header className="page-header">
        <h1>Executions</h1>
        <LiveBadge state={live} />
      </header>
      <div className="filters">
        <input
          placeholder="workflow name"
          defaultValue={workflow}
          data-testid="filter-workflow"
          onKeyDown={(event) => event.key === 'Enter' && set('workflow', event.currentTarget.value.trim())}
        />
        <select
          value={status}
          onChange={(event) => set('status', event.target.value)}
          data-testid="filter-status"
        >
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || 'any status'}
            </option>
          ))}
        </select>
        <label>
          since{' '}
          <input type="datetime-local" value={since} onChange={(event) => set('since', event.target.value)} />
        </label>
        <span className="muted">{rows.length} shown</span>
      </div>
      {can('operator') && (
        <BulkActions
          rows={rows.filter((row) => selected.has(row.id))}
          onDone={() => setSelected(new Set())}
          onSelectAll={(all) =>
            setSelected(
              all
                ? new Set(rows.filter((row) => eligible(row.status) !== undefined).map((row) => row.id))
                : new Set(),
            )
          }
        />
      )}
      {query.error && <p className="error">{(query.error as Error).message}</p>}
      <div className="virtual-list" ref={scroller} data-testid="executions-list">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rows[item.index]!;
            return (
              <div
                key={row.id}
                className={can('operator') ? 'virtual-row selectable' : 'virtual-row'}
                style={{ transform: `translateY(${item.start}px)` }}
                data-testid={`execution-row-${row.id}`}
              >
                {can('operator') && (
                  <input
                    type="checkbox"
                    aria-label={`select ${row.id}`}
                    data-testid={`select-${row.id}`}
                    checked={selected.has(row.id)}
                    onChange={(event) => {
                      const next = new Set(selected);
                      if (event.target.checked) next.add(row.id);
                      else next.delete(row.id);
                      setSelected(next);
                    }}
                  />
                )}
                <Link to={`/executions/${encodeURIComponent(row.id)}`}>{row.id}</Link>
                <span>
                  {row.workflow_name} v{row.workflow_version}
                </span>
                <span className={`status-chip status-${row.status}`} data-status={row.status}>
                  {row.status}
                </span>
                <span className="muted">{new Date(row.created_at).toLocaleString()}</span>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
