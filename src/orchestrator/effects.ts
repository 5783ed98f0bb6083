// Turns a decision (events and commands) into outbox records: Kafka records already Avro-encoded, plus
// records for the engine's own Redis side effects (timers, event waits, admission), which the publisher
// applies instead of sending. Everything a decision causes goes through the outbox, so a crash between writing
// the state and acting on it is repaired by re-publishing the outbox.
import type { Command, ExecutionEvent, ExecutionState } from '../core/model.js';
import type { ExecutionEventType, ExecutionStatus, TimerFired } from '../kafka/envelopes.js';
import type { EnvelopeCodec } from '../kafka/schemas.js';
import type { TopicNames } from '../kafka/topic-specs.js';
import type { OutboxRecord } from '../state/index.js';
import { createHash } from 'node:crypto';
import { formatTraceparent, parseTraceparent, recordSpan } from '../observability/tracing.js';
import { WIRE_TIMER_KINDS } from './inputs.js';

/** Pseudo-topics for side effects in Redis; '@' cannot occur in a Kafka topic name. */
export const EFFECT_TOPICS = { timers: '@timers', waits: '@waits', admission: '@admission' } as const;

/** A command without a step timeout still carries a deadline, so an agent never works forever on it. */
export const DEFAULT_COMMAND_DEADLINE_MS = 60 * 60 * 1000;

export type TimerEffect =
  | { op: 'schedule'; id: string; executionId: string; dueAt: number; fired: Omit<TimerFired, 'fired_at'> }
  | { op: 'cancel'; id: string; executionId: string };
export type WaitEffect = {
  op: 'await' | 'stop';
  executionId: string;
  eventType: string;
  correlationKey?: string;
};
export type AdmissionEffect = { op: 'release'; executionId: string };

// Checked by the compiler both ways: every core event has a wire symbol of the same name.
const WIRE_EVENT_TYPES = {
  ExecutionStarted: 'ExecutionStarted',
  StepScheduled: 'StepScheduled',
  StepSucceeded: 'StepSucceeded',
  StepSkipped: 'StepSkipped',
  StepFailed: 'StepFailed',
  StepTimedOut: 'StepTimedOut',
  StepRetryScheduled: 'StepRetryScheduled',
  StepCancelled: 'StepCancelled',
  StepFailureIgnored: 'StepFailureIgnored',
  StepCompensationScheduled: 'StepCompensationScheduled',
  StepCompensated: 'StepCompensated',
  CompensationStarted: 'CompensationStarted',
  ExecutionCompleted: 'ExecutionCompleted',
  ExecutionFailed: 'ExecutionFailed',
  ExecutionCancelled: 'ExecutionCancelled',
  ExecutionTimedOut: 'ExecutionTimedOut',
} as const satisfies { [K in ExecutionEvent['type']]: K & ExecutionEventType };

export interface DecisionRecordsInput {
  before: ExecutionState | null;
  after: ExecutionState;
  events: readonly ExecutionEvent[];
  commands: readonly Command[];
  now: number;
}

export class EffectEncoder {
  constructor(
    private readonly codec: EnvelopeCodec,
    private readonly topics: TopicNames,
  ) {}

  records(decision: DecisionRecordsInput): OutboxRecord[] {
    const { after, now } = decision;
    const key = Buffer.from(after.executionId);
    const records: OutboxRecord[] = [];
    const firstSeq = decision.before?.seq ?? 0;
    decision.events.forEach((event, index) => {
      records.push(this.eventRecord(after, event, firstSeq + index + 1, key));
    });
    for (const command of decision.commands) records.push(...this.commandRecords(after, command, now, key));
    return records;
  }

