import { describe, expect, it } from 'vitest';
import {
  buildEventScope,
  buildExecutionScope,
  compileExpression,
  evaluateCondition,
  evaluateExpression,
  isTruthy,
  type CompiledExpression,
  type EvaluationScope,
} from '../../../src/expression/index.js';

function compiled(source: string, limits = {}): CompiledExpression {
  const result = compileExpression(source, limits);
  if (!result.ok) throw new Error(result.error.message);
  return result.expression;
}

const scope = buildExecutionScope({
  input: { brand_id: 'b-1', quality_score: 10, topic: 'launch' },
  finishedSteps: [
    { stepId: 'generate_content', output: { quality_score: 60, draft: 'first' } },
    { stepId: 'review', output: { quality_score: 80 } },
    { stepId: 'quality_gate', output: { passed: true }, mergeIntoContext: false },
  ],
});

describe('compileExpression', () => {
  it('reports JSONata syntax errors with the position of the offending token', () => {
    expect(compileExpression('a +* b')).toEqual({
      ok: false,
      error: { code: 'S0201', message: 'Syntax error: "b"', position: 6 },
    });
    expect(compileExpression('quality_score >=')).toMatchObject({
      ok: false,
      error: { code: 'S0207', message: 'Unexpected end of expression' },
    });
  });

  it('refuses expressions longer than the limit and empty ones', () => {
    expect(compileExpression('a'.repeat(11), { maxLength: 10 })).toEqual({
      ok: false,
      error: { code: 'E_TOO_LONG', message: 'is 11 characters long; the limit is 10' },
    });
    expect(compileExpression('  ')).toEqual({ ok: false, error: { code: 'E_EMPTY', message: 'is empty' } });
  });

  it('refuses non-deterministic functions at compile time', () => {
    expect(compileExpression('$random() > 0.5')).toEqual({
      ok: false,
      error: {
        code: 'E_FORBIDDEN_FUNCTION',
        message:
          'calls $random(), which is not available: expressions must give the same result on every replay',
        position: 1,
      },
    });
  });

  it('returns a frozen handle that carries its source', () => {
    const expression = compiled('a + 1');
    expect(expression).toEqual({ source: 'a + 1' });
    expect(Object.isFrozen(expression)).toBe(true);
  });
});

