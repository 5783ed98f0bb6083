// Reads a Kafka record as a CloudEvent, following the CloudEvents Kafka protocol binding:
//   - structured mode: the `content-type` header is `application/cloudevents+json` (or, with no `ce_type`
//     header, the value is a JSON object with `specversion`); the attributes and `data` are in the JSON body;
//   - binary mode: the attributes are `ce_*` headers (`ce_type`, `ce_id`, `ce_source`, ...) and the value is the
//     data, as JSON or as Avro in the Confluent wire format (magic byte 0 + schema id), decoded via the registry.
// The inbound topic's declared record, a Percolator `Signal` envelope (Avro, no `ce_*` headers), is read as an
// event too: `event_type` is its type, `event_id` its id, `correlation_key` its correlation key.
// Anything else — garbage bytes, no type — is an invalid record with a reason code, never an exception (except
// a registry outage, which is retriable and rethrown).
import type { IHeaders } from 'kafkajs';
import { AvroCodecError, type AvroCodec } from '../../kafka/avro-codec.js';
import type { EnvelopeCodec } from '../../kafka/schemas.js';
import { isRetriable } from '../../errors.js';
import { checkJsonText } from '../../payload/limits.js';

/** A CloudEvent in its JSON shape: context attributes (incl. extensions) at the top, the payload in `data`. */
export interface CloudEvent {
  readonly specversion: string;
  readonly type: string;
  readonly id?: string;
  readonly source?: string;
  readonly subject?: string;
  readonly time?: string;
  readonly datacontenttype?: string;
  readonly data: unknown;
  readonly [extension: string]: unknown;
}

export interface KafkaRecordView {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  readonly headers?: IHeaders;
}

export type ParsedEvent =
  | {
      readonly ok: true;
      readonly event: CloudEvent;
      readonly mode: 'binary' | 'structured' | 'signal-envelope';
    }
  | { readonly ok: false; readonly code: InvalidEventCode; readonly reason: string };

export type InvalidEventCode =
  | 'EVENT_NO_TYPE'
  | 'EVENT_INVALID_JSON'
  | 'EVENT_INVALID_ATTRIBUTE'
  | 'EVENT_INVALID_AVRO'
  | 'EVENT_UNSUPPORTED_CONTENT'
  | 'EVENT_PAYLOAD_LIMIT';

const STRUCTURED_CONTENT_TYPE = /^application\/cloudevents(\+json)?\s*(;|$)/i;
const JSON_CONTENT_TYPE = /^(application\/([\w.+-]*\+)?json|text\/json)\s*(;|$)/i;
const AVRO_CONTENT_TYPE = /avro/i;
const TEXT_CONTENT_TYPE = /^text\//i;

/** Header values as strings (the last value when a header repeats). */
export function headerStrings(headers: IHeaders | undefined): Map<string, string> {
  const result = new Map<string, string>();
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined) continue;
    result.set(name.toLowerCase(), Buffer.isBuffer(value) ? value.toString('utf8') : String(value));
  }
  return result;
}

export interface ParseCodecs {
  /** Decodes Avro data of binary-mode events (any schema in the registry). */
  avro?: AvroCodec;
  /** Recognises Percolator `Signal` envelopes. */
  envelopes?: EnvelopeCodec;
}

export async function parseCloudEvent(
  record: KafkaRecordView,
  codecs: ParseCodecs = {},
): Promise<ParsedEvent> {
  const headers = headerStrings(record.headers);
  const contentType = headers.get('content-type');
  if (contentType !== undefined && STRUCTURED_CONTENT_TYPE.test(contentType)) return structured(record.value);
  if (headers.has('ce_type')) return binary(record.value, headers, codecs.avro);
  if (record.value && record.value[0] === 0x7b /* { */) {
    const body = parseJson(record.value);
    if (body.ok && isObject(body.value) && 'specversion' in body.value) return structured(record.value);
  }
  if (record.value && record.value[0] === 0 && codecs.envelopes) {
    const signal = await signalEnvelope(record.value, codecs.envelopes);
    if (signal) return signal;
  }
  return {
    ok: false,
    code: 'EVENT_NO_TYPE',
    reason: 'neither a ce_type header (binary mode) nor a CloudEvents JSON body (structured mode)',
  };
}

