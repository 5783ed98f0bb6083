// The designer: palette, canvas and YAML side by side. The YAML text is the one state; the graph is drawn
// from it and every graph gesture is a minimal edit of it (yaml-model.ts). The server's validator (POST
// /workflows/validate) supplies the diagnostics, shown in the editor and as marks on the nodes.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { parse, stringify } from 'yaml';
import { api, ApiError } from '../api';
import { useSession } from '../session';
import { GraphView } from './graph-view';
import { RunForm } from './run-form';
import { STEP_KINDS, type StepKind } from './workflow-graph';
import {
  addStep,
  connect,
  freeStepId,
  insertStep,
  NEW_WORKFLOW,
  parseWorkflow,
  removeConnection,
  removeStep,
  setCondition,
  setStepField,
  setWorkflowField,
  stepIndexOfPointer,
} from './yaml-model';
import { YamlEditor, type LocatedProblem } from './yaml-editor';

interface ServerProblem extends LocatedProblem {
  pointer: string;
  rule: string;
}

interface AgentItem {
  type: string;
  actions: string[];
}

const DRAFT_KEY = 'percolator.designer.draft';

/** A version opened from a deep link is a page of its own: switching versions starts from that version's text. */
export default function DesignerRoute() {
  const [searchParams] = useSearchParams();
  const version = searchParams.get('version') ?? undefined;
  return <DesignerPage key={version ?? 'active'} version={version} />;
}

