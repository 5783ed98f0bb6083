// Dead letters: a record that can never be processed goes to the dead-letter topic with why and where it came
// from (topic, partition, offset, its bytes and headers), and the consumer goes on. Every consumer of the engine
// builds them the same way here.
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { DeadLetter } from './envelopes.js';
import type { EnvelopeCodec } from './schemas.js';

function headerBuffer(value: IHeaders[string]): Buffer | undefined {
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  if (last === undefined) return undefined;
  return Buffer.isBuffer(last) ? last : Buffer.from(String(last));
}

/** A record's headers with one Buffer per name (the last value of a repeated header). */
export function flattenHeaders(headers: IHeaders | undefined): Record<string, Buffer> {
  const flat: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const buffer = headerBuffer(value);
    if (buffer) flat[name] = buffer;
  }
  return flat;
}

export interface SourceRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

export function buildDeadLetter(
  source: SourceRecord,
  reason: { code: string; message: string },
  consumerGroup: string,
  failedAt: number,
): DeadLetter {
  return {
    reason_code: reason.code,
    message: reason.message,
    source_topic: source.topic,
    source_partition: source.partition,
    source_offset: Number(source.offset),
    consumer_group: consumerGroup,
    key: source.key ?? null,
    value: source.value ?? null,
    headers: flattenHeaders(source.headers),
    failed_at: failedAt,
  };
}

/** One rejected record of a batch: the message and why it cannot be processed. */
export interface Rejection {
  message: KafkaMessage;
  code: string;
  reason: string;
}

/** The dead-letter records for rejected messages of one topic-partition, ready to send. */
export function deadLetterMessages(
  codec: EnvelopeCodec,
  source: { topic: string; partition: number; consumerGroup: string },
  rejections: readonly Rejection[],
  failedAt: number = Date.now(),
): Message[] {
  return rejections.map(({ message, code, reason }) => ({
    key: message.key,
    value: codec.encode(
      'DeadLetter',
      buildDeadLetter(
        {
          topic: source.topic,
          partition: source.partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: message.headers,
        },
        { code, message: reason },
        source.consumerGroup,
        failedAt,
      ),
    ),
  }));
}
