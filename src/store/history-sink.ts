// The history role: reads the lifecycle events topic in its own consumer group and writes Postgres — one row per
// event in execution_events and one summary row per execution in executions. Both writes are idempotent (a replayed
// event changes nothing), and each batch costs two multi-row statements whatever its size.
import { isRetriable } from '../errors.js';
import type { Kafka, Producer } from 'kafkajs';
import { ConsumerRunner, type RunnerBatch } from '../kafka/consumer-runner.js';
import type { Rejection } from '../kafka/dead-letters.js';
import type pg from 'pg';
import type { ExecutionEvent } from '../kafka/envelopes.js';
import type { EnvelopeCodec } from '../kafka/schemas.js';
import { topicNames } from '../kafka/topic-specs.js';
import type { Logger } from '../observability/logger.js';

export interface HistorySinkOptions {
  kafka: Kafka;
  codec: EnvelopeCodec;
  pool: pg.Pool;
  topicPrefix: string;
  logger: Logger;
  /** Defaults to `<prefix>.history`. */
  groupId?: string;
  /** Called for each dead-lettered record (metrics). */
  onDeadLetter?: (code: string) => void;
}

const TERMINAL_EVENTS = new Set([
  'ExecutionCompleted',
  'ExecutionFailed',
  'ExecutionCancelled',
  'ExecutionTimedOut',
]);

export class HistorySink {
  private readonly runner: ConsumerRunner;
  private readonly producer: Producer;

  constructor(private readonly options: HistorySinkOptions) {
    const { kafka, topicPrefix } = options;
    const topics = topicNames(topicPrefix);
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.runner = new ConsumerRunner({
      kafka,
      consumer: { groupId: options.groupId ?? `${topicPrefix}.history`, maxWaitTimeInMs: 250 },
      topics: [topics.executionEvents],
      fromBeginning: true,
      handler: (batch) => this.onBatch(batch),
      logger: options.logger,
      component: 'history',
      deadLetters: { producer: this.producer, codec: options.codec, topic: topics.deadLetters },
      ...(options.onDeadLetter ? { onDeadLetter: options.onDeadLetter } : {}),
    });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    await this.producer.disconnect();
  }

  consumerRunners(): ConsumerRunner[] {
    return [this.runner];
  }

  /** Decodes the batch (what does not decode is dead-lettered) and writes it; a row Postgres refuses marks a bad record. */
  private async onBatch(batch: RunnerBatch): Promise<{ rejected: Rejection[] }> {
    const events: ExecutionEvent[] = [];
    const rejected: Rejection[] = [];
    for (const message of batch.messages) {
      try {
        const decoded = await this.options.codec.decode(message.value);
        if (decoded.name === 'ExecutionEvent') events.push(decoded.value);
        else
          rejected.push({
            message,
            code: 'UNEXPECTED_RECORD',
            reason: `${decoded.name} records do not belong on the lifecycle events topic`,
          });
      } catch (error) {
        if (isRetriable(error)) throw error;
        const code = (error as { code?: string }).code ?? 'UNDECODABLE';
        rejected.push({ message, code, reason: (error as Error).message });
      }
    }
    await writeHistory(this.options.pool, events, this.options.topicPrefix);
    return { rejected };
  }
}

