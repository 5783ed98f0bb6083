// A workflow's versions, and any two of them side by side: the saved texts in a CodeMirror merge view, the
// steps that were added, removed or changed listed and marked on the newer version's graph. The pair is in the
// address (`?a=1&b=3`), so a diff is a deep link.
import { yaml } from '@codemirror/lang-yaml';
import { MergeView } from '@codemirror/merge';
import { EditorState } from '@codemirror/state';
import { useQuery } from '@tanstack/react-query';
import { basicSetup, EditorView } from 'codemirror';
import { useEffect, useMemo, useRef } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { stringify } from 'yaml';
import { api } from '../api';
import { GraphView } from './graph-view';
import { graphOf } from './workflow-graph';
import { stepChanges } from './version-diff';

interface VersionItem {
  version: number;
  checksum: string;
  author: string;
  active: boolean;
  created_at: string;
}

interface VersionDetail {
  version: number;
  definition: unknown;
  source: string | null;
}

function textOf(detail: VersionDetail): string {
  return detail.source ?? stringify(detail.definition, { lineWidth: 0 });
}

export default function VersionsPage() {
  const { name = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const base = `/api/v1/workflows/${encodeURIComponent(name)}/versions`;
  const list = useQuery({
    queryKey: ['versions', name],
    queryFn: () => api<{ items: VersionItem[] }>(base),
  });
  const items = list.data?.items ?? [];
  const latest = items.at(-1)?.version;
  // Without a pair in the address: the newest version against the one before it.
  const a = Number(params.get('a') ?? (latest !== undefined ? Math.max(latest - 1, 1) : NaN));
  const b = Number(params.get('b') ?? latest ?? NaN);
  const detail = (version: number) => ({
    queryKey: ['version', name, version],
    enabled: Number.isInteger(version) && version > 0,
    staleTime: Infinity, // a version never changes
    queryFn: () => api<VersionDetail>(`${base}/${version}`),
  });
  const left = useQuery(detail(a));
  const right = useQuery(detail(b));
  const changes = useMemo(
    () => (left.data && right.data ? stepChanges(left.data.definition, right.data.definition) : undefined),
    [left.data, right.data],
  );
  const rightGraph = useMemo(() => (right.data ? graphOf(right.data.definition) : undefined), [right.data]);

  function choose(side: 'a' | 'b', version: number) {
    const next = new URLSearchParams(params);
    next.set('a', String(side === 'a' ? version : a));
    next.set('b', String(side === 'b' ? version : b));
    setParams(next);
  }

  const failure = list.error ?? left.error ?? right.error;
  return (
    <section className="versions">
      <header className="page-header">
        <h1>Versions of {name}</h1>
        <span className="spacer" />
        <Link className="button" to={`/workflows/${encodeURIComponent(name)}`}>
          Designer
        </Link>
      </header>
      {failure && (
        <p className="error" role="alert">
          {(failure as Error).message}
        </p>
      )}
      <table className="table" data-testid="versions-list">
        <thead>
          <tr>
            <th>A</th>
            <th>B</th>
            <th>Version</th>
            <th>Author</th>
            <th>Saved</th>
            <th>Checksum</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.version} data-testid={`version-${item.version}`}>
              <td>
                <input
                  type="radio"
                  name="a"
                  aria-label={`compare version ${item.version} as A`}
                  data-testid={`diff-a-${item.version}`}
                  checked={item.version === a}
                  onChange={() => choose('a', item.version)}
                />
              </td>
              <td>
                <input
                  type="radio"
                  name="b"
                  aria-label={`compare version ${item.version} as B`}
                  data-testid={`diff-b-${item.version}`}
                  checked={item.version === b}
                  onChange={() => choose('b', item.version)}
                />
              </td>
              <td>
                <Link
                  to={`/workflows/${encodeURIComponent(name)}?version=${item.version}`}
                  data-testid={`open-version-${item.version}`}
                >
                  version {item.version}
                </Link>
                {item.active && <span className="badge"> active</span>}
              </td>
              <td>{item.author}</td>
              <td>{new Date(item.created_at).toLocaleString()}</td>
              <td>
                <code>{item.checksum.slice(0, 15)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {left.data && right.data && changes && (
        <>
          <h2 data-testid="diff-title">
            Version {a} → version {b}
          </h2>
          <ul className="step-changes" data-testid="step-changes">
            {changes.steps.length === 0 && <li>No step changed.</li>}
            {changes.steps.map((change) => (
              <li
                key={change.id}
                className={`change-${change.change}`}
                data-testid={`diff-step-${change.id}`}
                data-change={change.change}
              >
                {change.id}: {change.change}
              </li>
            ))}
            {changes.connectionsChanged && <li data-testid="diff-connections">connections changed</li>}
          </ul>
          <MergeText a={textOf(left.data)} b={textOf(right.data)} />
          {rightGraph && (
            <div className="diff-graph">
              <GraphView
                graph={rightGraph}
                changes={Object.fromEntries(changes.steps.map((change) => [change.id, change.change]))}
              />
            </div>
          )}
        </>
      )}
    </section>
  );
}

function MergeText(props: { a: string; b: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const readOnly = [basicSetup, yaml(), EditorState.readOnly.of(true), EditorView.editable.of(false)];
    const view = new MergeView({
      a: { doc: props.a, extensions: readOnly },
      b: { doc: props.b, extensions: readOnly },
      parent: host.current!,
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    return () => view.destroy();
  }, [props.a, props.b]);
  return <div className="version-diff" data-testid="version-diff" ref={host} />;
}
