// Readiness checks, with a bound on how long each may take, and a short cache so that probes from several
// load balancers, /ready and /api/v1/status share one round trip to each dependency.
//
// Roles contribute their own checks: the composition root (src/engine.ts) owns one `Readiness`, adds the
// dependency checks of the process's own clients, and hands `readiness.add` to each role it starts, which
// pushes e.g. "consumers joined and assigned". /ready answers 200 only when every check passes.

/** A named check for readiness: resolves when the thing it checks is usable, rejects saying why not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export type CheckResults = Record<string, { status: 'up' } | { status: 'down'; error: string }>;

/** How long a check's outcome is reused: a probe every few seconds still sees a change within about 1 s. */
export const READINESS_CACHE_MS = 1000;

/** The checks of one process. `checks` is live: a check added later is seen by handlers built earlier. */
export class Readiness {
  readonly checks: ReadinessCheck[] = [];

  constructor(private readonly cacheMs: number = READINESS_CACHE_MS) {}

  add(check: ReadinessCheck): void {
    if (this.checks.some((existing) => existing.name === check.name))
      throw new Error(`a readiness check named ${check.name} was added twice`);
    this.checks.push(cachedCheck(check, this.cacheMs));
  }
}

/**
 * Shares one run of `check` among concurrent callers and reuses its outcome for `cacheMs` after it settles.
 * A slow dependency is therefore asked once at a time, however often /ready is called.
 */
export function cachedCheck(check: ReadinessCheck, cacheMs: number, giveUpMs = 5000): ReadinessCheck {
  let running: Promise<void> | undefined;
  let settled: { at: number; outcome: Promise<void> } | undefined;
  return {
    name: check.name,
    check() {
      if (settled && Date.now() - settled.at < cacheMs) return settled.outcome;
      if (!running) {
        // A check that hangs must not hold the cache for ever: it counts as failed after giveUpMs.
        const run = withTimeout(check.check(), giveUpMs);
        running = run;
        const remember = () => {
          // A rejected promise that is reused must not count as unhandled while it waits in the cache.
          run.catch(() => undefined);
          settled = { at: Date.now(), outcome: run };
          running = undefined;
        };
        run.then(remember, remember);
      }
      return running;
    },
  };
}

export async function runChecks(checks: readonly ReadinessCheck[], timeoutMs: number): Promise<CheckResults> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await withTimeout(check(), timeoutMs);
        return [name, { status: 'up' as const }] as const;
      } catch (error) {
        return [name, { status: 'down' as const, error: (error as Error).message }] as const;
      }
    }),
  );
  return Object.fromEntries(results);
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
