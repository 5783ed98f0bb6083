// The recent outcomes of one agent type: response times and failures over a sliding time window, bounded
// in memory. Percentiles are exact over what the window holds (nearest rank), computed when asked: the
// window is small enough (default at most 10 000 entries) that sorting on a health request costs less
// than keeping a histogram up to date on every result.

export interface Outcome {
  /** When the command finished, epoch ms. */
  at: number;
  durationMs: number;
  failed: boolean;
}

export interface ResponseTimes {
  /** Outcomes in the window. */
  count: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

export interface OutcomeWindowOptions {
  /** How far back outcomes count. */
  windowMs: number;
  /** At most this many outcomes are kept; the oldest go first. */
  maxEntries: number;
}

/** The nearest-rank percentile of sorted values (p in (0, 100]); undefined for no values. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export class OutcomeWindow {
  // A ring buffer in arrival order; results arrive roughly in time order, and an out-of-order one only
  // stays a little longer or leaves a little earlier than it should.
  private readonly entries: (Outcome | undefined)[];
  private start = 0;
  private size = 0;

  constructor(private readonly options: OutcomeWindowOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`);
    }
    this.entries = new Array<Outcome | undefined>(options.maxEntries);
  }

  add(outcome: Outcome): void {
    const capacity = this.entries.length;
    if (this.size === capacity) {
      this.entries[this.start] = outcome;
      this.start = (this.start + 1) % capacity;
    } else {
      this.entries[(this.start + this.size) % capacity] = outcome;
      this.size++;
    }
  }

  /** Drops what is older than the window. */
  prune(now: number): void {
    const from = now - this.options.windowMs;
    while (this.size > 0) {
      const oldest = this.entries[this.start];
      if (oldest && oldest.at >= from) return;
      this.entries[this.start] = undefined;
      this.start = (this.start + 1) % this.entries.length;
      this.size--;
    }
  }

  /** The outcomes within the window ending at `now`. */
  current(now: number): Outcome[] {
    this.prune(now);
    const from = now - this.options.windowMs;
    const out: Outcome[] = [];
    for (let index = 0; index < this.size; index++) {
      const entry = this.entries[(this.start + index) % this.entries.length];
      if (entry && entry.at >= from) out.push(entry);
    }
    return out;
  }

  /** Response-time statistics of the window, or null when it is empty. */
  responseTimes(now: number): ResponseTimes | null {
    const outcomes = this.current(now);
    if (outcomes.length === 0) return null;
    const sorted = outcomes.map((outcome) => outcome.durationMs).sort((a, b) => a - b);
    const sum = sorted.reduce((total, value) => total + value, 0);
    return {
      count: sorted.length,
      p50: percentile(sorted, 50)!,
      p95: percentile(sorted, 95)!,
      p99: percentile(sorted, 99)!,
      mean: Math.round((sum / sorted.length) * 10) / 10,
      max: sorted[sorted.length - 1]!,
    };
  }

  /** Succeeded and failed counts of the window. */
  counts(now: number): { succeeded: number; failed: number } {
    let failed = 0;
    const outcomes = this.current(now);
    for (const outcome of outcomes) if (outcome.failed) failed++;
    return { succeeded: outcomes.length - failed, failed };
  }
}
