// Which errors on a consumer's processing path mean "a dependency is unreachable, try again" (transient) rather
// than "this record cannot be processed". The engine's own errors say so themselves (`retriable`); errors that
// come straight from a client library are read by their kind: kafkajs marks its own, pg and ioredis errors are
// known by their codes. Anything not recognised as transient counts as a bad record, because a wrong "transient"
// blocks a partition for ever while a wrong "bad record" costs one dead letter that can be replayed.
import { isRetriable, PercolatorError } from '../errors.js';

/** Node's socket-level codes: the peer is away or the network is. */
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
]);

/**
 * Postgres SQLSTATE classes and codes that say the server, not the statement, is the problem: connection
 * exceptions (08), insufficient resources (53), operator intervention (57: shutdown, restart), and
 * serialization failure / deadlock (40001, 40P01).
 */
function transientSqlState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('53') ||
    code.startsWith('57') ||
    code === '40001' ||
    code === '40P01'
  );
}

const TRANSIENT_MESSAGES = [
  /Connection terminated/i, // pg: the socket closed under a query
  /Connection is closed/i, // ioredis
  /Reached the max retries per request limit/i, // ioredis MaxRetriesPerRequestError
  /timeout exceeded when trying to connect/i, // pg pool
  /Client has encountered a connection error/i, // pg
];

export function isTransient(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 8) return false;
  if (error instanceof PercolatorError) return isRetriable(error);
  const candidate = error as {
    name?: unknown;
    code?: unknown;
    retriable?: unknown;
    cause?: unknown;
    message?: unknown;
  };
  const name = typeof candidate.name === 'string' ? candidate.name : '';
  if (name.startsWith('KafkaJS')) {
    // kafkajs gives up on retriable errors with this wrapper; what it wraps was retriable.
    if (name === 'KafkaJSNumberOfRetriesExceeded') return true;
    if (candidate.retriable === true) return true;
    return candidate.cause !== undefined && isTransient(candidate.cause, depth + 1);
  }
  const code = typeof candidate.code === 'string' ? candidate.code : '';
  if (NETWORK_CODES.has(code)) return true;
  if (/^[0-9A-Z]{5}$/.test(code) && transientSqlState(code)) return true;
  if (name === 'MaxRetriesPerRequestError') return true;
  const message = typeof candidate.message === 'string' ? candidate.message : '';
  if (TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
  // Some clients wrap the socket error (AggregateError from a dual-stack connect, fetch's `cause`).
  if (Array.isArray((error as { errors?: unknown }).errors)) {
    if ((error as { errors: unknown[] }).errors.some((inner) => isTransient(inner, depth + 1))) return true;
  }
  return candidate.cause !== undefined && isTransient(candidate.cause, depth + 1);
}
