import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkJsonText, checkJsonValue, type PayloadLimits } from '../../../src/payload/limits.js';

const limits: PayloadLimits = { maxBytes: 10_000, maxDepth: 8, maxStringLength: 20 };
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('payload limits', () => {
  it('accepts documents within every limit', () => {
    const text = JSON.stringify({ a: [1, { b: 'short' }], c: null, d: 'x'.repeat(20) });
    expect(checkJsonText(text, 'input', limits)).toBeUndefined();
    expect(checkJsonValue(JSON.parse(text), 'input', limits)).toBeUndefined();
  });

  it('names the depth limit, even for a document far too deep to parse recursively', () => {
    expect(checkJsonText(nested(8), 'input', limits)).toBeUndefined();
    expect(checkJsonText(nested(9), 'input', limits)).toMatchObject({ limit: 'max_depth', max: 8 });
    const hostile = checkJsonText(nested(1_000_000), 'input', { ...limits, maxBytes: 10_000_000 });
    expect(hostile?.message).toBe('input nests deeper than 8 levels of arrays and objects');
    let deep: unknown = 1;
    for (let index = 0; index < 100_000; index++) deep = [deep];
    expect(checkJsonValue(deep, 'input', limits)?.limit).toBe('max_depth');
  });

  it('ignores brackets inside strings, including escaped quotes', () => {
    expect(checkJsonText(JSON.stringify({ a: '[[[[[[[[[[' }), 'input', limits)).toBeUndefined();
    expect(checkJsonText(JSON.stringify({ a: '\\"[[[[[[[[[' }), 'input', limits)).toBeUndefined();
  });

  it('refuses long strings and keys, NUL characters and oversized documents', () => {
    expect(checkJsonText(JSON.stringify({ a: 'x'.repeat(21) }), 'input', limits)?.limit).toBe(
      'max_string_length',
    );
    expect(checkJsonValue({ ['k'.repeat(21)]: 1 }, 'input', limits)?.limit).toBe('max_string_length');
    expect(checkJsonText(JSON.stringify({ a: 'x\u0000y' }), 'input', limits)?.limit).toBe('nul_character');
    expect(checkJsonValue({ a: 'x\u0000y' }, 'input', limits)?.limit).toBe('nul_character');
    const big = JSON.stringify(Array.from({ length: 2000 }, () => 'abcdefgh'));
    expect(checkJsonText(big, 'input', limits)).toMatchObject({ limit: 'max_bytes', max: 10_000 });
    expect(checkJsonValue(JSON.parse(big), 'input', limits)?.limit).toBe('max_bytes');
  });

  it('text and value checks agree on depth for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), (value) => {
        const text = JSON.stringify(value);
        const byText = checkJsonText(text, 'input', { ...limits, maxStringLength: 1e9, maxBytes: 1e9 });
        const byValue = checkJsonValue(value, 'input', { ...limits, maxStringLength: 1e9, maxBytes: 1e9 });
        expect(byText?.limit === 'max_depth').toBe(byValue?.limit === 'max_depth');
      }),
    );
  });
});
