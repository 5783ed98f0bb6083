// The byte layout of one outbox entry: an already-encoded Kafka record (topic, key, headers, value) framed
// so that Lua can store and return it untouched and the publisher can hand it to the producer as is.
//
//   u8 format (1) | u16 topic length | topic | i32 key length (-1 = null) | key
//   | u16 header count | per header: u16 name length | name | i32 value length | value
//   | i32 value length (-1 = null) | value
//
// Integers are big-endian. Binary framing instead of base64 keeps an entry within a few bytes of its payload.
import { PercolatorError } from '../errors.js';

export interface OutboxRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer>;
}

export interface OutboxEntry {
  /** `<version>-<n>`: the n-th record appended by the transition that produced that version. */
  id: string;
  record: OutboxRecord;
}

const FORMAT = 1;

export function encodeOutboxRecord(record: OutboxRecord): Buffer {
  const topic = Buffer.from(record.topic, 'utf8');
  const headers = Object.entries(record.headers ?? {}).map(
    ([name, value]) => [Buffer.from(name, 'utf8'), value] as const,
  );
  if (topic.length > 0xffff || headers.length > 0xffff || headers.some(([name]) => name.length > 0xffff)) {
    throw new PercolatorError(
      'STATE_INVALID_ARGUMENT',
      `outbox record for ${record.topic} is too large to frame`,
      false,
    );
  }
  let size = 1 + 2 + topic.length + 4 + (record.key?.length ?? 0) + 2 + 4 + (record.value?.length ?? 0);
  for (const [name, value] of headers) size += 2 + name.length + 4 + value.length;

  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt8(FORMAT, 0);
  at = out.writeUInt16BE(topic.length, at);
  at += topic.copy(out, at);
  at = writeBytes(out, at, record.key);
  at = out.writeUInt16BE(headers.length, at);
  for (const [name, value] of headers) {
    at = out.writeUInt16BE(name.length, at);
    at += name.copy(out, at);
    at = writeBytes(out, at, value);
  }
  writeBytes(out, at, record.value);
  return out;
}

export function decodeOutboxRecord(frame: Buffer): OutboxRecord {
  const reader = new Reader(frame);
  const format = reader.u8();
  if (format !== FORMAT) reader.fail(`unknown format ${format}`);
  const topic = reader.take(reader.u16()).toString('utf8');
  const key = reader.bytes();
  const headerCount = reader.u16();
  const headers: Record<string, Buffer> = {};
  for (let n = 0; n < headerCount; n++) {
    const name = reader.take(reader.u16()).toString('utf8');
    headers[name] = reader.bytes() ?? Buffer.alloc(0);
  }
  const value = reader.bytes();
  if (!reader.done()) reader.fail('trailing bytes');
  return headerCount > 0 ? { topic, key, value, headers } : { topic, key, value };
}

/** Decoded entries from (id, frame) pairs, in publishing order. */
export function outboxEntriesFrom(pairs: Iterable<[string, Buffer]>): OutboxEntry[] {
  return Array.from(pairs, ([id, frame]) => ({ id, record: decodeOutboxRecord(frame) })).sort((a, b) =>
    compareOutboxIds(a.id, b.id),
  );
}

/** Orders outbox entry ids by version, then by position, so records are re-published in their original order. */
export function compareOutboxIds(a: string, b: string): number {
  const [av, an] = splitId(a);
  const [bv, bn] = splitId(b);
  return av - bv || an - bn;
}

export function outboxId(version: number, position: number): string {
  return `${version}-${position}`;
}

function splitId(id: string): [number, number] {
  const dash = id.indexOf('-');
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

function writeBytes(out: Buffer, at: number, bytes: Buffer | null): number {
  if (bytes === null) return out.writeInt32BE(-1, at);
  const next = out.writeInt32BE(bytes.length, at);
  return next + bytes.copy(out, next);
}

class Reader {
  private at = 0;
  constructor(private readonly frame: Buffer) {}

  u8(): number {
    this.need(1);
    return this.frame.readUInt8(this.at++);
  }

  u16(): number {
    this.need(2);
    const value = this.frame.readUInt16BE(this.at);
    this.at += 2;
    return value;
  }

  bytes(): Buffer | null {
    this.need(4);
    const length = this.frame.readInt32BE(this.at);
    this.at += 4;
    return length < 0 ? null : this.take(length);
  }

  take(length: number): Buffer {
    this.need(length);
    const slice = this.frame.subarray(this.at, this.at + length);
    this.at += length;
    return slice;
  }

  done(): boolean {
    return this.at === this.frame.length;
  }

  fail(reason: string): never {
    throw new PercolatorError('STATE_CORRUPT_OUTBOX', `outbox record cannot be decoded: ${reason}`, false);
  }

  private need(length: number): void {
    if (this.at + length > this.frame.length) this.fail('truncated');
  }
}
