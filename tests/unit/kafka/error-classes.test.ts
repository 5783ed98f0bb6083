import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { PercolatorError } from '../../../src/errors.js';
import { isTransient } from '../../../src/kafka/error-classes.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isTransient: a dependency away, or a record that cannot be processed', () => {
  it('reads the engine’s own errors by their retriable flag', () => {
    expect(isTransient(new PercolatorError('STATE_UNAVAILABLE', 'redis away', true))).toBe(true);
    expect(isTransient(new PercolatorError('STATE_INVALID_ARGUMENT', 'execution id ""', false))).toBe(false);
  });

  it('takes socket errors and Postgres connection or shutdown states as transient', () => {
    expect(isTransient(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isTransient(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isTransient(withCode('the database system is starting up', '57P03'))).toBe(true);
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient(new Error('Connection is closed.'))).toBe(true);
  });

  it('takes statement errors as bad records', () => {
    expect(isTransient(withCode('invalid input syntax for type uuid: "x"', '22P02'))).toBe(false);
    expect(isTransient(withCode('unsupported Unicode escape sequence', '22P05'))).toBe(false);
    expect(isTransient(new RangeError('Maximum call stack size exceeded'))).toBe(false);
    expect(isTransient(new TypeError('x is undefined'))).toBe(false);
  });

  it('follows kafkajs: its retriable flag, its give-up wrapper, and the cause of a non-retriable error', () => {
    expect(
      isTransient(new KafkaJSNumberOfRetriesExceeded(new Error('x'), { retryCount: 5, retryTime: 1 })),
    ).toBe(true);
    expect(isTransient(new KafkaJSNonRetriableError('no'))).toBe(false);
    const wrapped = new KafkaJSNonRetriableError(withCode('refused', 'ECONNREFUSED'));
    expect(isTransient(Object.assign(wrapped, { cause: withCode('refused', 'ECONNREFUSED') }))).toBe(true);
    expect(isTransient(new KafkaJSProtocolError('request timed out'))).toBe(true);
  });
});
