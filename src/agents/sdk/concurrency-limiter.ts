// A counting semaphore with a FIFO queue; a waiter leaves the queue as soon as its signal aborts, so a
// cancelled or expired command never takes a slot.

export type Release = () => void;

export class ConcurrencyLimiter {
  private running = 0;
  private readonly queue: { grant: (release: Release) => void; reject: (reason: unknown) => void }[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${capacity}`);
    }
  }

  /** Slots held right now. */
  get active(): number {
    return this.running;
  }

  /** Callers queued for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Resolves with a release function once a slot is free; rejects with the signal's reason if it aborts
   * first. Calling the release more than once frees the slot only once.
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.running < this.capacity && this.queue.length === 0) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter = {
        grant: (release: Release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        reject,
      };
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Runs `task` within a slot. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await task();
    } finally {
      release();
    }
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next.grant(this.releaser());
      else this.running--;
    };
  }
}
