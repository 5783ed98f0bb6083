// The benchmark's results as data: one row per measured run, the environment they were taken in, and
// the pure arithmetic on them (best steady window, per-hop overhead, the printed table).

export const WORKLOADS = ['W1', 'W2'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export const SYSTEMS = ['percolator', 'null', 'bullmq', 'restate'] as const;
export type SystemName = (typeof SYSTEMS)[number];

export type RunMode = 'saturation' | 'fixed';

export interface BenchRun {
  system: SystemName;
  workload: WorkloadName;
  mode: RunMode;
  /** Closed loop: null (as many as complete); open loop: the arrival rate asked for. */
  offered_per_s: number | null;
  completed_per_s: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  cpu_s_per_wf: number;
  peak_rss_mb: number;
  /** Closed loop: workflows kept in flight. */
  concurrency?: number;
  /** Open loop: which target this rate is ("50% of saturation" or "common"). */
  target?: 'half-saturation' | 'common';
  /** (p50 end to end − agent time on the critical path) / hops on that path. */
  per_hop_ms: number;
  completed: number;
  failed: number;
  /** Workflows still unfinished when the drain gave up. */
  abandoned: number;
  /** Redis used_memory growth over the run divided by the workflows in flight at the sample. */
  redis_bytes_per_inflight?: number | null;
  duration_s: number;
}

export interface BenchEnvironment {
  node: string;
  platform: string;
  cpus: number;
  cpu_model: string;
  memory_gb: number;
  load_average_at_start: number[];
  durability: Record<string, string>;
  notes: string[];
  started_at: string;
  duration_s_per_mode: number;
}

export interface SkippedSystem {
  system: SystemName;
  reason: string;
}

export interface BenchReport {
  runs: BenchRun[];
  environment: BenchEnvironment;
  skipped: SkippedSystem[];
}

/** Hops on the critical path of each workload: transitions from start to end, one per arrow. */
export const CRITICAL_PATH_HOPS: Record<WorkloadName, number> = {
  // start → A → B → C → end
  W1: 4,
  // start → first → (10 in parallel) → join → end
  W2: 4,
};

/** Agent steps on the critical path, whose handler time is not the engine's. */
export const CRITICAL_PATH_AGENT_STEPS: Record<WorkloadName, number> = { W1: 3, W2: 3 };

export function perHopOverheadMs(endToEndMs: number, agentMs: number, hops: number): number {
  if (!(hops > 0)) throw new RangeError(`hops must be positive, got ${hops}`);
  return Math.max(0, endToEndMs - agentMs) / hops;
}

/**
 * The best steady throughput in completions per second: the highest mean over `windowSeconds`
 * consecutive one-second buckets, after dropping `warmupSeconds` of ramp-up. With fewer buckets than a
 * window, the mean of what remains.
 */
export function bestWindowRate(
  perSecond: readonly number[],
  windowSeconds: number,
  warmupSeconds = 0,
): number {
  const buckets = perSecond.slice(Math.min(warmupSeconds, Math.max(0, perSecond.length - 1)));
  if (buckets.length === 0) return 0;
  const width = Math.max(1, Math.min(windowSeconds, buckets.length));
  let sum = 0;
  for (let index = 0; index < width; index++) sum += buckets[index]!;
  let best = sum;
  for (let index = width; index < buckets.length; index++) {
    sum += buckets[index]! - buckets[index - width]!;
    if (sum > best) best = sum;
  }
  return best / width;
}

/** The saturation run of one system and workload with the highest throughput. */
export function bestSaturation(
  runs: readonly BenchRun[],
  system: SystemName,
  workload: WorkloadName,
): BenchRun | undefined {
  return runs
    .filter((run) => run.system === system && run.workload === workload && run.mode === 'saturation')
    .reduce<BenchRun | undefined>(
      (best, run) => (!best || run.completed_per_s > best.completed_per_s ? run : best),
      undefined,
    );
}

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/** Rounds the measured numbers to what is meaningful, for the JSON report. */
export function shapeRun(run: BenchRun): BenchRun {
  return {
    ...run,
    offered_per_s: run.offered_per_s === null ? null : round(run.offered_per_s, 1),
    completed_per_s: round(run.completed_per_s, 1),
    p50_ms: round(run.p50_ms, 2),
    p99_ms: round(run.p99_ms, 2),
    p999_ms: round(run.p999_ms, 2),
    cpu_s_per_wf: round(run.cpu_s_per_wf, 5),
    peak_rss_mb: round(run.peak_rss_mb, 1),
    per_hop_ms: round(run.per_hop_ms, 2),
    duration_s: round(run.duration_s, 1),
    redis_bytes_per_inflight:
      run.redis_bytes_per_inflight === undefined || run.redis_bytes_per_inflight === null
        ? null
        : Math.round(run.redis_bytes_per_inflight),
  };
}

export function shapeReport(
  runs: readonly BenchRun[],
  environment: BenchEnvironment,
  skipped: readonly SkippedSystem[],
): BenchReport {
  return { runs: runs.map(shapeRun), environment, skipped: [...skipped] };
}

function describeLoad(run: BenchRun): string {
  if (run.mode === 'saturation') return `closed ${run.concurrency ?? '?'}`;
  const rate = run.offered_per_s === null ? '?' : String(round(run.offered_per_s, 0));
  return `open ${rate}/s${run.target === 'half-saturation' ? ' (50%)' : ''}`;
}

function formatNumber(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value.toFixed(digits);
}

/** A fixed-width table, one line per run, for the terminal and docs/performance.md. */
export function formatTable(runs: readonly BenchRun[]): string {
  const header = [
    'system',
    'wl',
    'load',
    'done/s',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'hop ms',
    'cpu ms/wf',
    'rss MB',
    'redis B/inflight',
    'failed',
  ];
  const rows = runs.map((run) => [
    run.system,
    run.workload,
    describeLoad(run),
    formatNumber(run.completed_per_s, 1),
    formatNumber(run.p50_ms, 1),
    formatNumber(run.p99_ms, 1),
    formatNumber(run.p999_ms, 1),
    formatNumber(run.per_hop_ms, 2),
    formatNumber(run.cpu_s_per_wf * 1000, 2),
    formatNumber(run.peak_rss_mb, 0),
    formatNumber(run.redis_bytes_per_inflight, 0),
    String(run.failed + run.abandoned),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}
