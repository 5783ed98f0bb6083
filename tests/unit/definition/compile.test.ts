import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  compileWorkflow,
  DEFAULT_RETRY_POLICY,
  parseDefinition,
  staticAgentCatalog,
  type CompiledWorkflow,
} from '../../../src/definition/index.js';
import { buildExecutionScope, evaluateCondition } from '../../../src/expression/index.js';

const SEED = readFileSync('tests/fixtures/workflows/seed-content-creation.yaml', 'utf8');

function compiled(source: string | object): CompiledWorkflow {
  const result = compileWorkflow(source as string);
  if (!result.workflow) throw new Error(JSON.stringify(result.problems, null, 2));
  return result.workflow;
}

function messages(source: string | object, options = {}): string[] {
  return compileWorkflow(source as string, options).problems.map(
    (problem) => `${problem.severity}: ${problem.pointer} ${problem.message}`,
  );
}

describe("the seed's example", () => {
  const workflow = compiled(SEED);

  it('is accepted as written, without a single problem', () => {
    expect(compileWorkflow(SEED).problems).toEqual([]);
  });

  it('compiles to the expected graph', () => {
    expect(workflow.type).toBe('hybrid');
    expect(workflow.computedType).toBe('hybrid');
    expect(workflow.entrySteps).toEqual(['validate_input']);
    expect(workflow.topologicalOrder).toEqual([
      'validate_input',
      'generate_content',
      'quality_gate',
      'optimize_content',
    ]);
    expect(workflow.triggers).toEqual([
      { type: 'schedule', schedule: '0 9 * * 1-5', timezone: 'UTC', catchUp: 'skip' },
      { type: 'event', eventType: 'campaign.content_requested' },
    ]);
    const generate = workflow.steps.get('generate_content');
    expect(generate).toMatchObject({
      type: 'agent',
      agent: { agentType: 'social-media-content', action: 'create_content' },
      timeoutMs: 300_000,
      retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 3, backoffFactor: 2 },
      predecessors: ['validate_input'],
      successors: [{ to: 'quality_gate' }],
      joinCount: 1,
      onFailure: { kind: 'fail' },
    });
    expect(workflow.steps.get('validate_input')?.validation).toEqual({
      requiredFields: ['brand_id', 'content_topic'],
    });
    expect(workflow.steps.get('quality_gate')?.contributesOutput).toBe(false);
  });

  it('routes a low score through optimize_content and a high score past it', async () => {
    const gate = workflow.steps.get('quality_gate');
    const optimize = workflow.steps.get('optimize_content');
    const edge = gate?.successors[0];
    if (!gate || !optimize || !edge?.condition) throw new Error('seed graph changed');
    for (const [score, expected] of [
      [60, true],
      [90, false],
    ] as const) {
      const scope = buildExecutionScope({
        input: { brand_id: 'b', content_topic: 't' },
        finishedSteps: [{ stepId: 'generate_content', output: { quality_score: score } }],
      });
      expect(await evaluateCondition(gate.conditions[0]!, scope)).toEqual({ ok: true, value: !expected });
      expect(await evaluateCondition(edge.condition, scope)).toEqual({ ok: true, value: expected });
      expect(await evaluateCondition(optimize.conditions[0]!, scope)).toEqual({ ok: true, value: expected });
    }
  });

  it('is deeply immutable', () => {
    expect(Object.isFrozen(workflow)).toBe(true);
    expect(Object.isFrozen(workflow.steps.get('generate_content')?.retry)).toBe(true);
    expect(Object.isFrozen(workflow.definition.steps[0])).toBe(true);
    expect('set' in workflow.steps).toBe(false);
  });
});

describe('compilation details', () => {
  it('runs steps in listed order when connections are absent', () => {
    const workflow = compiled({
      workflow: {
        name: 'listed order',
        steps: [
          { id: 'a', type: 'delay', duration: '1h30m' },
          { id: 'b', type: 'transform', output: '{"x": 1}' },
        ],
      },
    });
    expect(workflow.entrySteps).toEqual(['a']);
    expect(workflow.steps.get('a')).toMatchObject({ delayMs: 5_400_000, successors: [{ to: 'b' }] });
    expect(workflow.type).toBe('sequential');
  });

  it('starts every step at once with an empty connection list, and computes the type as parallel', () => {
    const workflow = compiled({
      workflow: {
        name: 'fan',
        connections: [],
        steps: [
          { id: 'a', type: 'agent', agent_type: 'x', action: 'y' },
          { id: 'b', type: 'agent', agent_type: 'x', action: 'y' },
        ],
      },
    });
    expect(workflow.entrySteps).toEqual(['a', 'b']);
    expect(workflow.computedType).toBe('parallel');
  });

  it('records goto edges separately from predecessors, and counts joins', () => {
    const workflow = compiled({
      workflow: {
        name: 'joins',
        steps: [
          { id: 'a', type: 'agent', agent_type: 'x', action: 'y', on_failure: { goto: 'recover' } },
          { id: 'b', type: 'agent', agent_type: 'x', action: 'y' },
          { id: 'c', type: 'agent', agent_type: 'x', action: 'y' },
          { id: 'merge', type: 'transform', output: '$steps', join: 'any' },
          { id: 'recover', type: 'fail', message: 'a failed' },
        ],
        connections: [
          { from: 'a', to: 'b' },
          { from: 'a', to: 'c' },
          { from: 'b', to: 'merge' },
          { from: 'c', to: 'merge' },
        ],
      },
    });
    expect(workflow.steps.get('merge')).toMatchObject({
      predecessors: ['b', 'c'],
      join: 'any',
      joinCount: 1,
    });
    expect(workflow.steps.get('recover')).toMatchObject({
      predecessors: [],
      gotoSources: ['a'],
      failMessage: 'a failed',
    });
    expect(workflow.steps.get('a')?.onFailure).toEqual({ kind: 'goto', target: 'recover' });
    expect(workflow.entrySteps).toEqual(['a']);
  });

  it('fills retry defaults, raising the ceiling to a long initial interval', () => {
    const workflow = compiled({
      workflow: {
        name: 'retry',
        steps: [
          {
            id: 'a',
            type: 'agent',
            agent_type: 'x',
            action: 'y',
            retry_policy: { max_attempts: 5, initial_interval: 'PT10M', non_retryable_errors: ['BAD_INPUT'] },
          },
        ],
      },
    });
    expect(workflow.steps.get('a')?.retry).toEqual({
      maxAttempts: 5,
      backoffFactor: 2,
      initialIntervalMs: 600_000,
      maxIntervalMs: 600_000,
      jitter: true,
      nonRetryableErrors: ['BAD_INPUT'],
    });
  });

  it('parseDefinition returns the definition as written, frozen', () => {
    const { definition, problems } = parseDefinition(SEED);
    expect(problems).toEqual([]);
    expect(definition?.steps[2]).toEqual({
      id: 'quality_gate',
      type: 'condition',
      conditions: [{ expression: 'quality_score >= 75', operator: 'greater_or_equal' }],
    });
  });
});

