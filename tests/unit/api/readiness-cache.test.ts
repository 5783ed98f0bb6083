// Readiness checks are shared between concurrent probes and reused for a moment, and a hanging check
// cannot wedge readiness for good.
import { describe, expect, it } from 'vitest';
import { cachedCheck, Readiness, runChecks } from '../../../src/api/readiness.js';

describe('cached readiness checks', () => {
  it('asks the dependency once for concurrent callers and reuses the outcome within the cache time', async () => {
    let calls = 0;
    const check = cachedCheck({ name: 'x', check: async () => void (calls += 1) }, 60_000);
    await Promise.all([check.check(), check.check(), check.check()]);
    await check.check();
    expect(calls).toBe(1);
  });

  it('asks again once the cached outcome is older than the cache time, so a recovery is seen', async () => {
    let up = false;
    const check = cachedCheck(
      {
        name: 'x',
        check: async () => {
          if (!up) throw new Error('down');
        },
      },
      0,
    );
    await expect(check.check()).rejects.toThrow('down');
    up = true;
    await expect(check.check()).resolves.toBeUndefined();
  });

  it('gives up on a check that never answers, and asks again afterwards', async () => {
    let calls = 0;
    const check = cachedCheck(
      {
        name: 'x',
        check: () => {
          calls += 1;
          return calls === 1 ? new Promise<void>(() => undefined) : Promise.resolve();
        },
      },
      0,
      20,
    );
    await expect(check.check()).rejects.toThrow('no answer within 20 ms');
    await expect(check.check()).resolves.toBeUndefined();
  });

  it('lets roles add checks after the handler took the list, and refuses a name twice', async () => {
    const readiness = new Readiness(0);
    const seen = readiness.checks;
    readiness.add({ name: 'consumers', check: async () => Promise.reject(new Error('not assigned')) });
    expect(() => readiness.add({ name: 'consumers', check: async () => undefined })).toThrow('twice');
    expect(await runChecks(seen, 1000)).toEqual({ consumers: { status: 'down', error: 'not assigned' } });
  });
});
