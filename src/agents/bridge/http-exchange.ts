// One command's trip to an agent behind HTTP: the request the bridge sends and how the answer becomes the
// command's outcome. The contract is in docs/agent-protocol.md ("Agents behind HTTP"); everything that
// decides retriable or not lives here so it can be read (and tested) in one place.
import { AgentError } from '../sdk/agent-error.js';
import type { HandlerContext, TokenUsageReport } from '../sdk/define-agent.js';

/** Codes the bridge puts in a failed result; a service's own `error.code` replaces the HTTP_<status> ones. */
export const BRIDGE_ERROR_CODES = {
  /** 429 without a code of the service's own. Retriable. */
  rateLimited: 'RATE_LIMITED',
  /** The connection failed (refused, reset, DNS). Retriable. */
  unreachable: 'AGENT_UNREACHABLE',
  /** The bridge's own per-request timeout, shorter than the deadline, passed. Retriable. */
  requestTimeout: 'HTTP_TIMEOUT',
  /** A 2xx whose body is not JSON (or is a malformed envelope). Not retriable. */
  invalidResponse: 'INVALID_RESPONSE',
  /** A body larger than the bridge reads. Not retriable. */
  responseTooLarge: 'RESPONSE_TOO_LARGE',
} as const;

/** What the bridge POSTs to `<url>/actions/<action>`. */
export interface BridgeRequestBody {
  command_id: string;
  /** The same for every attempt of the step: the key to record a side effect under. */
  idempotency_key: string;
  execution_id: string;
  step_id: string;
  attempt: number;
  action: string;
  agent_type: string;
  workflow: { name: string; version: number };
  /** ISO 8601 (UTC): answer before this, the engine stops waiting then. */
  deadline: string;
  /** The same instant in epoch milliseconds. */
  deadline_ms: number;
  input: unknown;
}

export interface BridgeRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** `base` + `actions/<action>`, keeping any path the base URL has. */
export function actionUrl(base: string, action: string): string {
  const root = base.endsWith('/') ? base : `${base}/`;
  return new URL(`actions/${encodeURIComponent(action)}`, root).toString();
}

export function buildRequest(
  base: string,
  input: unknown,
  ctx: Pick<
    HandlerContext,
    | 'commandId'
    | 'idempotencyKey'
    | 'executionId'
    | 'stepId'
    | 'attempt'
    | 'action'
    | 'agentType'
    | 'workflowName'
    | 'workflowVersion'
    | 'deadline'
    | 'traceContext'
  >,
  extraHeaders: Readonly<Record<string, string>> = {},
): BridgeRequest {
  const body: BridgeRequestBody = {
    command_id: ctx.commandId,
    idempotency_key: ctx.idempotencyKey,
    execution_id: ctx.executionId,
    step_id: ctx.stepId,
    attempt: ctx.attempt,
    action: ctx.action,
    agent_type: ctx.agentType,
    workflow: { name: ctx.workflowName, version: ctx.workflowVersion },
    deadline: new Date(ctx.deadline).toISOString(),
    deadline_ms: ctx.deadline,
    input,
  };
  const headers: Record<string, string> = {
    ...extraHeaders,
    'content-type': 'application/json',
    accept: 'application/json',
    'idempotency-key': ctx.idempotencyKey,
    'percolator-execution-id': ctx.executionId,
    'percolator-step-id': ctx.stepId,
    'percolator-attempt': String(ctx.attempt),
    'percolator-deadline': body.deadline,
  };
  for (const name of ['traceparent', 'tracestate']) {
    const value = ctx.traceContext[name];
    if (value) headers[name] = value;
  }
  return { url: actionUrl(base, ctx.action), headers, body: JSON.stringify(body) };
}

/**
 * `Retry-After` in milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3). A date in the
 * past is 0; anything unreadable is undefined (back-off is then the step's retry policy).
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined; // a bare negative or fractional number is not a date either
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** What came back: the status, the headers the bridge reads, and the body as text. */
export interface BridgeResponse {
  status: number;
  retryAfter: string | null;
  body: string;
}

export interface BridgeSuccess {
  output: unknown;
  tokenUsage: TokenUsageReport | undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ENVELOPE_KEYS = new Set(['output', 'token_usage']);

/** An object with `output` and nothing but `output` and `token_usage` is the envelope, not the output. */
function isEnvelope(value: unknown): value is { output: unknown; token_usage?: unknown } {
  return (
    isObject(value) &&
    Object.hasOwn(value, 'output') &&
    Object.keys(value).every((key) => ENVELOPE_KEYS.has(key))
  );
}

function readTokenUsage(value: unknown): TokenUsageReport | undefined | 'invalid' {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) return 'invalid';
  const count = (field: unknown) => typeof field === 'number' && Number.isInteger(field) && field >= 0;
  const { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total, model } = value;
  if (!count(prompt) || !count(completion) || typeof model !== 'string') return 'invalid';
  if (total !== undefined && total !== null && !count(total)) return 'invalid';
  return {
    promptTokens: prompt as number,
    completionTokens: completion as number,
    ...(typeof total === 'number' ? { totalTokens: total } : {}),
    model,
  };
}

/** A service's own error code and message from a body `{error: {code, message}}` or `{code, message}`. */
function serviceError(body: string): { code?: string; message?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  const source = isObject(parsed) && isObject(parsed.error) ? parsed.error : parsed;
  if (!isObject(source)) return {};
  const code =
    typeof source.code === 'string' && /^[A-Za-z0-9_.:-]{1,100}$/.test(source.code) ? source.code : undefined;
  const message =
    typeof source.message === 'string'
      ? source.message
      : typeof source.detail === 'string'
        ? source.detail
        : typeof source.title === 'string'
          ? source.title
          : undefined;
  return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/**
 * The outcome of a response: the output of a 2xx, or the AgentError to fail the command with —
 * retriable for 429 and 5xx (with Retry-After), final for every other status.
 */
export function interpretResponse(response: BridgeResponse, now: number): BridgeSuccess {
  const { status, body } = response;
  if (status >= 200 && status < 300) {
    if (body.trim() === '') return { output: null, tokenUsage: undefined };
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new AgentError(
        BRIDGE_ERROR_CODES.invalidResponse,
        `HTTP ${status} with a body that is not JSON: ${excerpt(body)}`,
      );
    }
    if (!isEnvelope(parsed)) return { output: parsed, tokenUsage: undefined };
    const usage = readTokenUsage(parsed.token_usage);
    if (usage === 'invalid') {
      throw new AgentError(
        BRIDGE_ERROR_CODES.invalidResponse,
        'token_usage needs integer prompt_tokens and completion_tokens (and total_tokens if given) and a string model',
      );
    }
    return { output: parsed.output, tokenUsage: usage };
  }
  const own = serviceError(body);
  const message = own.message ?? (body.trim() === '' ? 'no body' : excerpt(body));
  const retryAfterMs = parseRetryAfter(response.retryAfter, now);
  if (status === 429 || status >= 500) {
    throw new AgentError(
      own.code ?? (status === 429 ? BRIDGE_ERROR_CODES.rateLimited : `HTTP_${status}`),
      `HTTP ${status}: ${message}`,
      { retriable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    );
  }
  throw new AgentError(own.code ?? `HTTP_${status}`, `HTTP ${status}: ${message}`, { retriable: false });
}
