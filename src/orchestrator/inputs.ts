// Turns decoded records from the orchestrator's input topics into router inputs, each with the deterministic
// input id that lets the state store refuse a duplicate. Anything that cannot become an input is poison.
import type { RouterInput, StepError, TimerKind } from '../core/model.js';
import type { Json } from '../core/graph.js';
import type { DecodedEnvelope, StartExecution, TimerKind as WireTimerKind } from '../kafka/envelopes.js';

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
  try {
    return { value: JSON.parse(text) as Json };
  } catch (error) {
    return { poison: { code: 'INVALID_JSON', message: `${field} is not JSON: ${(error as Error).message}` } };
  }
}

function startInput(
  value: StartExecution,
): Omit<OrchestratorInput, 'timestamp' | 'source'> | { poison: { code: string; message: string } } {
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
    case 'CancelExecution':
      return {
        ...base,
        executionId: envelope.value.execution_id,
        inputId: 'cancel',
        input: { kind: 'cancel', reason: envelope.value.reason ?? 'cancelled on request' },
      };
    case 'AgentResult': {
      const result = envelope.value;
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
