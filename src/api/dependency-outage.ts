// Tells a dependency outage (Redis, Postgres, Kafka or the schema registry unreachable, or too slow to answer
// within the API's bounds) from a bug, so the API answers it with a prompt 503 and Retry-After instead of a 500.
// The clients' own errors are recognised by what they are, never by where they were thrown.
import { PercolatorError } from '../errors.js';

export interface DependencyOutage {
  dependency: 'redis' | 'postgres' | 'kafka' | 'schema-registry' | 'unknown';
  reason: string;
}

// Socket-level failures, whichever client met them.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

// SQLSTATEs that describe the server's state, not the query: connection exceptions (class 08), shutdown and
// start-up (57P01-57P03), too many connections (53300), a serialization failure under load is not among them.
const POSTGRES_OUTAGE = /^(08...|57P0[1-3]|53300)$/;

// What pg says when its socket dies or its own timeouts (connectionTimeoutMillis, query_timeout) fire.
const POSTGRES_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
  'Connection terminated due to connection timeout',
];

// What ioredis says when it is disconnected, gave up on a command, or hit commandTimeout.
const REDIS_MESSAGES = [
  "Stream isn't writeable",
  'Connection is closed',
  'Command timed out',
  'Reached the max retries per request limit',
];

/** The outage an error stands for, or undefined when it is something else (a bug, a bad request). */
export function dependencyOutageOf(error: unknown): DependencyOutage | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const found = classify(current);
    if (found) return found;
    current =
      (current as { cause?: unknown; originalError?: unknown }).cause ??
      (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}

function classify(error: unknown): DependencyOutage | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (error instanceof PercolatorError) {
    if (error.code === 'STATE_UNAVAILABLE') return { dependency: 'redis', reason: text };
    if (error.retriable) return { dependency: 'unknown', reason: text };
    return undefined;
  }
  if (typeof name === 'string' && name.startsWith('KafkaJS')) {
    // Every KafkaJS error the API can meet while publishing is about the cluster, not the request.
    return { dependency: 'kafka', reason: text };
  }
  if (name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.some((prefix) => text.startsWith(prefix))) {
    return { dependency: 'redis', reason: text };
  }
  if (typeof code === 'string' && POSTGRES_OUTAGE.test(code)) return { dependency: 'postgres', reason: text };
  if (POSTGRES_MESSAGES.some((prefix) => text.startsWith(prefix))) {
    return { dependency: 'postgres', reason: text };
  }
  if (name === 'ResponseError' && /schema registry/i.test(text)) {
    return { dependency: 'schema-registry', reason: text };
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return { dependency: 'unknown', reason: text };
  return undefined;
}
