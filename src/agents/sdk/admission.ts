// Admission of commands into an agent: a bounded number accepted and unfinished (running + prefetched).
// While it waits for room, the caller's consumer heartbeats so the group does not evict it.
//
// Each wait gets its own AbortController, linked to the agent's stop signal by a listener that is removed
// when the wait ends. AbortSignal.any([stop, own]) would be shorter, but on Node 20 every signal it makes
// stays reachable from the long-lived stop signal for the life of the process (nodejs/node#55351): one
// per command, which is a leak of hundreds of thousands of signals in a busy agent.
import { ConcurrencyLimiter, type Release } from './concurrency-limiter.js';

export interface AdmissionOptions {
  /** Commands accepted and unfinished at most. */
  capacity: number;
  /** Aborted when the agent stops: waiting admissions give up. */
  stopSignal: AbortSignal;
  /** How often a waiting admission calls its heartbeat. */
  heartbeatEveryMs: number;
}

export class Admission {
  private readonly gate: ConcurrencyLimiter;

  constructor(private readonly options: AdmissionOptions) {
    this.gate = new ConcurrencyLimiter(options.capacity);
  }

  /** Commands admitted and not yet released. */
  get admitted(): number {
    return this.gate.active;
  }

  /** Waits for room to accept another command, heartbeating; null when the agent is stopping. */
  async admit(heartbeat: () => Promise<void>): Promise<Release | null> {
    const stop = this.options.stopSignal;
    if (stop.aborted) return null;
    const own = new AbortController();
    const onStop = () => own.abort(stop.reason);
    stop.addEventListener('abort', onStop, { once: true });
    const acquiring = this.gate.acquire(own.signal);
    try {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const tick = new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), this.options.heartbeatEveryMs);
        });
        const slot = await Promise.race([acquiring, tick]).finally(() => clearTimeout(timer));
        if (slot) return slot;
        await heartbeat();
      }
    } catch (error) {
      own.abort();
      // A slot granted while the heartbeat failed is given back, not lost.
      acquiring.then(
        (release) => release(),
        () => undefined,
      );
      if (stop.aborted) return null;
      throw error;
    } finally {
      stop.removeEventListener('abort', onStop);
    }
  }
}
