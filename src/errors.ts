// Infrastructure errors carry a stable `code` and whether retrying can help; one classifier (isRetriable) and
// one retry helper (withRetry) read it, for our own errors and for those of the clients we use.

export class PercolatorError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PercolatorError';
  }
}

// Socket-level failures: the peer is gone, refusing, unreachable or slow, which a later attempt may not meet.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

// Postgres SQLSTATEs of a server that is restarting, overloaded or resolving a conflict between transactions.
const POSTGRES_TRANSIENT = new Set([
  '57P01', // admin_shutdown: "terminating connection due to administrator command"
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

// Reply errors of a Redis server in a passing condition (loading, failing over, busy with a script, full).
const REDIS_TRANSIENT_REPLIES = /^(BUSY|LOADING|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|OOM)\b/;

// Messages of client errors that carry no code but mean "the connection went away or timed out":
// pg ("Connection terminated unexpectedly", "timeout exceeded when trying to connect", "Client has
// encountered a connection error"), ioredis ("Connection is closed.", "Command timed out",
// "Reached the max retries per request limit", "Stream isn't writeable").
const CONNECTION_MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|connection is closed|command timed out|max retries per request|stream isn't writeable/i;

/**
 * Whether retrying the failed operation can help. In order: our own errors say so; an error of kafkajs (or any
 * client) with a boolean `retriable` says so, except kafkajs' "retries exceeded", which is as retriable as the
 * error it gave up on; a network failure, a Postgres restart or a Redis in a passing condition is retriable,
 * wherever it sits in the `cause` chain. Anything else (bad input, a bug) is not.
 */
export function isRetriable(error: unknown): boolean {
  return classify(error, 0) ?? false;
}

function classify(error: unknown, depth: number): boolean | undefined {
  if (depth > 8 || typeof error !== 'object' || error === null) return undefined;
  if (error instanceof PercolatorError) return error.retriable;
  const candidate = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    retriable?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (candidate.name === 'KafkaJSNumberOfRetriesExceeded')
    return classify(candidate.cause, depth + 1) ?? true;
  if (candidate.retriable === true) return true;
  // A client that gave up for good (kafkajs' non-retriable errors) may still have given up on a dependency
  // that is away: what it wraps decides.
  if (candidate.retriable === false) return classify(candidate.cause, depth + 1) ?? false;
  if (typeof candidate.code === 'string') {
    if (NETWORK_CODES.has(candidate.code) || POSTGRES_TRANSIENT.has(candidate.code)) return true;
    // SQLSTATE classes 08 (connection exceptions), 53 (insufficient resources), 57 (operator intervention).
    if (/^(08|53|57)[0-9A-Z]{3}$/.test(candidate.code)) return true;
  }
  if (candidate.name === 'TimeoutError' || candidate.name === 'MaxRetriesPerRequestError') return true;
  const message = typeof candidate.message === 'string' ? candidate.message : '';
  if (candidate.name === 'ReplyError') return REDIS_TRANSIENT_REPLIES.test(message);
  if (CONNECTION_MESSAGES.test(message)) return true;
  // AggregateError: several addresses of one host failed (IPv4 and IPv6), each with its own code.
  if (Array.isArray(candidate.errors)) {
    const inner = candidate.errors.map((entry) => classify(entry, depth + 1));
    if (inner.some((entry) => entry === true)) return true;
  }
  return classify(candidate.cause, depth + 1);
}

export interface RetryOptions {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Called before each wait, e.g. to log; not called when giving up. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Stops waiting (and retrying) when aborted; the last error is thrown. */
  signal?: AbortSignal;
}

/** Retries only errors that isRetriable accepts, with capped exponential backoff and full jitter. */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  let ceiling = options.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= options.attempts || !isRetriable(error) || options.signal?.aborted) throw error;
      // Jitter keeps many processes that failed together from retrying together.
      const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      options.onRetry?.(error, attempt, delay);
      const waited = await sleep(delay, options.signal);
      if (!waited) throw error;
      ceiling = Math.min(ceiling * 2, options.maxDelayMs);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