async function signalEnvelope(value: Buffer, envelopes: EnvelopeCodec): Promise<ParsedEvent | undefined> {
  let decoded: Awaited<ReturnType<EnvelopeCodec['decode']>>;
  try {
    decoded = await envelopes.decode(value);
  } catch (error) {
    if (isRetriable(error)) throw error;
    return undefined;
  }
  if (decoded.name !== 'Signal') return undefined;
  const signal = decoded.value;
  const data = parseJson(Buffer.from(signal.data_json, 'utf8'));
  if (!data.ok) return { ok: false, code: data.code, reason: `Signal data_json: ${data.reason}` };
  const event: Record<string, unknown> = {
    specversion: '1.0',
    type: signal.event_type,
    id: signal.event_id,
    datacontenttype: 'application/json',
    data: data.value,
  };
  if (signal.source) event.source = signal.source;
  if (signal.correlation_key) event.correlationkey = signal.correlation_key;
  const problem = checkAttributes(event);
  return problem ?? { ok: true, mode: 'signal-envelope', event: event as unknown as CloudEvent };
}

function structured(value: Buffer | null): ParsedEvent {
  if (!value) return { ok: false, code: 'EVENT_NO_TYPE', reason: 'structured event with an empty value' };
  const body = parseJson(value);
  if (!body.ok) return { ok: false, code: body.code, reason: `structured event: ${body.reason}` };
  if (!isObject(body.value)) {
    return { ok: false, code: 'EVENT_INVALID_JSON', reason: 'structured event is not a JSON object' };
  }
  const { data_base64: base64, ...attributes } = body.value;
  const problem = checkAttributes(attributes);
  if (problem) return problem;
  let data: unknown = attributes.data ?? null;
  if (attributes.data === undefined && typeof base64 === 'string') {
    data = decodeBase64Data(base64, attributes.datacontenttype);
  }
  return {
    ok: true,
    mode: 'structured',
    event: { ...attributes, specversion: String(attributes.specversion ?? '1.0'), data } as CloudEvent,
  };
}

async function binary(
  value: Buffer | null,
  headers: ReadonlyMap<string, string>,
  avro: AvroCodec | undefined,
): Promise<ParsedEvent> {
  const attributes: Record<string, unknown> = {};
  for (const [name, text] of headers) {
    if (name.startsWith('ce_') && name.length > 3) attributes[name.slice(3)] = text;
  }
  const contentType = headers.get('content-type');
  if (contentType !== undefined) attributes.datacontenttype = contentType;
  const problem = checkAttributes(attributes);
  if (problem) return problem;
  const data = await binaryData(value, contentType, avro);
  if (!data.ok) return data;
  return {
    ok: true,
    mode: 'binary',
    event: {
      ...attributes,
      specversion: String(attributes.specversion ?? '1.0'),
      data: data.value,
    } as CloudEvent,
  };
}

async function binaryData(
  value: Buffer | null,
  contentType: string | undefined,
  avro: AvroCodec | undefined,
): Promise<{ ok: true; value: unknown } | Extract<ParsedEvent, { ok: false }>> {
  if (value === null || value.length === 0) return { ok: true, value: null };
  const saysAvro = contentType !== undefined && AVRO_CONTENT_TYPE.test(contentType);
  // JSON text never starts with a NUL byte, so a leading 0 can only be the Avro wire format's magic byte.
  if (value[0] === 0 && (saysAvro || contentType === undefined)) {
    if (!avro) {
      return {
        ok: false,
        code: 'EVENT_INVALID_AVRO',
        reason: 'Avro data, but no schema registry configured',
      };
    }
    try {
      const decoded = await avro.decode(value);
      return { ok: true, value: toJsonShape(decoded.value) };
    } catch (error) {
      if (isRetriable(error)) throw error;
      const reason = error instanceof AvroCodecError ? error.message : String(error);
      return { ok: false, code: 'EVENT_INVALID_AVRO', reason: `Avro data does not decode: ${reason}` };
    }
  }
  if (saysAvro) {
    return {
      ok: false,
      code: 'EVENT_INVALID_AVRO',
      reason: 'content type says Avro, but the value lacks the wire header',
    };
  }
  if (
    contentType !== undefined &&
    TEXT_CONTENT_TYPE.test(contentType) &&
    !JSON_CONTENT_TYPE.test(contentType)
  ) {
    return { ok: true, value: value.toString('utf8') };
  }
  if (contentType !== undefined && !JSON_CONTENT_TYPE.test(contentType)) {
    return {
      ok: false,
      code: 'EVENT_UNSUPPORTED_CONTENT',
      reason: `data of content type '${contentType}' is not supported (JSON, Avro or text)`,
    };
  }
  const parsed = parseJson(value);
  return parsed.ok
    ? { ok: true, value: parsed.value }
    : { ok: false, code: parsed.code, reason: `event data: ${parsed.reason}` };
}

