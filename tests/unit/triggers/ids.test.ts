import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deterministicUuid,
  eventExecutionId,
  eventSignalId,
  scheduledExecutionId,
  triggerId,
} from '../../../src/triggers/ids.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('trigger ids', () => {
  it('the same tick or event always gives the same id, shaped as a UUID', () => {
    const a = scheduledExecutionId('wf-1', 0, 1_700_000_000_000);
    expect(a).toMatch(UUID);
    expect(scheduledExecutionId('wf-1', 0, 1_700_000_000_000)).toBe(a);
    expect(eventExecutionId('wf-1', 1, 'id:s:e-1')).toBe(eventExecutionId('wf-1', 1, 'id:s:e-1'));
    expect(eventSignalId('id:s:e-1')).toMatch(UUID);
  });

  it('differs in every part', () => {
    const base = scheduledExecutionId('wf-1', 0, 1000);
    expect(scheduledExecutionId('wf-2', 0, 1000)).not.toBe(base);
    expect(scheduledExecutionId('wf-1', 1, 1000)).not.toBe(base);
    expect(scheduledExecutionId('wf-1', 0, 2000)).not.toBe(base);
    // A schedule tick and an event never share an id, even with equal parts.
    expect(eventExecutionId('wf-1', 0, '1000')).not.toBe(base);
  });

  it('part boundaries cannot be shifted to forge a collision', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (a, b, c, d) => {
        fc.pre(a !== c || b !== d);
        expect(deterministicUuid('n', a, b)).not.toBe(deterministicUuid('n', c, d));
      }),
    );
    expect(deterministicUuid('n', 'a\u0000', 'b')).not.toBe(deterministicUuid('n', 'a', '\u0000b'));
  });

  it('trigger ids name the workflow and the trigger position', () => {
    expect(triggerId('wf-1', 2)).toBe('wf-1/2');
  });
});
