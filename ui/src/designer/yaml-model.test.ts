// YAML ↔ graph: every graph edit is a minimal YAML edit that keeps the document's comments, and every step
// kind survives the trip from the palette to the text and back to the graph.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { graphOf, STEP_KINDS } from './workflow-graph';
import {
  addStep,
  connect,
  insertStep,
  NEW_WORKFLOW,
  parseWorkflow,
  removeStep,
  setCondition,
  setStepField,
} from './yaml-model';

const COMMENTED = `# the header comment
workflow:
  name: reviewed # why this name
  steps:
    # the first step
    - id: analyze
      type: agent
      agent_type: feedback-analyst
      action: analyze_feedback
    - id: reply # replies to the customer
      type: transform
      output: "{ 'text': 'thanks' }"
  connections:
    - {from: analyze, to: reply} # the only edge
`;

const COMMENTS = [
  '# the header comment',
  '# why this name',
  '# the first step',
  '# replies to the customer',
  '# the only edge',
];

function keepsComments(text: string): void {
  for (const comment of COMMENTS) expect(text).toContain(comment);
}

describe('graph edits as YAML edits', () => {
  it('adds every step kind, and the graph read back shows it with its kind', () => {
    let text = COMMENTED;
    for (const kind of STEP_KINDS) {
      text = addStep(text, kind, `${kind}_1`, { type: 'echo', action: 'echo' });
      keepsComments(text);
    }
    const graph = parseWorkflow(text).graph;
    expect(graph.nodes.map((node) => [node.id, node.kind])).toEqual([
      ['analyze', 'agent'],
      ['reply', 'transform'],
      ...STEP_KINDS.map((kind) => [`${kind}_1`, kind]),
    ]);
    // The untouched part of the document is byte for byte what it was.
    expect(text.startsWith(COMMENTED.split('  connections:')[0]!)).toBe(true);
  });

  it('connects steps and sets, changes and removes a condition, keeping comments', () => {
    let text = addStep(COMMENTED, 'end', 'done');
    text = connect(text, 'reply', 'done');
    let graph = parseWorkflow(text).graph;
    expect(graph.edges.map((edge) => [edge.from, edge.to])).toEqual([
      ['analyze', 'reply'],
      ['reply', 'done'],
    ]);
    text = setCondition(text, 1, "sentiment = 'happy'");
    graph = parseWorkflow(text).graph;
    expect(graph.edges[1]).toMatchObject({ from: 'reply', to: 'done', condition: "sentiment = 'happy'" });
    keepsComments(text);
    text = setCondition(text, 1, '');
    expect(parseWorkflow(text).graph.edges[1]?.condition).toBeUndefined();
    keepsComments(text);
  });

  it('inserts a dropped step into a connection, the condition staying on the leg into it', () => {
    let text = addStep(COMMENTED, 'end', 'done');
    text = connect(text, 'reply', 'done', "sentiment = 'happy'");
    text = insertStep(text, 'delay', 'delay_1', { from: 'reply', to: 'done' });
    const graph = parseWorkflow(text).graph;
    expect(graph.edges.map((edge) => [edge.from, edge.to, edge.condition])).toEqual([
      ['analyze', 'reply', undefined],
      ['reply', 'delay_1', "sentiment = 'happy'"],
      ['delay_1', 'done', undefined],
    ]);
    expect(graph.nodes.find((node) => node.id === 'delay_1')?.kind).toBe('delay');
    keepsComments(text);
    expect(() => insertStep(text, 'end', 'x', { from: 'done', to: 'analyze' })).toThrow(/no connection done/);
  });

  it('inserts into a connection implied by the steps order, writing that order out first', () => {
    const implicit = `workflow:
  name: chain # comment
  steps:
    - {id: a, type: transform, output: "1"}
    - {id: b, type: transform, output: "2"}
    - {id: c, type: transform, output: "3"}
`;
    const text = insertStep(implicit, 'transform', 'between', { from: 'b', to: 'c' });
    expect(parseWorkflow(text).graph.edges.map((edge) => [edge.from, edge.to])).toEqual([
      ['a', 'b'],
      ['b', 'between'],
      ['between', 'c'],
    ]);
    expect(text).toContain('# comment');
  });

  it('prints flow collections the way the document already writes them', () => {
    const compact = addStep(COMMENTED, 'end', 'done');
    expect(compact).toContain('- {from: analyze, to: reply} # the only edge');
    const padded = connect(
      COMMENTED.replace('{from: analyze, to: reply}', '{ from: analyze, to: reply }'),
      'reply',
      'analyze',
    );
    expect(padded).toContain('- { from: reply, to: analyze }');
  });

  it('renames a step together with its connections and removes a step with its connections', () => {
    let text = setStepField(COMMENTED, 'reply', 'id', 'answer');
    expect(parseWorkflow(text).graph.edges).toMatchObject([{ from: 'analyze', to: 'answer' }]);
    keepsComments(text.replace('# replies to the customer', '# replies to the customer'));
    text = removeStep(text, 'analyze');
    const data = parse(text) as { workflow: { steps: { id: string }[]; connections: unknown[] } };
    expect(data.workflow.steps.map((step) => step.id)).toEqual(['answer']);
    expect(data.workflow.connections).toEqual([]);
    expect(text).toContain('# the header comment');
  });

  it('writes the implied order out before adding a step to a document without connections', () => {
    const implicit = `workflow:
  name: chain # comment
  steps:
    - {id: a, type: transform, output: "1"}
    - {id: b, type: transform, output: "2"}
`;
    const text = addStep(implicit, 'end', 'c');
    const graph = parseWorkflow(text).graph;
    expect(graph.implicitOrder).toBe(false);
    expect(graph.edges.map((edge) => [edge.from, edge.to])).toEqual([['a', 'b']]);
    expect(text).toContain('# comment');
  });

  it('builds a runnable three-step workflow from the empty template', () => {
    let text = NEW_WORKFLOW;
    text = addStep(text, 'agent', 'agent_1', { type: 'echo', action: 'echo' });
    text = addStep(text, 'condition', 'condition_1');
    text = addStep(text, 'end', 'end_1');
    text = connect(text, 'agent_1', 'condition_1');
    text = connect(text, 'condition_1', 'end_1', 'passed = true');
    const data = parse(text) as { workflow: { steps: unknown[]; connections: unknown[] } };
    expect(data.workflow.steps).toHaveLength(3);
    expect(data.workflow.connections).toEqual([
      { from: 'agent_1', to: 'condition_1' },
      { from: 'condition_1', to: 'end_1', condition: 'passed = true' },
    ]);
    expect(text).toContain('# A new workflow.');
    expect(graphOf(data).edges).toHaveLength(2);
  });

  it('reports YAML syntax errors with their line and still draws nothing rather than failing', () => {
    const parsed = parseWorkflow('workflow:\n  name: x\n  steps: [\n');
    expect(parsed.syntaxErrors.length).toBeGreaterThan(0);
    expect(parsed.syntaxErrors[0]!.line).toBeGreaterThanOrEqual(3);
    expect(() => addStep('workflow:\n  steps: [\n', 'end', 'e')).toThrow(/syntax/);
  });
});
