// Each broken definition under tests/fixtures/workflows/invalid/ sits beside `<name>.expected.txt`, which lists
// every problem exactly as `percolator validate` prints it after the file name: `<line>:<col> <message>`.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../../src/definition/index.js';

const DIRECTORY = 'tests/fixtures/workflows/invalid/';
const sources = readdirSync(DIRECTORY).filter((name) => /\.(ya?ml|json)$/.test(name));

describe('invalid definitions corpus', () => {
  it('has fixtures', () => {
    expect(sources.length).toBeGreaterThan(10);
  });

  it.each(sources)('%s reports exactly the expected problems', (name) => {
    const expected = readFileSync(DIRECTORY + name.replace(/\.(ya?ml|json)$/, '.expected.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    const result = compileWorkflow(readFileSync(DIRECTORY + name));
    const actual = result.problems.map(
      (problem) =>
        `${problem.line}:${problem.column} ${problem.severity === 'warning' ? 'warning: ' : ''}${problem.message}`,
    );
    expect(actual).toEqual(expected);
    expect(result.workflow).toBeUndefined();
  });
});
