// How the built-in agents report Postgres trouble: what the engine may retry, and what it must not.
import { describe, expect, it } from 'vitest';
import { withStore } from '../../../../src/agents/builtin/deps.js';

describe('withStore', () => {
  it('reports a pool with no client free in time as retriable STORE_UNAVAILABLE', async () => {
    await expect(
      withStore(() => Promise.reject(new Error('timeout exceeded when trying to connect'))),
    ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
  });

  it('reports a lost connection as retriable and passes a bug through as it is', async () => {
    await expect(
      withStore(() => Promise.reject(Object.assign(new Error('gone'), { code: '57P01' }))),
    ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
    const bug = new TypeError('x is undefined');
    await expect(withStore(() => Promise.reject(bug))).rejects.toBe(bug);
  });
});
