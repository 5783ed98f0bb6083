// Turns decoded records from the orchestrator's input topics into router inputs, each with the deterministic
// input id that lets the state store refuse a duplicate. Anything that cannot become an input is poison.
import type { RouterInput, StepError, TimerKind } from '../core/model.js';
import type { Json } from '../core/graph.js';
import type {
  AgentResult,
  DecodedEnvelope,
  Signal,
  StartExecution,
  TimerFired,
  TimerKind as WireTimerKind,
} from '../kafka/envelopes.js';
import {
  checkAttempt,
  checkId,
  checkJsonField,
  checkText,
  checkWorkflowId,
  firstPoison,
  MAX_ERROR_MESSAGE_LENGTH,
  type Poison,
} from './record-checks.js';

export interface RecordSource {
  topic: string;
  partition: number;
  offset: string;
}

export interface OrchestratorInput {
  executionId: string;
  inputId: string;
  input: RouterInput;
  /** For a start: which workflow (and version, when pinned by the requester) to run. */
  start?: { workflowId: string; workflowName: string; version: number | null };
  /** The record's timestamp: the core's notion of "now". */
  timestamp: number;
  /** For an agent's result: how long the agent says it worked (metrics only). */
  agentDurationMs?: number;
  source: RecordSource;
}

export type InputOrPoison = OrchestratorInput | { poison: { code: string; message: string } };

const TIMER_KINDS: Record<WireTimerKind, TimerKind> = {
  STEP_TIMEOUT: 'stepTimeout',
  WAIT_TIMEOUT: 'stepTimeout',
  EXECUTION_TIMEOUT: 'workflowTimeout',
  RETRY_BACKOFF: 'retry',
  DELAY: 'delay',
};

export const WIRE_TIMER_KINDS: Record<TimerKind, WireTimerKind> = {
  stepTimeout: 'STEP_TIMEOUT',
  workflowTimeout: 'EXECUTION_TIMEOUT',
  retry: 'RETRY_BACKOFF',
  delay: 'DELAY',
};

function parseJson(
  text: string | null | undefined,
  field: string,
): { value: Json } | { poison: { code: string; message: string } } {
  if (text === null || text === undefined || text === '') return { value: null };
  // Within the payload limits before parsing: nothing after this may meet a document deep enough to overflow
  // the stack of JSON.stringify, JSONata or Postgres.
  const tooLarge = checkJsonField(text, field);
  if (tooLarge) return { poison: tooLarge };
  try {
    return { value: JSON.parse(text) as Json };
  } catch (error) {
    return { poison: { code: 'INVALID_JSON', message: `${field} is not JSON: ${(error as Error).message}` } };
  }
}

function checkStart(value: StartExecution): Poison | undefined {
  return firstPoison(
    checkId(value.execution_id, 'execution_id'),
    checkWorkflowId(value.workflow_id),
    checkText(value.workflow_name, 'workflow_name', { required: value.workflow_id === '' }),
    checkAttempt(value.workflow_version, 'workflow_version'),
    checkText(value.trigger.id, 'trigger.id'),
    checkText(value.idempotency_key, 'idempotency_key'),
    value.parent ? checkId(value.parent.execution_id, 'parent.execution_id') : undefined,
    value.parent ? checkId(value.parent.step_id, 'parent.step_id') : undefined,
    checkText(value.trace_context?.traceparent, 'trace_context.traceparent', { max: 256 }),
  );
}

function checkResult(value: AgentResult): Poison | undefined {
  return firstPoison(
    checkId(value.execution_id, 'execution_id'),
    checkId(value.command_id, 'command_id'),
    checkId(value.step_id, 'step_id'),
    checkAttempt(value.attempt, 'attempt'),
    checkText(value.error?.code, 'error.code'),
    checkText(value.error?.message, 'error.message', { max: MAX_ERROR_MESSAGE_LENGTH }),
  );
}

function checkSignal(value: Signal): Poison | undefined {
  return firstPoison(
    checkId(value.event_id, 'event_id'),
    checkText(value.event_type, 'event_type', { required: true }),
    checkText(value.correlation_key, 'correlation_key'),
    value.execution_id ? checkId(value.execution_id, 'execution_id') : undefined,
  );
}

function checkTimer(value: TimerFired): Poison | undefined {
  return firstPoison(
    checkId(value.execution_id, 'execution_id'),
    checkId(value.timer_id, 'timer_id'),
    value.step_id ? checkId(value.step_id, 'step_id') : undefined,
    checkAttempt(value.attempt, 'attempt'),
  );
}

