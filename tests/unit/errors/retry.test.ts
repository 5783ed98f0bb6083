// The one classifier of retriable errors, and the one retry helper that reads it.
import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isRetriable, PercolatorError, withRetry } from '../../../src/errors.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isRetriable', () => {
  it('takes our own errors at their word', () => {
    expect(isRetriable(new PercolatorError('X', 'x', true))).toBe(true);
    expect(
      isRetriable(new PercolatorError('X', 'x', false, { cause: withCode('refused', 'ECONNREFUSED') })),
    ).toBe(false);
  });

  it("reads kafkajs' own retriable flag, and looks through 'retries exceeded' to its cause", () => {
    expect(isRetriable(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'))).toBe(true);
    expect(isRetriable(new KafkaJSNonRetriableError('bad'))).toBe(false);
    expect(isRetriable(new KafkaJSProtocolError({ message: 'leader', retriable: true } as never))).toBe(true);
    const exhausted = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('refused'), {
      retryCount: 5,
      retryTime: 2000,
    } as never);
    expect(isRetriable(exhausted)).toBe(true);
  });

  it('counts network failures, Postgres restarts and Redis connection losses as retriable', () => {
    expect(isRetriable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isRetriable(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isRetriable(withCode('the database system is starting up', '57P03'))).toBe(true);
    expect(isRetriable(withCode('connection failure', '08006'))).toBe(true);
    expect(isRetriable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isRetriable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isRetriable(new Error('Connection is closed.'))).toBe(true);
    expect(isRetriable(Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' }))).toBe(true);
    expect(isRetriable(new TypeError('fetch failed', { cause: withCode('refused', 'ECONNREFUSED') }))).toBe(
      true,
    );
    expect(
      isRetriable(new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'ECONNREFUSED')])),
    ).toBe(true);
  });

  it('refuses bad input and bugs', () => {
    expect(isRetriable(withCode('invalid input syntax for type uuid', '22P02'))).toBe(false);
    expect(isRetriable(new TypeError('x is undefined'))).toBe(false);
    expect(
      isRetriable(Object.assign(new Error('ERR wrong number of arguments'), { name: 'ReplyError' })),
    ).toBe(false);
    expect(isRetriable(Object.assign(new Error('LOADING Redis is loading'), { name: 'ReplyError' }))).toBe(
      true,
    );
    expect(isRetriable('a string')).toBe(false);
    expect(isRetriable(undefined)).toBe(false);
  });
});

describe('withRetry', () => {
  const fast = { attempts: 4, initialDelayMs: 1, maxDelayMs: 2 };

  it('retries a retriable failure until it succeeds', async () => {
    let calls = 0;
    const result = await withRetry(async () => {
      calls += 1;
      if (calls < 3) throw withCode('refused', 'ECONNREFUSED');
      return 'done';
    }, fast);
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up after the attempts, with the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw withCode(`refused ${calls}`, 'ECONNREFUSED');
      }, fast),
    ).rejects.toThrow('refused 4');
    expect(calls).toBe(4);
  });

  it('does not retry what cannot succeed', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw new PercolatorError('BAD', 'bad input', false);
      }, fast),
    ).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = withRetry(
      async () => {
        calls += 1;
        throw withCode('refused', 'ECONNREFUSED');
      },
      { attempts: 100, initialDelayMs: 60_000, maxDelayMs: 60_000, signal: controller.signal },
    );
    controller.abort();
    await expect(run).rejects.toThrow('refused');
    expect(calls).toBe(1);
  });
});