  private eventRecord(state: ExecutionState, event: ExecutionEvent, seq: number, key: Buffer): OutboxRecord {
    const { type, at, ...data } = event;
    const stepId = 'stepId' in event ? event.stepId : undefined;
    const attempt = 'attempt' in event ? event.attempt : undefined;
    const value = this.codec.encode('ExecutionEvent', {
      event_id: `${state.executionId}:${seq}`,
      execution_id: state.executionId,
      workflow_name: state.workflowName,
      workflow_version: state.workflowVersion,
      seq,
      type: WIRE_EVENT_TYPES[type],
      step_id: stepId ?? null,
      attempt: attempt ?? null,
      status: state.status.toUpperCase() as ExecutionStatus,
      data_json: JSON.stringify(data),
      timestamp: at,
    });
    return { topic: this.topics.executionEvents, key, value };
  }

  /**
   * The parent's answer when a child's start can never run (e.g. it names no workflow): without it the
   * parent's sub_workflow step would wait forever, since the child never gets a state that could end.
   */
  childStartFailed(
    child: { executionId: string; parent: { executionId: string; stepId: string } },
    error: { code: string; message: string },
    now: number,
  ): OutboxRecord {
    return this.parentResult(
      {
        type: 'NotifyParent',
        parentExecutionId: child.parent.executionId,
        stepId: child.parent.stepId,
        childExecutionId: child.executionId,
        status: 'failed',
        error: { code: error.code, message: error.message, retriable: false },
      },
      0,
      now,
    );
  }

  /** A child's outcome as its parent step's result: the child's id is the step's command id. */
  private parentResult(command: NotifyParent, durationMs: number, now: number): OutboxRecord {
    return {
      topic: this.topics.agentResults,
      key: Buffer.from(command.parentExecutionId),
      value: this.codec.encode('AgentResult', {
        command_id: command.childExecutionId,
        execution_id: command.parentExecutionId,
        step_id: command.stepId,
        attempt: attemptOf(command.childExecutionId),
        status: command.status === 'completed' ? 'SUCCEEDED' : 'FAILED',
        output_json: command.output === undefined ? null : JSON.stringify(command.output),
        error: command.error
          ? {
              code: command.error.code,
              message: command.error.message,
              retriable: command.error.retriable,
              retry_after_ms: command.error.retryAfterMs ?? null,
            }
          : null,
        agent_id: 'percolator',
        agent_type: 'sub_workflow',
        duration_ms: durationMs,
        completed_at: now,
      }),
    };
  }

