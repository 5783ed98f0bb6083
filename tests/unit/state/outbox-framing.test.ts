import { describe, expect, it } from 'vitest';
import {
  compareOutboxIds,
  decodeOutboxRecord,
  encodeOutboxRecord,
  outboxEntriesFrom,
  type OutboxRecord,
} from '../../../src/state/outbox-framing.js';

describe('outbox framing', () => {
  it('round-trips a record with key, headers and binary value', () => {
    const record: OutboxRecord = {
      topic: 'percolator.agent.notifier.commands',
      key: Buffer.from('exec-1'),
      value: Buffer.from([0, 0, 0, 0, 7, 0xff, 0x00, 0x10]),
      headers: { traceparent: Buffer.from('00-abc-01'), 'ce-type': Buffer.alloc(0) },
    };
    expect(decodeOutboxRecord(encodeOutboxRecord(record))).toEqual(record);
  });

  it('keeps null keys and values apart from empty ones', () => {
    const nulls: OutboxRecord = { topic: 't', key: null, value: null };
    const empties: OutboxRecord = { topic: 't', key: Buffer.alloc(0), value: Buffer.alloc(0) };
    expect(decodeOutboxRecord(encodeOutboxRecord(nulls))).toEqual(nulls);
    expect(decodeOutboxRecord(encodeOutboxRecord(empties))).toEqual(empties);
  });

  it('adds only a few bytes to the payload', () => {
    const value = Buffer.alloc(500);
    const frame = encodeOutboxRecord({ topic: 'topic', key: Buffer.from('exec-1'), value });
    expect(frame.length - value.length - 'topic'.length - 'exec-1'.length).toBe(13);
  });

  it('refuses a truncated, extended or unknown frame', () => {
    const frame = encodeOutboxRecord({ topic: 't', key: null, value: Buffer.from('v') });
    expect(() => decodeOutboxRecord(frame.subarray(0, frame.length - 1))).toThrow(/truncated/);
    expect(() => decodeOutboxRecord(Buffer.concat([frame, Buffer.from([1])]))).toThrow(/trailing/);
    expect(() => decodeOutboxRecord(Buffer.from([9]))).toThrow(/format 9/);
  });

  it('orders entries by version, then position, numerically', () => {
    const ids = ['10-0', '2-1', '2-10', '2-2', '9-0'];
    expect([...ids].sort(compareOutboxIds)).toEqual(['2-1', '2-2', '2-10', '9-0', '10-0']);
    const frame = encodeOutboxRecord({ topic: 't', key: null, value: null });
    expect(
      outboxEntriesFrom([
        ['3-0', frame],
        ['1-0', frame],
      ]).map((entry) => entry.id),
    ).toEqual(['1-0', '3-0']);
  });
});
