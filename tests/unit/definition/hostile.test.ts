// Hostile sources must end in a clear error, never a crash or a hang. Speed is the benchmark's business; these
// tests assert the error, with a generous timeout as a safety net.
import { describe, expect, it } from 'vitest';
import { compileWorkflow, type Problem } from '../../../src/definition/index.js';

const TIMEOUT = 10_000;

function summary(problems: readonly Problem[]): string[] {
  return problems.map(
    (problem) => `${problem.rule} ${problem.line ?? '-'}:${problem.column ?? '-'} ${problem.message}`,
  );
}

describe('hostile sources', () => {
  it(
    'refuses a 5 MB file before parsing it',
    () => {
      const source = 'workflow:\n  name: big\n  description: "' + 'x'.repeat(5 * 1024 * 1024) + '"\n';
      expect(summary(compileWorkflow(source).problems)).toEqual([
        'source-too-large -:- the source is 5242920 bytes; the limit is 1048576 bytes (1 MiB)',
      ]);
      expect(summary(compileWorkflow(Buffer.from(source)).problems)).toEqual([
        'source-too-large -:- the source is 5242920 bytes; the limit is 1048576 bytes (1 MiB)',
      ]);
    },
    TIMEOUT,
  );

  it(
    'refuses deep flow nesting',
    () => {
      expect(summary(compileWorkflow('workflow: ' + '['.repeat(500_000)).problems)).toEqual([
        'too-deep 1:75 the document is nested more than 64 levels deep',
      ]);
    },
    TIMEOUT,
  );

  it(
    'refuses deep block nesting written on one line',
    () => {
      expect(summary(compileWorkflow('- '.repeat(400_000) + 'x\n').problems)).toEqual([
        'too-deep 1:129 the document is nested more than 64 levels deep',
      ]);
    },
    TIMEOUT,
  );

  it(
    'refuses deep nesting of an already-parsed object, including a reference cycle',
    () => {
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      expect(summary(compileWorkflow({ workflow: cyclic }).problems)).toEqual([
        `too-deep -:- nested more than 64 levels deep`,
      ]);
    },
    TIMEOUT,
  );

  it(
    'refuses sources with too many tokens',
    () => {
      const source = 'workflow:\n  name: many\n  description:\n' + '    - x\n'.repeat(120_000);
      expect(summary(compileWorkflow(source).problems)).toEqual([
        expect.stringMatching(
          /^source-too-complex \d+:\d+ the source has more than 200000 YAML tokens/,
        ) as unknown as string,
      ]);
    },
    TIMEOUT,
  );

  it(
    'refuses a YAML alias bomb',
    () => {
      const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let level = 1; level <= 8; level++) {
        const previous = `*a${level - 1}`;
        lines.push(`a${level}: &a${level} [${Array.from({ length: 10 }, () => previous).join(', ')}]`);
      }
      const problems = compileWorkflow(lines.join('\n') + '\n').problems;
      expect(summary(problems)).toEqual([
        expect.stringMatching(
          /^too-many-nodes \d+:\d+ the document expands to more than 100000 values \(check for aliases that multiply content\)$/,
        ) as unknown as string,
      ]);
    },
    TIMEOUT,
  );

  it('refuses __proto__, constructor and prototype keys and leaves Object.prototype alone', () => {
    const source = [
      'workflow:',
      '  name: pollute',
      '  __proto__: {polluted: yes}',
      '  steps:',
      '    - {id: a, type: end, constructor: x, prototype: y}',
    ].join('\n');
    expect(summary(compileWorkflow(source).problems)).toEqual([
      "forbidden-key 3:3 the key '__proto__' is not allowed (it could tamper with object prototypes); rename it",
      "forbidden-key 5:26 the key 'constructor' is not allowed (it could tamper with object prototypes); rename it",
      "forbidden-key 5:42 the key 'prototype' is not allowed (it could tamper with object prototypes); rename it",
    ]);
    const parsed = JSON.parse(
      '{"workflow": {"name": "p", "steps": [{"id": "a", "type": "end"}], "__proto__": {"x": 1}}}',
    ) as Record<string, unknown>;
    expect(summary(compileWorkflow(parsed).problems)).toEqual([
      "forbidden-key -:- the key '__proto__' is not allowed (it could tamper with object prototypes); rename it",
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('reports the byte offset of invalid UTF-8', () => {
    const bytes = Buffer.concat([
      Buffer.from('workflow:\n  name: caf'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n'),
    ]);
    expect(summary(compileWorkflow(bytes).problems)).toEqual([
      'invalid-utf8 2:12 the source is not valid UTF-8: invalid byte 0xc3 at byte offset 21',
    ]);
  });

  it('reports a non-map document plainly', () => {
    expect(summary(compileWorkflow('just a string').problems)).toEqual([
      "wrong-type 1:1 the document must be a map with a 'workflow' key, not the string 'just a string'",
    ]);
    expect(summary(compileWorkflow('').problems)).toEqual([
      "wrong-type -:- the document must be a map with a 'workflow' key, not null",
    ]);
  });

  it('refuses expressions over the length limit', () => {
    const source = `workflow:\n  name: long\n  output: "${'a + '.repeat(1100)}1"\n  steps:\n    - {id: a, type: end}\n`;
    expect(summary(compileWorkflow(source).problems)).toEqual([
      'invalid-expression 3:11 output is not a valid expression: is 4401 characters long; the limit is 4096',
    ]);
  });
});
