// The records an agent writes besides results: dead letters for what it cannot read, heartbeats that
// advertise it, and the Kafka headers that carry trace context from the command to the result.
import type { IHeaders } from 'kafkajs';
import type { AgentCommand, AgentHeartbeat, DeadLetter } from '../../kafka/envelopes.js';
import type { AgentDefinition, AvroSchema } from './define-agent.js';

/** Trace context keys copied between record headers and the envelopes' trace_context. */
export const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

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

/**
 * The trace context of a command: its `trace_context` field, with the record's `traceparent` /
 * `tracestate` headers filling in what the field lacks.
 */
export function commandTraceContext(
  command: AgentCommand,
  headers: IHeaders | undefined,
): Record<string, string> {
  const context: Record<string, string> = { ...(command.trace_context ?? {}) };
  for (const name of TRACE_HEADERS) {
    if (context[name] === undefined) {
      const value = headerBuffer(headers?.[name]);
      if (value) context[name] = value.toString('utf8');
    }
  }
  return context;
}

/** Record headers carrying a trace context. */
export function traceHeaders(context: Readonly<Record<string, string>> | undefined): IHeaders {
  const headers: IHeaders = {};
  for (const name of TRACE_HEADERS) {
    const value = context?.[name];
    if (value) headers[name] = value;
  }
  return headers;
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

function schemaJson(schema: AvroSchema | null): string | null {
  if (schema === null) return null;
  return typeof schema === 'string' ? schema : JSON.stringify(schema);
}

/** The heartbeat key: `<type>/<instance id>`, one compacted entry per instance. */
export function heartbeatKey(agentType: string, instanceId: string): string {
  return `${agentType}/${instanceId}`;
}

export function buildHeartbeat(
  agent: AgentDefinition,
  instanceId: string,
  load: { inFlight: number; capacity: number },
  sentAt: number,
): AgentHeartbeat {
  return {
    agent_type: agent.type,
    instance_id: instanceId,
    version: agent.version,
    actions: [...agent.actions.values()].map((action) => ({
      name: action.name,
      description: action.description,
      input_schema_json: schemaJson(action.inputSchema),
      output_schema_json: schemaJson(action.outputSchema),
    })),
    in_flight: load.inFlight,
    capacity: load.capacity,
    sent_at: sentAt,
  };
}