function startInput(
  value: StartExecution,
): Omit<OrchestratorInput, 'timestamp' | 'source'> | { poison: { code: string; message: string } } {
  const invalid = checkStart(value);
  if (invalid) return { poison: invalid };
  const input = parseJson(value.input_json, 'input_json');
  if ('poison' in input) return input;
  return {
    executionId: value.execution_id,
    inputId: 'start',
    input: {
      kind: 'start',
      executionId: value.execution_id,
      input: input.value,
      trigger: {
        type: value.trigger.type.toLowerCase(),
        ...(value.trigger.id ? { id: value.trigger.id } : {}),
        ...(value.trigger.scheduled_time == null ? {} : { scheduledTime: value.trigger.scheduled_time }),
      },
      ...(value.parent
        ? { parent: { executionId: value.parent.execution_id, stepId: value.parent.step_id } }
        : {}),
      ...(value.trace_context?.traceparent ? { traceparent: value.trace_context.traceparent } : {}),
    },
    start: {
      workflowId: value.workflow_id,
      workflowName: value.workflow_name,
      version: value.workflow_version ?? null,
    },
  };
}

export function toOrchestratorInput(
  envelope: DecodedEnvelope,
  timestamp: number,
  source: RecordSource,
): InputOrPoison {
  const base = { timestamp, source };
  switch (envelope.name) {
    case 'StartExecution': {
      const start = startInput(envelope.value);
      return 'poison' in start ? start : { ...start, ...base };
    }
    case 'CancelExecution': {
      const invalid = firstPoison(
        checkId(envelope.value.execution_id, 'execution_id'),
        checkText(envelope.value.reason, 'reason', { max: MAX_ERROR_MESSAGE_LENGTH }),
      );
      if (invalid) return { poison: invalid };
      return {
        ...base,
        executionId: envelope.value.execution_id,
        inputId: 'cancel',
        input: { kind: 'cancel', reason: envelope.value.reason ?? 'cancelled on request' },
      };
    }
    case 'AgentResult': {
      const result = envelope.value;
      const invalid = checkResult(result);
      if (invalid) return { poison: invalid };
      const output = parseJson(result.output_json, 'output_json');
      if ('poison' in output) return output;
      const error: StepError | undefined = result.error
        ? {
            code: result.error.code,
            message: result.error.message,
            retriable: result.error.retriable,
            ...(result.error.retry_after_ms == null ? {} : { retryAfterMs: result.error.retry_after_ms }),
          }
        : undefined;
      return {
        ...base,
        executionId: result.execution_id,
        inputId: `result:${result.command_id}`,
        agentDurationMs: result.duration_ms,
        input: {
          kind: 'stepResult',
          commandId: result.command_id,
          stepId: result.step_id,
          attempt: result.attempt,
          status: result.status === 'SUCCEEDED' ? 'succeeded' : 'failed',
          output: output.value,
          ...(error ? { error } : {}),
        },
      };
    }
    case 'Signal': {
      const signal = envelope.value;
      if (!signal.execution_id) {
        return {
          poison: {
            code: 'NO_EXECUTION_ID',
            message: 'a signal on the signals topic must name its execution',
          },
        };
      }
      const invalid = checkSignal(signal);
      if (invalid) return { poison: invalid };
      const data = parseJson(signal.data_json, 'data_json');
      if ('poison' in data) return data;
      return {
        ...base,
        executionId: signal.execution_id,
        inputId: `signal:${signal.event_id}`,
        input: {
          kind: 'signal',
          eventType: signal.event_type,
          eventId: signal.event_id,
          ...(signal.correlation_key ? { correlationKey: signal.correlation_key } : {}),
          data: data.value,
        },
      };
    }
    case 'TimerFired': {
      const timer = envelope.value;
      const invalid = checkTimer(timer);
      if (invalid) return { poison: invalid };
      return {
        ...base,
        executionId: timer.execution_id,
        inputId: timer.timer_id,
        input: {
          kind: 'timerFired',
          timerId: timer.timer_id,
          timer: TIMER_KINDS[timer.kind],
          ...(timer.step_id ? { stepId: timer.step_id } : {}),
          ...(timer.attempt == null ? {} : { attempt: timer.attempt }),
        },
      };
    }
    default:
      return {
        poison: {
          code: 'UNEXPECTED_RECORD',
          message: `${envelope.name} records do not belong on ${source.topic}`,
        },
      };
  }
}