describe('the evaluation context', () => {
  it('resolves a bare name to the latest finished step that reported it', async () => {
    expect(await evaluateExpression(compiled('quality_score'), scope)).toEqual({ ok: true, value: 80 });
  });

  it('falls back to the workflow input for names no step reported', async () => {
    expect(await evaluateExpression(compiled('brand_id'), scope)).toEqual({ ok: true, value: 'b-1' });
  });

  it('names one step explicitly by its id, or through $steps', async () => {
    expect(await evaluateExpression(compiled('generate_content.quality_score'), scope)).toEqual({
      ok: true,
      value: 60,
    });
    expect(await evaluateExpression(compiled('$steps.generate_content.draft'), scope)).toEqual({
      ok: true,
      value: 'first',
    });
  });

  it('keeps the untouched input under $input', async () => {
    expect(await evaluateExpression(compiled('$input.quality_score'), scope)).toEqual({
      ok: true,
      value: 10,
    });
  });

  it('does not merge control steps into the bare names', async () => {
    expect(await evaluateExpression(compiled('passed'), scope)).toEqual({ ok: true, value: undefined });
    expect(await evaluateExpression(compiled('quality_gate.passed'), scope)).toEqual({
      ok: true,
      value: true,
    });
  });

  it("gives event filters the event's data as root and the whole CloudEvent as $event", async () => {
    const event = buildEventScope({ type: 'campaign.content_requested', id: 'e-1', data: { priority: 3 } });
    expect(
      await evaluateCondition(compiled('priority > 2 and $event.type = "campaign.content_requested"'), event),
    ).toEqual({
      ok: true,
      value: true,
    });
  });

  it('treats __proto__ in data as an ordinary key', async () => {
    const hostile = buildExecutionScope({
      input: JSON.parse('{"__proto__": {"polluted": 1}}') as unknown,
      finishedSteps: [],
    });
    await evaluateExpression(compiled('$'), hostile);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('evaluateCondition', () => {
  it('applies the seed quality gate', async () => {
    expect(await evaluateCondition(compiled('quality_score >= 75'), scope)).toEqual({
      ok: true,
      value: true,
    });
    expect(await evaluateCondition(compiled('quality_score < 75'), scope)).toEqual({
      ok: true,
      value: false,
    });
  });

  it('treats a missing value as false', async () => {
    expect(await evaluateCondition(compiled('no_such_field'), scope)).toEqual({ ok: true, value: false });
  });

  it('follows JSONata truthiness', () => {
    expect(
      [0, 1, '', 'x', [], [0], [0, 1], {}, { a: 1 }, null, undefined, true, false].map(isTruthy),
    ).toEqual([false, true, false, true, false, false, true, false, true, false, false, true, false]);
  });
});

describe('guards', () => {
  const empty: EvaluationScope = { root: {}, bindings: {} };

  it('stops runaway recursion at the depth limit', async () => {
    const result = await evaluateExpression(
      compiled('($f := function($n){ 1 + $f($n + 1) }; $f(0))', { maxDepth: 50, timeoutMs: 1000 }),
      empty,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'D1011' } });
  });

  it('stops an endless tail-recursive loop at the step budget', async () => {
    const result = await evaluateExpression(
      compiled('($f := function($n){ $f($n + 1) }; $f(0))', { maxSteps: 5_000 }),
      empty,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'E_STEPS' } });
    expect(result.ok || result.error.message).toContain('more than 5000 steps');
  });

  it('stops long loops at the step budget with the same verdict every time, whatever the load', async () => {
    const loop = '$reduce([1..2000], function($a, $b){ $a + $b })';
    const needed = await stepsOf(loop);
    for (let run = 0; run < 3; run++) {
      expect(await evaluateExpression(compiled(loop, { maxSteps: needed }), empty)).toEqual({
        ok: true,
        value: 2001000,
      });
      expect(await evaluateExpression(compiled(loop, { maxSteps: needed - 1 }), empty)).toMatchObject({
        ok: false,
        error: { code: 'E_STEPS' },
      });
    }
  });

  it('keeps a wall-clock backstop for what the step budget allows', async () => {
    const result = await evaluateExpression(
      compiled('$reduce([1..90000], function($a, $b){ $a + $b })', { maxSteps: 10_000_000, timeoutMs: 20 }),
      empty,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'D1012' } });
  });

  /** The fewest steps `source` needs: the smallest budget under which it succeeds. */
  async function stepsOf(source: string): Promise<number> {
    let [low, high] = [1, 1_000_000];
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const result = await evaluateExpression(compiled(source, { maxSteps: middle }), empty);
      if (result.ok) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  it('stops huge sequences', async () => {
    const result = await evaluateExpression(compiled('[1..1000000]', { maxSequenceLength: 1000 }), empty);
    expect(result).toMatchObject({ ok: false, error: { code: 'D2015' } });
  });

  it('refuses results larger than the size limit', async () => {
    const result = await evaluateExpression(compiled('$pad("", 5000, "x")', { maxResultBytes: 1000 }), empty);
    expect(result).toEqual({
      ok: false,
      error: { code: 'E_RESULT', message: 'the result is larger than 1000 bytes of JSON' },
    });
  });

  it('refuses functions as results', async () => {
    const result = await evaluateExpression(compiled('function($x){ $x }'), empty);
    expect(result).toEqual({
      ok: false,
      error: { code: 'E_RESULT', message: 'the result is a function, which is not JSON data' },
    });
  });

  it('makes $now() report the given timestamp, and fail without one', async () => {
    const now = compiled('$now()');
    expect(await evaluateExpression(now, empty, { nowMs: Date.UTC(2025, 0, 2, 3, 4, 5) })).toEqual({
      ok: true,
      value: '2025-01-02T03:04:05.000Z',
    });
    expect(await evaluateExpression(now, empty)).toMatchObject({
      ok: false,
      error: { code: 'E_UNAVAILABLE', message: '$now() is not available: no timestamp was given' },
    });
  });
});
