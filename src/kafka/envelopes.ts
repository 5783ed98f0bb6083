// The Avro record envelopes of schemas/*.avsc as TypeScript types. They mirror the wire exactly
// (snake_case fields, epoch-millisecond numbers for timestamp-millis, Buffers for bytes); turning
// them into domain types is the job of whoever consumes them. tests/unit/kafka/envelopes.test.ts
// round-trips a sample of each through the .avsc so the two cannot drift apart unnoticed.
//
// A field with a default in the schema is optional here: a producer may leave it out and the encoder
// writes the default. A decoder always sees it, except when decoding with the writer's schema only
// and the writer predates the field — decode through EnvelopeCodec to get the defaults filled in.

export const ENVELOPE_NAMESPACE = 'io.percolator.v1';

export const ENVELOPE_NAMES = [
  'StartExecution',
  'CancelExecution',
  'AgentCommand',
  'CancelCommand',
  'AgentResult',
  'Signal',
  'TimerFired',
  'ExecutionEvent',
  'AgentHeartbeat',
  'DeadLetter',
] as const;

export type EnvelopeName = (typeof ENVELOPE_NAMES)[number];

/** Milliseconds since the Unix epoch, the JS form of an Avro `timestamp-millis` long. */
export type EpochMillis = number;

/** W3C trace context entries (`traceparent`, `tracestate`). */
export type TraceContext = Record<string, string>;

export type TriggerType = 'API' | 'CRON' | 'EVENT' | 'SUB_WORKFLOW';

export interface ExecutionTrigger {
  type: TriggerType;
  id?: string | null;
  scheduled_time?: EpochMillis | null;
}

export interface ParentStep {
  execution_id: string;
  step_id: string;
}

export interface StartExecution {
  execution_id: string;
  workflow_id: string;
  workflow_name: string;
  /** null: pin to the version active at admission. */
  workflow_version?: number | null;
  input_json: string;
  trigger: ExecutionTrigger;
  idempotency_key?: string | null;
  parent?: ParentStep | null;
  requested_at: EpochMillis;
  trace_context?: TraceContext;
}

export interface CancelExecution {
  execution_id: string;
  reason?: string | null;
  requested_by?: string | null;
  requested_at: EpochMillis;
  trace_context?: TraceContext;
}

export interface AgentCommand {
  command_id: string;
  execution_id: string;
  step_id: string;
  attempt: number;
  workflow_name: string;
  workflow_version: number;
  agent_type: string;
  action: string;
  input_json: string;
  /** Confluent-framed record of the action's declared input schema. */
  input_avro?: Buffer | null;
  deadline: EpochMillis;
  trace_context?: TraceContext;
  issued_at: EpochMillis;
  /** The same for every attempt of one step execution; null from orchestrators older than the field. */
  idempotency_key?: string | null;
}

export interface CancelCommand {
  command_id: string;
  execution_id: string;
  step_id?: string | null;
  reason: string;
  issued_at: EpochMillis;
}

export type AgentResultStatus = 'SUCCEEDED' | 'FAILED';

export interface AgentError {
  code: string;
  message: string;
  retriable: boolean;
  retry_after_ms?: number | null;
}

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  model: string;
}

export interface AgentResult {
  command_id: string;
  execution_id: string;
  step_id: string;
  attempt: number;
  status: AgentResultStatus;
  output_json?: string | null;
  /** Confluent-framed record of the action's declared output schema. */
  output_avro?: Buffer | null;
  error?: AgentError | null;
  agent_id: string;
  agent_type: string;
  duration_ms: number;
  token_usage?: TokenUsage | null;
  completed_at: EpochMillis;
  trace_context?: TraceContext;
}

export interface Signal {
  event_id: string;
  /** Required on the signals topic, where it is also the key. */
  execution_id?: string | null;
  correlation_key?: string | null;
  event_type: string;
  data_json: string;
  source?: string | null;
  sent_at: EpochMillis;
  trace_context?: TraceContext;
}

export type TimerKind = 'STEP_TIMEOUT' | 'EXECUTION_TIMEOUT' | 'RETRY_BACKOFF' | 'DELAY' | 'WAIT_TIMEOUT';

export interface TimerFired {
  timer_id: string;
  execution_id: string;
  kind: TimerKind;
  step_id?: string | null;
  attempt?: number | null;
  due_at: EpochMillis;
  fired_at: EpochMillis;
}

export type ExecutionEventType =
  | 'ExecutionStarted'
  | 'ExecutionCompleted'
  | 'ExecutionFailed'
  | 'ExecutionCancelRequested'
  | 'ExecutionCancelled'
  | 'ExecutionTimedOut'
  | 'StepScheduled'
  | 'StepStarted'
  | 'StepSucceeded'
  | 'StepFailed'
  | 'StepSkipped'
  | 'StepTimedOut'
  | 'StepRetryScheduled'
  | 'StepCancelled'
  | 'StepWaiting'
  | 'StepCompensationScheduled'
  | 'StepCompensated'
  | 'StepFailureIgnored'
  | 'CompensationStarted'
  | 'SignalReceived'
  | 'TimerScheduled'
  | 'TimerFired';

export type ExecutionStatus =
  'PENDING' | 'RUNNING' | 'WAITING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

export interface ExecutionEvent {
  event_id: string;
  execution_id: string;
  workflow_name: string;
  workflow_version: number;
  seq: number;
  type: ExecutionEventType;
  step_id?: string | null;
  attempt?: number | null;
  status: ExecutionStatus;
  data_json: string;
  timestamp: EpochMillis;
  trace_context?: TraceContext;
}

export interface AgentAction {
  name: string;
  description?: string | null;
  input_schema_json?: string | null;
  output_schema_json?: string | null;
}

export interface AgentHeartbeat {
  agent_type: string;
  instance_id: string;
  version: string;
  actions: AgentAction[];
  in_flight: number;
  capacity: number;
  sent_at: EpochMillis;
}

export interface DeadLetter {
  reason_code: string;
  message: string;
  source_topic: string;
  source_partition: number;
  source_offset: number;
  consumer_group?: string | null;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: Record<string, Buffer>;
  failed_at: EpochMillis;
}

/** Record name → its TypeScript shape; the index behind typed encode and decode. */
export interface Envelopes {
  StartExecution: StartExecution;
  CancelExecution: CancelExecution;
  AgentCommand: AgentCommand;
  CancelCommand: CancelCommand;
  AgentResult: AgentResult;
  Signal: Signal;
  TimerFired: TimerFired;
  ExecutionEvent: ExecutionEvent;
  AgentHeartbeat: AgentHeartbeat;
  DeadLetter: DeadLetter;
}

/** A decoded record, discriminated by its record name: several record types share a topic. */
export type DecodedEnvelope = {
  [N in EnvelopeName]: { name: N; schemaId: number; value: Envelopes[N] };
}[EnvelopeName];

export function envelopeFullName(name: EnvelopeName): string {
  return `${ENVELOPE_NAMESPACE}.${name}`;
}
