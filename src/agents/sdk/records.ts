// The records an agent writes besides results: heartbeats that advertise it, and the Kafka headers that
// carry trace context from the command to the result. Dead letters are shared with the engine (src/kafka).
import type { IHeaders } from 'kafkajs';
import type { AgentCommand, AgentHeartbeat } from '../../kafka/envelopes.js';
import { flattenHeaders } from '../../kafka/dead-letters.js';

export { buildDeadLetter, flattenHeaders, type SourceRecord } from '../../kafka/dead-letters.js';
import type { AgentDefinition, AvroSchema, JsonSchema } from './define-agent.js';

/** Trace context keys copied between record headers and the envelopes' trace_context. */
export const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

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
      const value = flattenHeaders(headers)[name];
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

function schemaJson(schema: AvroSchema | JsonSchema | null): string | null {
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
      // Avro when declared (commands are checked against it), else the JSON Schema the validator reads.
      input_schema_json: schemaJson(action.inputSchema ?? action.inputJsonSchema),
      output_schema_json: schemaJson(action.outputSchema ?? action.outputJsonSchema),
    })),
    in_flight: load.inFlight,
    capacity: load.capacity,
    sent_at: sentAt,
  };
}
