// History rows back into the core's events: the round trip the history sink and recovery make together.
import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '../../../src/core/model.js';
import { IncompleteHistoryError, rebuildState } from '../../../src/core/rebuild.js';
import { toCoreEvents } from '../../../src/recovery/recorded-events.js';

/** As the engine records an event: data_json is the event without `type` and `at`, stored as jsonb. */
function recorded(events: readonly ExecutionEvent[]) {
  return events.map(({ type, at, ...data }, index) => ({
    seq: index + 1,
    type,
    data: JSON.parse(JSON.stringify(data)) as unknown,
    occurredAt: at,
  }));
}

const events: ExecutionEvent[] = [
  {
    type: 'ExecutionStarted',
    at: 1000,
    executionId: 'x1',
    workflowId: 'wf',
    workflowName: 'demo',
    workflowVersion: 2,
    input: { n: 1 },
  },
  { type: 'StepScheduled', at: 1000, stepId: 'a', attempt: 1, commandId: 'x1:a:1', deadline: 6000 },
  { type: 'StepSucceeded', at: 1500, stepId: 'a', attempt: 1, output: { v: 10 }, taken: ['b'], notTaken: [] },
];

describe('recorded events', () => {
  it('become the events they were, so the rebuilt state is the one they made', () => {
    const back = toCoreEvents('x1', recorded(events));
    expect(back).toEqual(events);
    expect(rebuildState(back)).toMatchObject({ status: 'running', seq: 3, completed: ['a'] });
  });

  it('refuse a history with a gap, naming the execution and the missing seq', () => {
    const rows = recorded(events);
    rows.splice(1, 1);
    expect(() => toCoreEvents('x1', rows)).toThrow(IncompleteHistoryError);
    expect(() => toCoreEvents('x1', rows)).toThrow('the history of x1 has event 3 where 2 belongs');
  });
});
