// How the API, triggers and tests ask for work: records on the orchestrator's input topics, keyed by execution id.
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { sendInBatches } from '../kafka/send-batches.js';
import type { ExecutionTrigger } from '../kafka/envelopes.js';
import { activeTraceparent, childTraceparent } from '../observability/tracing.js';
import type { EnvelopeCodec } from '../kafka/schemas.js';
import type { TopicNames } from '../kafka/topic-specs.js';

export interface StartRequest {
  /** The workflow's id, or empty when only the name is known. */
  workflowId?: string;
  workflowName: string;
  /** Pin a version; absent: the version active when the orchestrator admits the start. */
  version?: number;
  input: unknown;
  executionId?: string;
  trigger?: ExecutionTrigger;
  idempotencyKey?: string;
  /** The caller's W3C trace context; a new trace begins when absent. */
  traceparent?: string;
}

export interface SignalRequest {
  executionId: string;
  eventType: string;
  data: unknown;
  eventId?: string;
  correlationKey?: string;
}

export class ExecutionClient {
  constructor(
    private readonly producer: Producer,
    private readonly codec: EnvelopeCodec,
    private readonly topics: TopicNames,
  ) {}

  /** Publishes start requests in one batch; returns their execution ids in order. */
  async start(requests: readonly StartRequest[]): Promise<string[]> {
    const now = Date.now();
    const ids = requests.map((request) => request.executionId ?? randomUUID());
    // Inside a traced API call, the execution continues the call's own span.
    const active = activeTraceparent();
    const traceparents = requests.map((request) => childTraceparent(active ?? request.traceparent));
    await sendInBatches(this.producer, [
      {
        topic: this.topics.executions,
        messages: requests.map((request, index) => ({
          key: ids[index]!,
          value: this.codec.encode('StartExecution', {
            execution_id: ids[index]!,
            workflow_id: request.workflowId ?? '',
            workflow_name: request.workflowName,
            workflow_version: request.version ?? null,
            input_json: JSON.stringify(request.input ?? {}),
            trigger: request.trigger ?? { type: 'API' },
            idempotency_key: request.idempotencyKey ?? null,
            requested_at: now,
            trace_context: { traceparent: traceparents[index]! },
          }),
          headers: { traceparent: traceparents[index]! },
        })),
      },
    ]);
    return ids;
  }

  async cancel(executionId: string, reason: string, requestedBy?: string): Promise<void> {
    await this.producer.send({
      topic: this.topics.executions,
      acks: -1,
      messages: [
        {
          key: executionId,
          value: this.codec.encode('CancelExecution', {
            execution_id: executionId,
            reason,
            requested_by: requestedBy ?? null,
            requested_at: Date.now(),
          }),
        },
      ],
    });
  }

  async signal(
    executionId: string,
    eventType: string,
    data: unknown,
    eventId: string = randomUUID(),
    correlationKey?: string,
  ): Promise<void> {
    await this.signalMany([
      { executionId, eventType, data, eventId, ...(correlationKey ? { correlationKey } : {}) },
    ]);
  }

  /**
   * Signals in one batch. `correlationKey` picks among an execution's waits for the event type when it has
   * several; `eventId` makes a redelivered signal a duplicate the orchestrator refuses.
   */
  async signalMany(signals: readonly SignalRequest[]): Promise<void> {
    if (signals.length === 0) return;
    const now = Date.now();
    await sendInBatches(this.producer, [
      {
        topic: this.topics.signals,
        messages: signals.map((signal) => ({
          key: signal.executionId,
          value: this.codec.encode('Signal', {
            event_id: signal.eventId ?? randomUUID(),
            execution_id: signal.executionId,
            event_type: signal.eventType,
            correlation_key: signal.correlationKey ?? null,
            data_json: JSON.stringify(signal.data ?? null),
            sent_at: now,
          }),
        })),
      },
    ]);
  }
}
