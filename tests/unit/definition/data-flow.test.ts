// Typed data flow: field references are checked against what the steps before can have produced, with the
// built-in agents' declared schemas, as `percolator validate` and the API do.
import { describe, expect, it } from 'vitest';
import { builtinAgentCatalog } from '../../../src/agents/builtin/builtin-catalog.js';
import { parseDefinition, staticAgentCatalog, type Problem } from '../../../src/definition/index.js';

const catalog = builtinAgentCatalog();

function problemsOf(yaml: string): Problem[] {
  return [...parseDefinition(yaml, { agentCatalog: catalog }).problems];
}

const errors = (yaml: string) => problemsOf(yaml).filter((problem) => problem.severity === 'error');
const warnings = (yaml: string) => problemsOf(yaml).filter((problem) => problem.severity === 'warning');

const triage = (condition: string) => `workflow:
  name: review-triage
  steps:
    - id: analyze
      type: agent
      agent_type: feedback-analyst
      action: analyze_feedback
    - id: reply
      type: agent
      agent_type: feedback-analyst
      action: generate_response
      conditions:
        - expression: "${condition}"
`;

describe('field references against declared outputs', () => {
  it('refuses an output field the action does not declare, at its line, with a suggestion', () => {
    const found = errors(triage("analyze.sentimet = 'negative'"));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: 'unknown-field', line: 13 });
    expect(found[0]?.message).toBe(
      'step `analyze` (feedback-analyst.analyze_feedback) has no output field `sentimet`; did you mean `sentiment`?',
    );
  });

  it('lists the fields when nothing is close', () => {
    const [found] = errors(triage("analyze.mood = 'negative'"));
    expect(found?.message).toMatch(/has no output field `mood`; it has `sentiment`, `label`, `score`/);
  });

  it('accepts both `sentiment` and `label` of analyze_feedback, and $steps references', () => {
    expect(errors(triage("analyze.sentiment = 'negative'"))).toEqual([]);
    expect(errors(triage("analyze.label = 'negative'"))).toEqual([]);
    expect(errors(triage("$steps.analyze.label = 'negative'"))).toEqual([]);
    expect(errors(triage("$steps.analyse.label = 'negative'"))[0]?.message).toBe(
      '`$steps.analyse` names no step; did you mean `analyze`?',
    );
  });

  it('warns when a declared string is compared with a number', () => {
    const found = warnings(triage('analyze.sentiment = 1'));
    expect(found.map((problem) => problem.rule)).toEqual(['type-mismatch']);
    expect(found[0]?.message).toContain('`analyze.sentiment` is a string');
  });

  it('gives no error for agents that declare nothing, or open objects', () => {
    const unknown = triage('analyze.anything').replaceAll('feedback-analyst', 'custom-agent');
    expect(errors(unknown)).toEqual([]);
    const open = `workflow:
  name: open-input
  input_schema: {type: object, properties: {a: {type: string}}}
  output: "b & $input.c"
  steps:
    - {id: t, type: transform, output: "{ 'x': a }"}
`;
    expect(problemsOf(open)).toEqual([]);
  });

  it('refuses an undeclared field of a closed input schema, and a field no source can have', () => {
    const closed = `workflow:
  name: closed-input
  input_schema: {type: object, properties: {topic: {type: string}}, additionalProperties: false}
  steps:
    - {id: t, type: transform, output: "{ 'x': $input.topik, 'y': nothing }"}
`;
    expect(errors(closed).map((problem) => problem.message)).toEqual([
      'the workflow input has no field `topik`; did you mean `topic`?',
      'no field `nothing` in the context of step `t`: neither the workflow input nor a step before it declares it',
    ]);
  });
});

describe('required input fields', () => {
  const order = (input: string) => `workflow:
  name: restock
  steps:
    - id: order
      type: agent
      agent_type: inventory
      action: update_inventory
      input: "${input}"
`;

  it('refuses a mapping that leaves out what the action requires', () => {
    const [found] = errors(order("{ 'order_quantity': 5 }"));
    expect(found).toMatchObject({ rule: 'missing-input-field', line: 8 });
    expect(found?.message).toBe(
      'step `order` (inventory.update_inventory): update_inventory needs `product_id`, `delta` (or `quantity_change`)',
    );
  });

  it('accepts a complete mapping, and an input that is not a literal map', () => {
    expect(errors(order("{ 'product_id': 'p1', 'delta': 5 }"))).toEqual([]);
    expect(errors(order('$input'))).toEqual([]);
  });
});

describe('steps that cannot have finished', () => {
  it('refuses a reference to a step on another branch, naming the path that misses it', () => {
    const yaml = `workflow:
  name: branches
  steps:
    - {id: start, type: transform, output: "{ 'n': 1 }"}
    - {id: left, type: transform, output: "{ 'l': 1 }"}
    - {id: right, type: transform, output: "{ 'r': 1 }"}
    - {id: done, type: transform, join: any, output: "{ 'sum': left.l }"}
  connections:
    - {from: start, to: left}
    - {from: start, to: right}
    - {from: left, to: done}
    - {from: right, to: done}
`;
    expect(errors(yaml).map((problem) => problem.message)).toEqual([
      'step `done` refers to step `left`, which has not finished on the path start → right → done',
    ]);
    // With `join: all` both branches have settled before `done` starts.
    expect(errors(yaml.replace('join: any, ', ''))).toEqual([]);
  });

  it('refuses a reference to a later step', () => {
    const yaml = `workflow:
  name: backwards
  steps:
    - {id: first, type: transform, output: "{ 'x': second.y }"}
    - {id: second, type: transform, output: "{ 'y': 1 }"}
`;
    expect(errors(yaml)[0]?.message).toBe(
      'step `first` refers to step `second`, which cannot have finished before it: no path leads from `second` to it',
    );
  });

  it('warns when the step referred to can be skipped', () => {
    const yaml = `workflow:
  name: maybe
  steps:
    - {id: gate, type: transform, output: "{ 'x': 1 }", conditions: [{expression: "go"}]}
    - {id: after, type: transform, output: "{ 'y': gate.x }"}
`;
    expect(warnings(yaml).map((problem) => problem.rule)).toEqual(['maybe-missing']);
  });
});

describe('catalogs', () => {
  it('a static catalog without schemas checks no fields', () => {
    const bare = staticAgentCatalog({ 'feedback-analyst': ['analyze_feedback', 'generate_response'] });
    const { problems } = parseDefinition(triage('analyze.mood'), { agentCatalog: bare });
    expect(problems).toEqual([]);
  });
});
