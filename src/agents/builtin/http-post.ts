// POSTing JSON to a webhook with bounded retries, shared by the social-media publish connector and the
// notifier's webhook channel. A 5xx, 408, 429 or a network error is tried again with exponential back-off;
// when the tries run out the failure is retriable for the engine too. Any other 4xx is final.
import { AgentError } from '../sdk/agent-error.js';
import { retryAfterMs } from '../llm/openai-compatible.js';

export interface PostJsonOptions {
  /** Tries in all, including the first. Default 3. */
  attempts?: number;
  /** Wait before the second try; doubles each time. Default 200 ms. */
  backoffMs?: number;
  /** Per-try limit. Default 10 s. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Prefix of the error codes, e.g. WEBHOOK gives WEBHOOK_FAILED / WEBHOOK_REJECTED. */
  errorPrefix?: string;
}

export interface PostJsonResult {
  status: number;
  attempts: number;
  /** The response body, parsed as JSON when it is JSON, else its text (at most 2 000 characters). */
  body: unknown;
}

const RETRY_STATUS = (status: number) => status >= 500 || status === 408 || status === 429;
const MAX_BACKOFF_MS = 5_000;

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function readBody(response: Response): Promise<unknown> {
  const text = (await response.text().catch(() => '')).slice(0, 2000);
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export async function postJson(
  url: string,
  payload: unknown,
  options: PostJsonOptions = {},
): Promise<PostJsonResult> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const prefix = options.errorPrefix ?? 'WEBHOOK';
  const body = JSON.stringify(payload);
  let lastProblem = '';
  let lastRetryAfter: number | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      const backoff = Math.min(MAX_BACKOFF_MS, (options.backoffMs ?? 200) * 2 ** (attempt - 2));
      await wait(Math.max(backoff, Math.min(lastRetryAfter ?? 0, MAX_BACKOFF_MS)), options.signal);
    }
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body,
        signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      lastProblem = `request failed: ${(error as Error).message}`;
      lastRetryAfter = undefined;
      continue;
    }
    const answer = await readBody(response);
    if (response.ok) return { status: response.status, attempts: attempt, body: answer };
    lastProblem = `answered ${response.status}`;
    if (!RETRY_STATUS(response.status)) {
      throw new AgentError(`${prefix}_REJECTED`, `${redact(url)} ${lastProblem}`, { retriable: false });
    }
    lastRetryAfter = retryAfterMs(response.headers.get('retry-after'));
  }
  throw new AgentError(`${prefix}_FAILED`, `${redact(url)} ${lastProblem} after ${attempts} tries`, {
    retriable: true,
    ...(lastRetryAfter !== undefined ? { retryAfterMs: lastRetryAfter } : {}),
  });
}

/** The URL without credentials or query, fit for an error message. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
