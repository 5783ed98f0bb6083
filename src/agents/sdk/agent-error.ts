// How an agent says a command failed, and how anything a handler throws becomes the `error` of an
// AgentResult. A failure is data for the orchestrator, which decides from `retriable` whether to retry.
import type { AgentError as AgentErrorRecord } from '../../kafka/envelopes.js';

export interface AgentErrorOptions {
  /** Whether another attempt may succeed. Defaults to false: a controlled failure is usually final. */
  retriable?: boolean;
  /** Smallest wait before the next attempt, e.g. from a provider's Retry-After. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** Thrown by a handler for a controlled failure with a stable code. */
export class AgentError extends Error {
  readonly retriable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: string,
    message: string,
    options: AgentErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentError';
    this.retriable = options.retriable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Codes the SDK itself puts in a result; handlers may use any other code. */
export const SDK_ERROR_CODES = {
  /** A handler threw something other than an AgentError. Retriable. */
  exception: 'AGENT_EXCEPTION',
  /** A CancelCommand named the command. Not retriable. */
  cancelled: 'CANCELLED',
  /** The command's deadline passed before the handler finished (or before it started). Retriable. */
  deadlineExceeded: 'DEADLINE_EXCEEDED',
  /** The command names an action this agent does not offer. Not retriable. */
  unknownAction: 'UNKNOWN_ACTION',
  /** input_json is not JSON, or does not match the action's declared input schema. Not retriable. */
  invalidInput: 'INVALID_INPUT',
  /** The handler's output is not JSON-serialisable or does not match the declared output schema. Not retriable. */
  invalidOutput: 'INVALID_OUTPUT',
} as const;

/** Why a command's signal was aborted; the SDK reports the failure from the reason, not from what the handler threw. */
export type AbortKind = 'cancelled' | 'deadline' | 'shutdown';

/** The `reason` of an aborted handler signal: an AgentError a handler may rethrow as it is. */
export class CommandAborted extends AgentError {
  constructor(
    readonly kind: AbortKind,
    message: string,
  ) {
    super(
      kind === 'cancelled'
        ? SDK_ERROR_CODES.cancelled
        : kind === 'deadline'
          ? SDK_ERROR_CODES.deadlineExceeded
          : 'SHUTDOWN',
      message,
      { retriable: kind !== 'cancelled' },
    );
    this.name = 'CommandAborted';
  }
}

const MAX_MESSAGE_LENGTH = 4000;

function clip(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message;
}

/** Maps whatever a handler threw to the error record of a FAILED result. */
export function toErrorRecord(thrown: unknown): AgentErrorRecord {
  if (thrown instanceof AgentError) {
    const retryAfter = thrown.retryAfterMs;
    return {
      code: thrown.code,
      message: clip(thrown.message),
      retriable: thrown.retriable,
      retry_after_ms:
        retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0
          ? Math.round(retryAfter)
          : null,
    };
  }
  const message =
    thrown instanceof Error
      ? `${thrown.name}: ${thrown.message}`
      : typeof thrown === 'string'
        ? thrown
        : `non-error value thrown: ${safeString(thrown)}`;
  return { code: SDK_ERROR_CODES.exception, message: clip(message), retriable: true, retry_after_ms: null };
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
