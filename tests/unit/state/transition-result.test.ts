import { describe, expect, it } from 'vitest';
import { PercolatorError } from '../../../src/errors.js';
import { encodeOutboxRecord } from '../../../src/state/outbox-framing.js';
import { interpretTransitionReply, TransitionCode } from '../../../src/state/transition-result.js';

describe('interpretTransitionReply', () => {
  it('names the outbox ids an applied transition created', () => {
    expect(interpretTransitionReply('e1', [TransitionCode.Applied, 4], 2)).toEqual({
      outcome: 'applied',
      executionId: 'e1',
      version: 4,
      outboxIds: ['4-0', '4-1'],
    });
  });

  it('turns a version conflict into data', () => {
    expect(interpretTransitionReply('e1', [TransitionCode.VersionConflict, 7], 1)).toEqual({
      outcome: 'conflict',
      executionId: 'e1',
      storedVersion: 7,
    });
  });

  it('decodes the outbox handed back with a duplicate, in publishing order', () => {
    const record = { topic: 't', key: Buffer.from('e1'), value: Buffer.from('v') };
    const frame = encodeOutboxRecord(record);
    const reply = [TransitionCode.DuplicateInput, 3, Buffer.from('3-1'), frame, Buffer.from('3-0'), frame];
    expect(interpretTransitionReply('e1', reply, 0)).toEqual({
      outcome: 'duplicate',
      executionId: 'e1',
      storedVersion: 3,
      outbox: [
        { id: '3-0', record },
        { id: '3-1', record },
      ],
    });
  });

  it('throws a non-retriable error on anything else', () => {
    for (const reply of [[-9, 1], 'OK', null, [1]]) {
      expect(() => interpretTransitionReply('e1', reply, 0)).toThrow(PercolatorError);
    }
    try {
      interpretTransitionReply('e1', [-9, 1], 0);
    } catch (error) {
      expect(error).toMatchObject({ code: 'STATE_UNEXPECTED_REPLY', retriable: false });
    }
  });
});