interface SummaryDraft {
  id: string;
  workflowId: string | null;
  workflowName: string;
  workflowVersion: number;
  lastSeq: number;
  status: string;
  triggerType: string | null;
  triggerId: string | null;
  parentId: string | null;
  input: string | null;
  output: string | null;
  error: string | null;
  firstAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/**
 * Writes a batch of lifecycle events: their rows, then the summaries they imply. Safe to call twice with the same
 * events. `topicPrefix` names the engine they came from (the recovery sweep looks for its own executions by it).
 */
export async function writeHistory(
  pool: pg.Pool,
  events: readonly ExecutionEvent[],
  topicPrefix: string | null = null,
): Promise<void> {
  if (events.length === 0) return;
  const unique = new Map<string, ExecutionEvent>();
  for (const event of events) unique.set(`${event.execution_id}:${event.seq}`, event);
  const rows = [...unique.values()].sort((a, b) => a.seq - b.seq);

  await pool.query(
    `INSERT INTO execution_events (execution_id, seq, type, step_id, attempt, status, data, occurred_at)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $7::jsonb[],
                          $8::timestamptz[])
     ON CONFLICT (execution_id, seq) DO NOTHING`,
    [
      rows.map((event) => event.execution_id),
      rows.map((event) => event.seq),
      rows.map((event) => event.type),
      rows.map((event) => event.step_id ?? null),
      rows.map((event) => event.attempt ?? null),
      rows.map((event) => event.status.toLowerCase()),
      rows.map((event) => event.data_json),
      rows.map((event) => new Date(event.timestamp)),
    ],
  );

  const drafts = summarize(rows);
  await pool.query(
    `INSERT INTO executions AS x (id, workflow_id, workflow_name, workflow_version, status, trigger_type, trigger_id,
                                  parent_execution_id, input, output, error, created_at, started_at, finished_at,
                                  last_event_seq, topic_prefix)
     SELECT v.id, COALESCE(v.workflow_id, w.id), v.workflow_name, v.workflow_version, v.status,
            COALESCE(v.trigger_type, 'manual'), v.trigger_id, v.parent_id, v.input, v.output, v.error,
            v.first_at, v.started_at, v.finished_at, v.last_seq, $16::text
       FROM unnest($1::text[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::jsonb[], $10::jsonb[], $11::jsonb[], $12::timestamptz[], $13::timestamptz[],
                   $14::timestamptz[], $15::int[])
            AS v(id, workflow_id, workflow_name, workflow_version, status, trigger_type, trigger_id, parent_id,
                 input, output, error, first_at, started_at, finished_at, last_seq)
       LEFT JOIN workflows w ON w.name = v.workflow_name
     ON CONFLICT (id) DO UPDATE SET
       status = CASE WHEN EXCLUDED.last_event_seq > x.last_event_seq THEN EXCLUDED.status ELSE x.status END,
       last_event_seq = GREATEST(x.last_event_seq, EXCLUDED.last_event_seq),
       workflow_id = COALESCE(x.workflow_id, EXCLUDED.workflow_id),
       workflow_name = COALESCE(x.workflow_name, EXCLUDED.workflow_name),
       workflow_version = CASE WHEN x.last_event_seq = 0 THEN EXCLUDED.workflow_version ELSE x.workflow_version END,
       trigger_id = COALESCE(x.trigger_id, EXCLUDED.trigger_id),
       parent_execution_id = COALESCE(x.parent_execution_id, EXCLUDED.parent_execution_id),
       input = COALESCE(x.input, EXCLUDED.input),
       output = COALESCE(EXCLUDED.output, x.output),
       error = COALESCE(EXCLUDED.error, x.error),
       started_at = COALESCE(x.started_at, EXCLUDED.started_at),
       finished_at = COALESCE(EXCLUDED.finished_at, x.finished_at),
       topic_prefix = COALESCE(x.topic_prefix, EXCLUDED.topic_prefix),
       updated_at = now()`,
    [
      drafts.map((d) => d.id),
      drafts.map((d) => d.workflowId),
      drafts.map((d) => d.workflowName),
      drafts.map((d) => d.workflowVersion),
      drafts.map((d) => d.status),
      drafts.map((d) => d.triggerType),
      drafts.map((d) => d.triggerId),
      drafts.map((d) => d.parentId),
      drafts.map((d) => d.input),
      drafts.map((d) => d.output),
      drafts.map((d) => d.error),
      drafts.map((d) => d.firstAt),
      drafts.map((d) => d.startedAt),
      drafts.map((d) => d.finishedAt),
      drafts.map((d) => d.lastSeq),
      topicPrefix,
    ],
  );
}

/** Folds the events of each execution (sorted by seq) into what its summary row should say. */
function summarize(events: readonly ExecutionEvent[]): SummaryDraft[] {
  const drafts = new Map<string, SummaryDraft>();
  for (const event of events) {
    const at = new Date(event.timestamp);
    let draft = drafts.get(event.execution_id);
    if (!draft) {
      draft = {
        id: event.execution_id,
        workflowId: null,
        workflowName: event.workflow_name,
        workflowVersion: event.workflow_version,
        lastSeq: 0,
        status: 'running',
        triggerType: null,
        triggerId: null,
        parentId: null,
        input: null,
        output: null,
        error: null,
        firstAt: at,
        startedAt: null,
        finishedAt: null,
      };
      drafts.set(event.execution_id, draft);
    }
    if (event.seq > draft.lastSeq) {
      draft.lastSeq = event.seq;
      draft.status = event.status.toLowerCase();
    }
    const data = parseData(event.data_json);
    if (event.type === 'ExecutionStarted') {
      draft.startedAt = at;
      draft.workflowId =
        typeof data.workflowId === 'string' && isUuid(data.workflowId) ? data.workflowId : null;
      draft.input = JSON.stringify(data.input ?? null);
      const trigger = data.trigger as { type?: unknown; id?: unknown } | undefined;
      if (typeof trigger?.type === 'string') draft.triggerType = trigger.type.toLowerCase();
      if (typeof trigger?.id === 'string') draft.triggerId = trigger.id;
      const parent = data.parent as { executionId?: unknown } | undefined;
      if (typeof parent?.executionId === 'string') draft.parentId = parent.executionId;
    }
    if (TERMINAL_EVENTS.has(event.type)) draft.finishedAt = at;
    if (event.type === 'ExecutionCompleted') draft.output = JSON.stringify(data.output ?? null);
    if (event.type === 'ExecutionFailed') draft.error = JSON.stringify(data.error ?? null);
    if (event.type === 'ExecutionTimedOut')
      draft.error = JSON.stringify({ code: 'TIMEOUT', message: 'the workflow timed out', retriable: false });
    if (event.type === 'ExecutionCancelled')
      draft.error = JSON.stringify({
        code: 'CANCELLED',
        message: String(data.reason ?? 'cancelled'),
        retriable: false,
      });
  }
  return [...drafts.values()];
}

function parseData(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
