// Property-based checks: whatever the input, validation returns problems instead of throwing, and whatever it
// accepts compiles to a graph in which every step can be reached.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWorkflow, STEP_TYPES, type CompiledWorkflow } from '../../../src/definition/index.js';

const SEED = readFileSync('tests/fixtures/workflows/seed-content-creation.yaml', 'utf8');

function reachableSteps(workflow: CompiledWorkflow): Set<string> {
  const reached = new Set(workflow.entrySteps);
  const queue = [...workflow.entrySteps];
  while (queue.length > 0) {
    const step = workflow.steps.get(queue.pop() as string);
    if (!step) continue;
    const next = [
      ...step.successors.map((edge) => edge.to),
      ...(step.onFailure.kind === 'goto' ? [step.onFailure.target] : []),
    ];
    for (const id of next) {
      if (!reached.has(id)) {
        reached.add(id);
        queue.push(id);
      }
    }
  }
  return reached;
}

// Mostly well-formed steps with an occasional mistake, so that both outcomes occur often.
const specificKeys = {
  agent: { agent_type: fc.constantFrom('writer', 'reader'), action: fc.constantFrom('draft', 'fetch') },
  validation: { parameters: fc.constant({ required_fields: ['a'] }) },
  condition: {
    conditions: fc.array(fc.record({ expression: fc.constantFrom('x > 1', 'quality_score >= 75', 'x >') }), {
      minLength: 1,
      maxLength: 2,
    }),
  },
  transform: { output: fc.constantFrom('$steps', 'x.y', '{"a": 1}', 'a +') },
  delay: { duration: fc.constantFrom('5m', 'PT1S', '1h30m', 'soon') },
  wait_for_event: { event_type: fc.constant('thing.happened') },
  sub_workflow: { workflow: fc.constant('child') },
  end: {},
  fail: { message: fc.constant('stop') },
} as const;

const stepArbitrary = (ids: readonly string[]) =>
  fc.constantFrom(...STEP_TYPES).chain((type) =>
    fc.record(
      {
        id: fc.constantFrom(...ids),
        type: fc.constant<string>(type),
        ...specificKeys[type],
        on_failure: fc.oneof(
          fc.constantFrom('fail', 'continue'),
          fc.record({ goto: fc.constantFrom(...ids, 'nowhere') }),
        ),
        join: fc.constantFrom('all', 'any', 'some'),
        timeout: fc.constantFrom('30s', '1h30m', 30),
        conditions: fc.array(fc.record({ expression: fc.constantFrom('x > 1', 'y = "a"') }), {
          maxLength: 1,
        }),
      },
      { requiredKeys: ['id', 'type', ...(Object.keys(specificKeys[type]) as never[])] },
    ),
  );

const definitionArbitrary = fc
  .integer({ min: 1, max: 8 })
  .chain((count) => {
    const ids = Array.from({ length: count }, (_, index) => `s${index}`);
    return fc.record({
      steps: fc.array(stepArbitrary(ids), { minLength: 1, maxLength: count + 1 }),
      connections: fc.option(
        fc.array(
          fc.record({
            from: fc.constantFrom(...ids),
            to: fc.constantFrom(...ids),
            condition: fc.option(fc.constantFrom('x > 1', 'bad ('), { nil: undefined }),
          }),
          { maxLength: count * 2 },
        ),
        { nil: undefined },
      ),
      type: fc.option(fc.constantFrom('sequential', 'parallel', 'conditional', 'event-driven', 'hybrid'), {
        nil: undefined,
      }),
    });
  })
  .map(({ steps, connections, type }) => ({
    workflow: {
      name: 'generated',
      ...(type === undefined ? {} : { type }),
      steps,
      ...(connections === undefined
        ? {}
        : {
            connections: connections.map((c) => (c.condition === undefined ? { from: c.from, to: c.to } : c)),
          }),
    },
  }));

// Hundreds of generated definitions each: a second alone, many more on a busy 2-core machine.
const PROPERTY_TIMEOUT_MS = 60_000;
describe('properties', () => {
  it(
    'never throws on arbitrary JSON values',
    () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
          const result = compileWorkflow({ workflow: value } as Record<string, unknown>);
          expect(Array.isArray(result.problems)).toBe(true);
        }),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'never throws on arbitrary text or bytes',
    () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.uint8Array({ maxLength: 400 })), (source) => {
          expect(Array.isArray(compileWorkflow(source).problems)).toBe(true);
        }),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'never throws on mutations of a valid definition',
    () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(SEED.length), fc.nat(6), fc.string({ maxLength: 4 })), {
            minLength: 1,
            maxLength: 4,
          }),
          (edits) => {
            let text = SEED;
            for (const [at, remove, insert] of edits)
              text = text.slice(0, at) + insert + text.slice(at + remove);
            const result = compileWorkflow(text);
            for (const problem of result.problems) expect(typeof problem.message).toBe('string');
          },
        ),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'compiles every accepted random graph so that every step is reachable and ordered',
    () => {
      let accepted = 0;
      fc.assert(
        fc.property(definitionArbitrary, (definition) => {
          const result = compileWorkflow(definition);
          if (!result.workflow) {
            expect(result.problems.some((problem) => problem.severity === 'error')).toBe(true);
            return;
          }
          accepted++;
          const { workflow } = result;
          expect(reachableSteps(workflow)).toEqual(new Set(workflow.stepOrder));
          expect([...workflow.topologicalOrder].sort()).toEqual([...workflow.stepOrder].sort());
          const position = new Map(workflow.topologicalOrder.map((id, index) => [id, index]));
          for (const step of workflow.steps.values()) {
            for (const edge of step.successors)
              expect(position.get(edge.to)).toBeGreaterThan(position.get(step.id) ?? -1);
          }
        }),
        { numRuns: 500 },
      );
      expect(accepted).toBeGreaterThan(0);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'accepts any acyclic graph of well-formed steps',
    () => {
      const dag = fc
        .integer({ min: 1, max: 10 })
        .chain((count) =>
          fc
            .array(fc.tuple(fc.nat(count - 1), fc.nat(count - 1)), { maxLength: count * 2 })
            .map((pairs) => ({ count, pairs: pairs.filter(([a, b]) => a < b) })),
        );
      fc.assert(
        fc.property(dag, ({ count, pairs }) => {
          const ids = Array.from({ length: count }, (_, index) => `s${index}`);
          const connections = [...new Set(pairs.map(([a, b]) => `${a}:${b}`))].map((key) => {
            const [a, b] = key.split(':').map(Number);
            return { from: ids[a as number] as string, to: ids[b as number] as string };
          });
          const touched = new Set(connections.flatMap((edge) => [edge.from, edge.to]));
          // A step no connection touches is a mistake when others are connected; link each such step from s0.
          if (connections.length > 0) {
            for (const id of ids.slice(1)) if (!touched.has(id)) connections.push({ from: 's0', to: id });
            if (!connections.some((edge) => edge.from === 's0')) connections.push({ from: 's0', to: 's1' });
          }
          const result = compileWorkflow({
            workflow: {
              name: 'dag',
              steps: ids.map((id) => ({ id, type: 'agent', agent_type: 'w', action: 'a' })),
              connections,
            },
          });
          expect(result.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
          expect(result.workflow?.steps.size).toBe(count);
        }),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
