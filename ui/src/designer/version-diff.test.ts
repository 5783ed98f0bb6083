// Which steps differ between two versions: the marks the versions page puts on the graph and in its list.
import { describe, expect, it } from 'vitest';
import { stepChanges } from './version-diff';

const BEFORE = {
  workflow: {
    name: 'w',
    steps: [
      { id: 'a', type: 'transform', output: '1' },
      { id: 'b', type: 'transform', output: '2' },
    ],
  },
};

describe('version diff by step', () => {
  it('lists added, removed and changed steps and notices changed connections', () => {
    const after = {
      workflow: {
        name: 'w',
        steps: [
          { id: 'a', type: 'transform', output: '10' },
          { id: 'c', type: 'end' },
        ],
        connections: [{ from: 'a', to: 'c', condition: 'x > 1' }],
      },
    };
    expect(stepChanges(BEFORE, after)).toEqual({
      steps: [
        { id: 'a', change: 'changed' },
        { id: 'c', change: 'added' },
        { id: 'b', change: 'removed' },
      ],
      connectionsChanged: true,
    });
  });

  it('finds nothing between a version and itself', () => {
    expect(stepChanges(BEFORE, structuredClone(BEFORE))).toEqual({ steps: [], connectionsChanged: false });
  });
});