  private commandRecords(state: ExecutionState, command: Command, now: number, key: Buffer): OutboxRecord[] {
    const executionId = state.executionId;
    switch (command.type) {
      case 'DispatchStep': {
        const traceContext = commandTrace(state, command.commandId);
        recordSpan(`dispatch ${command.agentType}`, {
          parent: state.traceparent,
          kind: 'producer',
          attributes: {
            'percolator.execution_id': executionId,
            'percolator.step_id': command.stepId,
            'percolator.command_id': command.commandId,
            'percolator.attempt': command.attempt,
          },
        });
        return [
          {
            topic: this.topics.agentCommands(command.agentType),
            key,
            ...(traceContext ? { headers: { traceparent: Buffer.from(traceContext.traceparent) } } : {}),
            value: this.codec.encode('AgentCommand', {
              command_id: command.commandId,
              execution_id: executionId,
              step_id: command.stepId,
              attempt: command.attempt,
              workflow_name: state.workflowName,
              workflow_version: state.workflowVersion,
              agent_type: command.agentType,
              action: command.action,
              input_json: JSON.stringify(command.input),
              deadline: command.deadline ?? now + DEFAULT_COMMAND_DEADLINE_MS,
              issued_at: now,
              idempotency_key: command.idempotencyKey,
              ...(traceContext ? { trace_context: traceContext } : {}),
            }),
          },
        ];
      }
      case 'CancelStep':
        return [
          {
            topic: this.topics.agentCommands(command.agentType),
            key,
            value: this.codec.encode('CancelCommand', {
              command_id: command.commandId,
              execution_id: executionId,
              step_id: command.stepId,
              reason: command.reason,
              issued_at: now,
            }),
          },
        ];
      case 'StartChildExecution': {
        const traceContext = commandTrace(state, command.childExecutionId);
        return [
          {
            topic: this.topics.executions,
            key: Buffer.from(command.childExecutionId),
            value: this.codec.encode('StartExecution', {
              execution_id: command.childExecutionId,
              workflow_id: '',
              workflow_name: command.workflow,
              workflow_version: command.version ?? null,
              input_json: JSON.stringify(command.input),
              trigger: { type: 'SUB_WORKFLOW', id: executionId },
              parent: { execution_id: executionId, step_id: command.stepId },
              requested_at: now,
              ...(traceContext ? { trace_context: traceContext } : {}),
            }),
          },
        ];
      }
      case 'CancelChildExecution':
        return [
          {
            topic: this.topics.executions,
            key: Buffer.from(command.childExecutionId),
            value: this.codec.encode('CancelExecution', {
              execution_id: command.childExecutionId,
              reason: command.reason,
              requested_by: `parent ${executionId}`,
              requested_at: now,
            }),
          },
        ];
      case 'NotifyParent':
        return [this.parentResult(command, Math.max(0, now - state.startedAt), now)];
      case 'ScheduleTimer':
        return [
          effect<TimerEffect>(EFFECT_TOPICS.timers, command.timerId, {
            op: 'schedule',
            id: command.timerId,
            executionId,
            dueAt: command.dueAt,
            fired: {
              timer_id: command.timerId,
              execution_id: executionId,
              kind: WIRE_TIMER_KINDS[command.timer],
              step_id: command.stepId ?? null,
              attempt: command.attempt ?? null,
              due_at: command.dueAt,
            },
          }),
        ];
      case 'CancelTimer':
        return [
          effect<TimerEffect>(EFFECT_TOPICS.timers, command.timerId, {
            op: 'cancel',
            id: command.timerId,
            executionId,
          }),
        ];
      case 'AwaitEvent':
      case 'StopAwaitingEvent':
        return [
          effect<WaitEffect>(EFFECT_TOPICS.waits, command.stepId, {
            op: command.type === 'AwaitEvent' ? 'await' : 'stop',
            executionId,
            eventType: command.eventType,
            ...(command.correlationKey === undefined ? {} : { correlationKey: command.correlationKey }),
          }),
        ];
      case 'ReleaseSlot':
        return [
          effect<AdmissionEffect>(EFFECT_TOPICS.admission, executionId, { op: 'release', executionId }),
        ];
    }
  }
}

type NotifyParent = Extract<Command, { type: 'NotifyParent' }>;

/**
 * The trace context a command carries: the execution's trace, with a span id derived from the command id so that
 * re-publishing a decision produces the very same record.
 */
function commandTrace(state: ExecutionState, commandId: string): { traceparent: string } | undefined {
  const parent = parseTraceparent(state.traceparent);
  if (!parent) return undefined;
  const spanId = createHash('sha256').update(commandId).digest('hex').slice(0, 16);
  return { traceparent: formatTraceparent({ traceId: parent.traceId, spanId, flags: parent.flags }) };
}

function effect<T>(topic: string, key: string, value: T): OutboxRecord {
  return { topic, key: Buffer.from(key), value: Buffer.from(JSON.stringify(value)) };
}

/** A child's id is its parent step's command id, `<parent>:<step>:<attempt>` (see core/ids.ts). */
function attemptOf(childExecutionId: string): number {
  const attempt = Number(childExecutionId.slice(childExecutionId.lastIndexOf(':') + 1));
  return Number.isSafeInteger(attempt) && attempt > 0 ? attempt : 1;
}

export function isEffectTopic(topic: string): boolean {
  return topic.startsWith('@');
}

export function parseEffect<T>(record: OutboxRecord): T {
  return JSON.parse((record.value ?? Buffer.from('null')).toString('utf8')) as T;
}