function checkAttributes(
  attributes: Record<string, unknown>,
): Extract<ParsedEvent, { ok: false }> | undefined {
  if (typeof attributes.type !== 'string' || attributes.type.trim() === '') {
    return { ok: false, code: 'EVENT_NO_TYPE', reason: 'the event has no type' };
  }
  for (const name of ['id', 'source', 'subject', 'correlationkey'] as const) {
    const value = attributes[name];
    if (value !== undefined && typeof value !== 'string') {
      return { ok: false, code: 'EVENT_INVALID_ATTRIBUTE', reason: `attribute '${name}' is not a string` };
    }
  }
  return undefined;
}

function decodeBase64Data(base64: string, contentType: unknown): unknown {
  const bytes = Buffer.from(base64, 'base64');
  if (typeof contentType === 'string' && JSON_CONTENT_TYPE.test(contentType)) {
    const parsed = parseJson(bytes);
    if (parsed.ok) return parsed.value;
  }
  return base64;
}

function parseJson(
  value: Buffer,
): { ok: true; value: unknown } | { ok: false; code: InvalidEventCode; reason: string } {
  const text = value.toString('utf8');
  // The engine's payload limits, before parsing: nothing downstream may see a document that could overflow it.
  const violation = checkJsonText(text, 'the event');
  if (violation) return { ok: false, code: 'EVENT_PAYLOAD_LIMIT', reason: violation.message };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, code: 'EVENT_INVALID_JSON', reason: `not JSON (${(error as Error).message})` };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Avro records decode to class instances with Buffers for bytes; expressions and the workflow input want JSON.
function toJsonShape(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, item: unknown) =>
      typeof item === 'bigint'
        ? item.toString()
        : isObject(item) && item.type === 'Buffer' && Array.isArray(item.data)
          ? Buffer.from(item.data as number[]).toString('base64')
          : item,
    ),
  ) as unknown;
}

/**
 * Who an event is, for deduplication: its source and id when it has an id (CloudEvents makes the pair unique),
 * else the record key, else the record's position (so at least a redelivery of that record is recognised).
 */
export function eventIdentity(event: CloudEvent, record: KafkaRecordView): string {
  if (event.id !== undefined && event.id !== '') return `id:${event.source ?? ''}:${event.id}`;
  const key = keyString(record.key);
  if (key !== undefined && key !== '') return `key:${key}`;
  return `record:${record.topic}/${record.partition}/${record.offset}`;
}

/**
 * The correlation key that finds waiting executions: the `correlationkey` extension, else `subject`, else the
 * record key; none when all are absent (then only waits without a correlation hear the event).
 */
export function correlationKeyOf(event: CloudEvent, record: KafkaRecordView): string | undefined {
  const extension = event.correlationkey;
  if (typeof extension === 'string' && extension !== '') return extension;
  if (event.subject !== undefined && event.subject !== '') return event.subject;
  const key = keyString(record.key);
  return key === '' ? undefined : key;
}

function keyString(key: Buffer | string | null): string | undefined {
  if (key === null) return undefined;
  return typeof key === 'string' ? key : key.toString('utf8');
}
