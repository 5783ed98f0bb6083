import { describe, expect, it } from 'vitest';
import { ReplyError } from 'ioredis';
import { PercolatorError } from '../../../src/errors.js';
import { toStateError } from '../../../src/state/redis-errors.js';

describe('toStateError', () => {
  it('calls connection trouble retriable', () => {
    expect(toStateError(new Error('Connection is closed.'), 'loading')).toMatchObject({
      code: 'STATE_UNAVAILABLE',
      retriable: true,
      message: 'loading: Connection is closed.',
    });
  });

  it('calls a passing server condition retriable and a bad request not', () => {
    expect(toStateError(new ReplyError('LOADING Redis is loading the dataset in memory'), 'x')).toMatchObject(
      {
        code: 'STATE_UNAVAILABLE',
        retriable: true,
      },
    );
    expect(toStateError(new ReplyError('WRONGTYPE Operation against a key'), 'x')).toMatchObject({
      code: 'STATE_REDIS_ERROR',
      retriable: false,
    });
  });

  it('passes a PercolatorError through', () => {
    const error = new PercolatorError('STATE_CORRUPT_OUTBOX', 'bad', false);
    expect(toStateError(error, 'x')).toBe(error);
  });
});