function DesignerPage({ version }: { version: string | undefined }) {
  const { name } = useParams();
  const navigate = useNavigate();
  const { can } = useSession();
  const draftKey = `${DRAFT_KEY}.${name ?? 'new'}${version ? `@${version}` : ''}`;
  const [text, setTextState] = useState<string>(
    () => sessionStorage.getItem(draftKey) ?? (name ? '' : NEW_WORKFLOW),
  );
  const [past, setPast] = useState<string[]>([]);
  const [future, setFuture] = useState<string[]>([]);
  const [problems, setProblems] = useState<ServerProblem[]>([]);
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | undefined>();
  const [selected, setSelected] = useState<
    { kind: 'node'; id: string } | { kind: 'edge'; index: number } | undefined
  >();
  const [runOpen, setRunOpen] = useState(false);

  // `?version=N` opens that version (a deep link from the versions page); otherwise the active one. The text
  // saved is shown as it was written, comments included; a definition saved as JSON is printed as YAML.
  const existing = useQuery({
    queryKey: ['workflow', name, version],
    enabled: name !== undefined && text === '',
    queryFn: () =>
      api<{ definition: unknown; source: string | null }>(
        `/api/v1/workflows/${encodeURIComponent(name!)}${version ? `/versions/${encodeURIComponent(version)}` : ''}`,
      ),
  });
  useEffect(() => {
    if (existing.data && text === '')
      setTextState(existing.data.source ?? stringify(existing.data.definition, { lineWidth: 0 }));
  }, [existing.data, text]);

  const agents = useQuery({
    queryKey: ['agents'],
    queryFn: () => api<{ items: AgentItem[] }>('/api/v1/agents'),
  });

  /** Every change goes through here: undo history, the tab's draft (kept across a sign-in), re-validation. */
  function setText(next: string) {
    if (next === text) return;
    setPast((list) => [...list.slice(-199), text]);
    setFuture([]);
    setTextState(next);
  }
  useEffect(() => {
    if (text !== '') sessionStorage.setItem(draftKey, text);
  }, [text, draftKey]);

  // The graph follows the text after a short pause, so typing stays smooth.
  const [settled, setSettled] = useState(text);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(text), 250);
    return () => clearTimeout(timer);
  }, [text]);
  const parsed = useMemo(() => parseWorkflow(settled), [settled]);
  const inputSchema = useMemo(() => inputSchemaOf(settled), [settled]);

  useEffect(() => {
    // Validation is a POST for those who may save (admins): the permission table keeps POSTs from readers.
    if (settled === '' || !can('admin')) return;
    let current = true;
    api<{ valid: boolean; problems: ServerProblem[] }>('/api/v1/workflows/validate', {
      method: 'POST',
      json: { source: settled },
    })
      .then((report) => current && setProblems(report.problems))
      .catch((failure: unknown) => {
        if (!current) return;
        setProblems([]);
        setMessage({ kind: 'error', text: failure instanceof ApiError ? failure.detail : String(failure) });
      });
    return () => {
      current = false;
    };
  }, [settled, can]);

  const nodeProblems = useMemo(() => {
    const marks: Record<string, string[]> = {};
    for (const problem of problems) {
      const index = stepIndexOfPointer(problem.pointer);
      const node = parsed.graph.nodes.find((candidate) => candidate.index === index);
      if (node) (marks[node.id] ??= []).push(problem.message);
    }
    return marks;
  }, [problems, parsed]);

  function apply(change: (current: string) => string) {
    try {
      setText(change(text));
      setMessage(undefined);
    } catch (failure) {
      setMessage({ kind: 'error', text: failure instanceof Error ? failure.message : String(failure) });
    }
  }

  /** A palette kind dropped on the canvas: a new step, put into the connection it was dropped on, if any. */
  function dropKind(kind: string, into?: { from: string; to: string }) {
    if (!(STEP_KINDS as readonly string[]).includes(kind)) return;
    const id = freeStepId(parseWorkflow(text).graph, kind);
    const first = agents.data?.items.find((agent) => agent.actions.length > 0);
    const agent = first ? { type: first.type, action: first.actions[0]! } : undefined;
    apply((current) =>
      into
        ? insertStep(current, kind as StepKind, id, into, agent)
        : addStep(current, kind as StepKind, id, agent),
    );
    setSelected({ kind: 'node', id });
  }

  async function save() {
    setMessage(undefined);
    try {
      const saved = await api<{ name: string; version: number; created: boolean }>('/api/v1/workflows', {
        method: 'POST',
        yaml: text,
      });
      setMessage({ kind: 'ok', text: `Saved ${saved.name} version ${saved.version}` });
      sessionStorage.removeItem(draftKey);
      if (name !== saved.name || version)
        navigate(`/workflows/${encodeURIComponent(saved.name)}`, { replace: true });
    } catch (failure) {
      setMessage({ kind: 'error', text: failure instanceof ApiError ? failure.detail : String(failure) });
      if (failure instanceof ApiError) {
        const errors = (failure.body as { errors?: ServerProblem[] } | undefined)?.errors;
        if (errors) setProblems(errors.map((problem) => ({ ...problem, severity: 'error' })));
      }
    }
  }

  const editable = can('admin');
  const selectedNode =
    selected?.kind === 'node' ? parsed.graph.nodes.find((node) => node.id === selected.id) : undefined;
  const selectedEdge =
    selected?.kind === 'edge' ? parsed.graph.edges.find((edge) => edge.index === selected.index) : undefined;
  const stepData = selectedNode ? stepFields(settled, selectedNode.index) : {};
  const located = [
    ...parsed.syntaxErrors.map((error) => ({
      severity: 'error' as const,
      message: error.message,
      line: error.line,
      column: error.column,
      pointer: '',
      rule: 'yaml-syntax',
    })),
    ...problems,
  ];

  return (
    <section className="designer">
      <header className="page-header">
        <h1>{name ? `Workflow ${name}${version ? ` (version ${version})` : ''}` : 'New workflow'}</h1>
        <span className="spacer" />
        {editable && (
          <>
            <button
              type="button"
              disabled={past.length === 0}
              onClick={() => {
                const previous = past.at(-1);
                if (previous === undefined) return;
                setPast(past.slice(0, -1));
                setFuture([text, ...future]);
                setTextState(previous);
              }}
            >
              Undo
            </button>
            <button
              type="button"
              disabled={future.length === 0}
              onClick={() => {
                const next = future[0];
                if (next === undefined) return;
                setFuture(future.slice(1));
                setPast([...past, text]);
                setTextState(next);
              }}
            >
              Redo
            </button>
            <button type="button" data-testid="save-workflow" onClick={() => void save()}>
              Save
            </button>
          </>
        )}
        {name && (
          <Link
            className="button"
            to={`/workflows/${encodeURIComponent(name)}/versions`}
            data-testid="workflow-versions"
          >
            Versions
          </Link>
        )}
        {can('operator') && name && (
          <button type="button" data-testid="run-workflow" onClick={() => setRunOpen(!runOpen)}>
            Run
          </button>
        )}
      </header>
      {message && (
        <p
          className={message.kind === 'error' ? 'error' : 'ok'}
          role={message.kind === 'error' ? 'alert' : 'status'}
          data-testid="designer-message"
        >
          {message.text}
        </p>
      )}
      {runOpen && name && <RunForm workflow={name} inputSchema={inputSchema} />}
      <div className="designer-grid">
        {editable && (
          <aside className="palette">
            <h2>Steps</h2>
            {STEP_KINDS.map((kind) => (
              <div
                key={kind}
                className={`palette-item kind-${kind}`}
                draggable
                data-testid={`palette-${kind}`}
                onDragStart={(event) => {
                  event.dataTransfer.setData('application/x-percolator-step', kind);
                  event.dataTransfer.effectAllowed = 'copy';
                }}
                onDoubleClick={() => dropKind(kind)}
                title="Drag onto the canvas (or double-click)"
              >
                {kind}
              </div>
            ))}
          </aside>
        )}
        <GraphView
          graph={parsed.graph}
          problems={nodeProblems}
          {...(selected ? { selected } : {})}
          editable={editable}
          onConnect={(from, to) => apply((current) => connect(current, from, to))}
          onSelect={setSelected}
          onDropKind={dropKind}
        />
        <div className="side">
          {
            <div className="panel" data-testid="workflow-panel">
              <Field
                label="workflow name"
                value={workflowName(settled)}
                disabled={!editable || name !== undefined}
                testId="workflow-name"
                onCommit={(value) => apply((current) => setWorkflowField(current, 'name', value))}
              />
              <div className="connections">
                {parsed.graph.edges
                  .filter((edge) => edge.index !== undefined)
                  .map((edge) => (
                    <button
                      key={edge.index}
                      type="button"
                      className="link"
                      data-testid={`connection-${edge.index}`}
                      onClick={() => setSelected({ kind: 'edge', index: edge.index! })}
                    >
                      {edge.from} → {edge.to}
                      {edge.condition ? ` if ${edge.condition}` : ''}
                    </button>
                  ))}
              </div>
            </div>
          }
          {selectedNode && (
            <div className="panel" data-testid="step-panel">
              <h2>Step {selectedNode.id}</h2>
              <Field
                label="id"
                value={selectedNode.id}
                disabled={!editable}
                testId="field-id"
                onCommit={(value) => {
                  apply((current) => setStepField(current, selectedNode.id, 'id', value));
                  setSelected({ kind: 'node', id: value });
                }}
              />
              <Field
                label="name"
                value={String(stepData.name ?? '')}
                disabled={!editable}
                testId="field-name"
                onCommit={(value) =>
                  apply((current) => setStepField(current, selectedNode.id, 'name', value))
                }
              />
              {selectedNode.kind === 'agent' && (
                <>
                  <label>
                    agent_type
                    <select
                      data-testid="field-agent_type"
                      disabled={!editable}
                      value={String(stepData.agent_type ?? '')}
                      onChange={(event) =>
                        apply((current) =>
                          setStepField(current, selectedNode.id, 'agent_type', event.target.value),
                        )
                      }
                    >
                      {[
                        String(stepData.agent_type ?? ''),
                        ...(agents.data?.items.map((agent) => agent.type) ?? []),
                      ]
                        .filter((value, index, all) => all.indexOf(value) === index)
                        .map((value) => (
                          <option key={value} value={value}>
                            {value}
                          </option>
                        ))}
                    </select>
                  </label>
                  <label>
                    action
                    <select
                      data-testid="field-action"
                      disabled={!editable}
                      value={String(stepData.action ?? '')}
                      onChange={(event) =>
                        apply((current) =>
                          setStepField(current, selectedNode.id, 'action', event.target.value),
                        )
                      }
                    >
                      {[
                        String(stepData.action ?? ''),
                        ...(agents.data?.items.find((agent) => agent.type === stepData.agent_type)?.actions ??
                          []),
                      ]
                        .filter((value, index, all) => all.indexOf(value) === index)
                        .map((value) => (
                          <option key={value} value={value}>
                            {value}
                          </option>
                        ))}
                    </select>
                  </label>
                </>
              )}
              {['transform'].includes(selectedNode.kind) && (
                <Field
                  label="output"
                  value={String(stepData.output ?? '')}
                  disabled={!editable}
                  testId="field-output"
                  onCommit={(value) =>
                    apply((current) => setStepField(current, selectedNode.id, 'output', value))
                  }
                />
              )}
              {selectedNode.kind === 'delay' && (
                <Field
                  label="duration"
                  value={String(stepData.duration ?? '')}
                  disabled={!editable}
                  testId="field-duration"
                  onCommit={(value) =>
                    apply((current) => setStepField(current, selectedNode.id, 'duration', value))
                  }
                />
              )}
              {selectedNode.kind === 'wait_for_event' && (
                <Field
                  label="event_type"
                  value={String(stepData.event_type ?? '')}
                  disabled={!editable}
                  testId="field-event_type"
                  onCommit={(value) =>
                    apply((current) => setStepField(current, selectedNode.id, 'event_type', value))
                  }
                />
              )}
              {selectedNode.kind === 'sub_workflow' && (
                <Field
                  label="workflow"
                  value={String(stepData.workflow ?? '')}
                  disabled={!editable}
                  testId="field-workflow"
                  onCommit={(value) =>
                    apply((current) => setStepField(current, selectedNode.id, 'workflow', value))
                  }
                />
              )}
              <Field
                label="input"
                value={String(stepData.input ?? '')}
                disabled={!editable}
                testId="field-input"
                onCommit={(value) =>
                  apply((current) => setStepField(current, selectedNode.id, 'input', value))
                }
              />
              {editable && (
                <label>
                  connect to
                  <select
                    data-testid="connect-to"
                    value=""
                    onChange={(event) => {
                      const target = event.target.value;
                      if (target) apply((current) => connect(current, selectedNode.id, target));
                    }}
                  >
                    <option value="">choose a step…</option>
                    {parsed.graph.nodes
                      .filter((node) => node.id !== selectedNode.id)
                      .map((node) => (
                        <option key={node.id} value={node.id}>
                          {node.id}
                        </option>
                      ))}
                  </select>
                </label>
              )}
              {editable && (
                <button
                  type="button"
                  data-testid="delete-step"
                  onClick={() => {
                    apply((current) => removeStep(current, selectedNode.id));
                    setSelected(undefined);
                  }}
                >
                  Delete step
                </button>
              )}
            </div>
          )}
          {selectedEdge && selectedEdge.index !== undefined && (
            <div className="panel" data-testid="edge-panel">
              <h2>
                Connection {selectedEdge.from} → {selectedEdge.to}
              </h2>
              <Field
                label="condition"
                value={selectedEdge.condition ?? ''}
                disabled={!editable}
                testId="edge-condition"
                onCommit={(value) => apply((current) => setCondition(current, selectedEdge.index!, value))}
              />
              {editable && (
                <button
                  type="button"
                  data-testid="delete-connection"
                  onClick={() => {
                    apply((current) => removeConnection(current, selectedEdge.index!));
                    setSelected(undefined);
                  }}
                >
                  Delete connection
                </button>
              )}
            </div>
          )}
          <YamlEditor text={text} problems={located} readOnly={!editable} onChange={setText} />
          <ul className="diagnostics">
            {located.map((problem, n) => (
              <li
                key={n}
                className={`diagnostic ${problem.severity}`}
                data-testid="diagnostic"
                data-line={problem.line ?? ''}
                data-severity={problem.severity}
              >
                {problem.line !== undefined
                  ? `${problem.line}:${problem.column ?? 1} `
                  : `${problem.pointer || '/'} `}
                {problem.message}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}

function stepFields(text: string, index: number): Record<string, unknown> {
  try {
    const data = parseWorkflowData(text);
    const steps = (data?.workflow?.steps ?? data?.steps) as unknown[] | undefined;
    const step = steps?.[index];
    return typeof step === 'object' && step !== null ? (step as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The input_schema of the workflow in the editor (the Run form follows what is being edited). */
function inputSchemaOf(text: string): unknown {
  try {
    const data = parse(text) as { workflow?: { input_schema?: unknown }; input_schema?: unknown } | undefined;
    return data?.workflow?.input_schema ?? data?.input_schema;
  } catch {
    return undefined;
  }
}

function workflowName(text: string): string {
  try {
    const data = parse(text) as { workflow?: { name?: unknown }; name?: unknown } | undefined;
    return String(data?.workflow?.name ?? data?.name ?? '');
  } catch {
    return '';
  }
}

function parseWorkflowData(text: string): { workflow?: { steps?: unknown }; steps?: unknown } | undefined {
  return parse(text) as { workflow?: { steps?: unknown }; steps?: unknown } | undefined;
}

function Field(props: {
  label: string;
  value: string;
  disabled: boolean;
  testId: string;
  onCommit(value: string): void;
}) {
  const [value, setValue] = useState(props.value);
  useEffect(() => setValue(props.value), [props.value]);
  return (
    <label>
      {props.label}
      <input
        data-testid={props.testId}
        value={value}
        disabled={props.disabled}
        onChange={(event) => setValue(event.target.value)}
        onBlur={() => value !== props.value && props.onCommit(value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && value !== props.value) props.onCommit(value);
        }}
      />
    </label>
  );
}
