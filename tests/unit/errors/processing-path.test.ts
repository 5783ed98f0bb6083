import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isRetriable, PercolatorError } from '../../../src/errors.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isRetriable on the processing path: a dependency away, or a record that cannot be processed', () => {
  it('reads the engine’s own errors by their retriable flag', () => {
    expect(isRetriable(new PercolatorError('STATE_UNAVAILABLE', 'redis away', true))).toBe(true);
    expect(isRetriable(new PercolatorError('STATE_INVALID_ARGUMENT', 'execution id ""', false))).toBe(false);
  });

  it('takes socket errors and Postgres connection or shutdown states as transient', () => {
    expect(isRetriable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isRetriable(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isRetriable(withCode('the database system is starting up', '57P03'))).toBe(true);
    expect(isRetriable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isRetriable(new Error('Connection is closed.'))).toBe(true);
  });

  it('takes statement errors as bad records', () => {
    expect(isRetriable(withCode('invalid input syntax for type uuid: "x"', '22P02'))).toBe(false);
    expect(isRetriable(withCode('unsupported Unicode escape sequence', '22P05'))).toBe(false);
    expect(isRetriable(new RangeError('Maximum call stack size exceeded'))).toBe(false);
    expect(isRetriable(new TypeError('x is undefined'))).toBe(false);
  });

  it('follows kafkajs: its retriable flag, its give-up wrapper, and the cause of a non-retriable error', () => {
    expect(
      isRetriable(new KafkaJSNumberOfRetriesExceeded(new Error('x'), { retryCount: 5, retryTime: 1 })),
    ).toBe(true);
    expect(isRetriable(new KafkaJSNonRetriableError('no'))).toBe(false);
    const wrapped = new KafkaJSNonRetriableError(withCode('refused', 'ECONNREFUSED'));
    expect(isRetriable(Object.assign(wrapped, { cause: withCode('refused', 'ECONNREFUSED') }))).toBe(true);
    expect(isRetriable(new KafkaJSProtocolError('request timed out'))).toBe(true);
  });
});
