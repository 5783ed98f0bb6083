import { describe, expect, it } from 'vitest';
import {
  AgentError,
  CommandAborted,
  SDK_ERROR_CODES,
  toErrorRecord,
} from '../../../src/agents/sdk/agent-error.js';

describe('toErrorRecord', () => {
  it('keeps an AgentError as the handler described it', () => {
    expect(
      toErrorRecord(new AgentError('RATE_LIMITED', 'slow down', { retriable: true, retryAfterMs: 1500.4 })),
    ).toEqual({
      code: 'RATE_LIMITED',
      message: 'slow down',
      retriable: true,
      retry_after_ms: 1500,
    });
  });

  it('makes an AgentError non-retriable unless it says otherwise', () => {
    expect(toErrorRecord(new AgentError('INVALID_INPUT', 'no'))).toEqual({
      code: 'INVALID_INPUT',
      message: 'no',
      retriable: false,
      retry_after_ms: null,
    });
  });

  it('drops a retry_after_ms that is negative or not finite', () => {
    expect(
      toErrorRecord(new AgentError('X', 'x', { retriable: true, retryAfterMs: -5 })).retry_after_ms,
    ).toBeNull();
    expect(
      toErrorRecord(new AgentError('X', 'x', { retriable: true, retryAfterMs: NaN })).retry_after_ms,
    ).toBeNull();
  });

  it('maps any other exception to a retriable AGENT_EXCEPTION', () => {
    expect(toErrorRecord(new TypeError('x is undefined'))).toEqual({
      code: SDK_ERROR_CODES.exception,
      message: 'TypeError: x is undefined',
      retriable: true,
      retry_after_ms: null,
    });
    expect(toErrorRecord('plain string').message).toBe('plain string');
    expect(toErrorRecord({ weird: 1 })).toMatchObject({
      code: 'AGENT_EXCEPTION',
      message: 'non-error value thrown: {"weird":1}',
    });
    expect(toErrorRecord(undefined).code).toBe('AGENT_EXCEPTION');
  });

  it('clips very long messages', () => {
    expect(toErrorRecord(new Error('x'.repeat(10_000))).message.length).toBe(4000);
  });

  it('reports aborts by their kind: cancel is final, deadline retriable', () => {
    expect(toErrorRecord(new CommandAborted('cancelled', 'cancelled: user'))).toMatchObject({
      code: 'CANCELLED',
      retriable: false,
    });
    expect(toErrorRecord(new CommandAborted('deadline', 'late'))).toMatchObject({
      code: 'DEADLINE_EXCEEDED',
      retriable: true,
    });
  });
});