describe('rules that need more than a fixture', () => {
  const catalog = staticAgentCatalog({ 'social-media-content': ['create_content', 'schedule_content'] });

  it('checks actions against an agent catalog when the agent is known', () => {
    expect(messages(SEED, { agentCatalog: catalog })).toEqual([
      "error: /workflow/steps/3/action step 'optimize_content': action: agent 'social-media-content' has no action " +
        "'enhance_content'; its actions are create_content, schedule_content",
    ]);
  });

  it('suggests the nearest action', () => {
    const source = SEED.replace('create_content', 'create_contnet');
    expect(
      messages(source, {
        agentCatalog: staticAgentCatalog({ 'social-media-content': ['create_content', 'enhance_content'] }),
      }),
    ).toEqual([
      "error: /workflow/steps/1/action step 'generate_content': action: agent 'social-media-content' has no action " +
        "'create_contnet' (did you mean 'create_content'?); its actions are create_content, enhance_content",
    ]);
  });

  it('gives pointers but no positions for an already-parsed object', () => {
    const problems = compileWorkflow({
      workflow: { name: 'x', steps: [{ id: 'a', type: 'delay', duration: 'soon' }] },
    }).problems;
    expect(problems).toEqual([
      {
        severity: 'error',
        rule: 'invalid-duration',
        pointer: '/workflow/steps/0/duration',
        message:
          "step 'a': duration: 'soon' is not a duration; use a number with a unit (ms, s, m, h, d), e.g. '30s' or '1h30m', or ISO 8601 such as 'PT5M'",
      },
    ]);
  });

  it('locates problems in JSON sources by line and column', () => {
    const json =
      '{\n  "workflow": {\n    "name": "j",\n    "steps": [{"id": "a", "type": "sleep"}]\n  }\n}\n';
    const [problem] = compileWorkflow(json).problems;
    expect(problem).toMatchObject({ line: 4, column: 35, pointer: '/workflow/steps/0/type' });
  });

  it('warns when the declared type does not match, and still compiles', () => {
    const result = compileWorkflow(SEED.replace('type: "hybrid"', 'type: "parallel"'));
    expect(result.workflow?.type).toBe('parallel');
    expect(result.workflow?.computedType).toBe('hybrid');
    expect(result.problems.map((problem) => `${problem.line}:${problem.column} ${problem.message}`)).toEqual([
      "3:9 workflow type 'parallel' does not match the graph: the graph has nothing parallel about it; it looks hybrid (computed type: hybrid)",
    ]);
  });

  it('warns that join has no effect on a step with a single predecessor', () => {
    expect(messages({ workflow: { name: 'j', steps: [{ id: 'a', type: 'end', join: 'any' }] } })).toEqual([
      "warning: /workflow/steps/0/join step 'a': join has no effect on a step with no incoming connection",
    ]);
  });

  it('names steps after an end step in listed order', () => {
    expect(
      messages({
        workflow: {
          name: 'e',
          steps: [
            { id: 'stop', type: 'end' },
            { id: 'never', type: 'end' },
          ],
        },
      }),
    ).toEqual([
      "error: /workflow/steps/0 step 'stop' finishes the execution, so 'never' listed after it would never run; add 'connections' or move it last",
    ]);
  });

  it('requires a validation step to say what it checks', () => {
    expect(
      messages({ workflow: { name: 'v', steps: [{ id: 'v', type: 'validation', parameters: {} }] } }),
    ).toEqual([
      "error: /workflow/steps/0/parameters step 'v': parameters needs 'required_fields' or 'schema'",
    ]);
  });

  it('refuses step ids that expressions could not name', () => {
    expect(messages({ workflow: { name: 'v', steps: [{ id: '1st step', type: 'end' }] } })).toEqual([
      "error: /workflow/steps/0/id step id '1st step' must start with a letter and contain only letters, digits, '_' and '-' (at most 64 characters)",
    ]);
  });
});
