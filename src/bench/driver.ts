// Drives one system run: a closed loop that keeps N workflows in flight (saturation) and an open loop
// that starts workflows at a fixed rate whatever happens (latency at fixed load, measured from the
// intended start so a stalled system cannot hide its queueing: no coordinated omission).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { LatencyRecorder, type LatencySummary } from './latency.js';
import { CpuMeter, RssSampler, redisUsedMemory, type ServiceProcess } from './measure.js';
import type { CompletionSink, SystemRun } from './system.js';

/** Follows the workflows in flight: intended start times, completions per second, latencies. */
export class Tracker implements CompletionSink {
  private readonly pending = new Map<string, number>();
  latency = new LatencyRecorder();
  perSecond: number[] = [];
  completedCount = 0;
  failedCount = 0;
  private origin = performance.now();
  onSettled?: () => void;

  reset(): void {
    this.latency = new LatencyRecorder();
    this.perSecond = [];
    this.completedCount = 0;
    this.failedCount = 0;
    this.origin = performance.now();
  }

  expect(id: string, intendedAt: number): void {
    this.pending.set(id, intendedAt);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  completed(id: string): void {
    const intendedAt = this.pending.get(id);
    if (intendedAt === undefined) return;
    this.pending.delete(id);
    const now = performance.now();
    this.latency.record(now - intendedAt);
    const second = Math.floor((now - this.origin) / 1000);
    while (this.perSecond.length <= second) this.perSecond.push(0);
    this.perSecond[second]!++;
    this.completedCount++;
    this.onSettled?.();
  }

  failed(id: string): void {
    if (!this.pending.delete(id)) return;
    this.failedCount++;
    this.onSettled?.();
  }

  /** Forgets what is still pending (after a drain that gave up); returns how many. */
  abandon(): number {
    const count = this.pending.size;
    this.pending.clear();
    return count;
  }
}

export interface LoadResult {
  latency: LatencySummary;
  /** Completions per second, bucket by bucket, while starts were being issued. */
  perSecond: number[];
  issued: number;
  completed: number;
  failed: number;
  abandoned: number;
  cpuSeconds: number;
  peakRssMb: number;
  /** used_memory growth per workflow in flight at the middle of the run. */
  redisBytesPerInflight: number | null;
  durationSeconds: number;
}

export interface DriveOptions {
  run: SystemRun;
  tracker: Tracker;
  services: () => readonly ServiceProcess[];
  redis: Redis;
  durationMs: number;
  drainTimeoutMs: number;
  /** At most this many ids per start call. */
  maxBatch?: number;
}

type Issue = (count: number, intendedAt: (index: number) => number) => void;

async function measured(options: DriveOptions, load: (issue: Issue) => Promise<void>): Promise<LoadResult> {
  const { run, tracker, redis } = options;
  const maxBatch = options.maxBatch ?? 500;
  const cpu = new CpuMeter(options.services);
  const rss = new RssSampler(() => run.extraPids());
  let issued = 0;
  const issue: Issue = (count, intendedAt) => {
    for (let offset = 0; offset < count; offset += maxBatch) {
      const ids: string[] = [];
      for (let index = offset; index < Math.min(count, offset + maxBatch); index++) {
        const id = randomUUID();
        tracker.expect(id, intendedAt(index));
        ids.push(id);
      }
      issued += ids.length;
      run.start(ids).catch(() => {
        for (const id of ids) tracker.failed(id);
      });
    }
  };
  const memoryBefore = await redisUsedMemory(redis);
  tracker.reset();
  const before = cpu.snapshot();
  rss.start();
  const started = performance.now();
  let redisBytesPerInflight: number | null = null;
  const sampler = sleep(options.durationMs / 2).then(async () => {
    const inFlight = tracker.inFlight;
    const memory = await redisUsedMemory(redis);
    if (inFlight > 0 && Number.isFinite(memory - memoryBefore))
      redisBytesPerInflight = (memory - memoryBefore) / inFlight;
  });
  await load(issue);
  const durationSeconds = (performance.now() - started) / 1000;
  const perSecond = tracker.perSecond.slice(0, Math.ceil(durationSeconds));
  await sampler;
  const deadline = performance.now() + options.drainTimeoutMs;
  while (tracker.inFlight > 0 && performance.now() < deadline) await sleep(50);
  const abandoned = tracker.abandon();
  const after = cpu.snapshot();
  const peakRssMb = rss.stop();
  const cpuSeconds = CpuMeter.between(before, after).total;
  return {
    latency: tracker.latency.summary(),
    perSecond,
    issued,
    completed: tracker.completedCount,
    failed: tracker.failedCount,
    abandoned,
    cpuSeconds,
    peakRssMb,
    redisBytesPerInflight,
    durationSeconds,
  };
}

/** Keeps `concurrency` workflows in flight for the duration: each end starts the next. */
export function closedLoop(options: DriveOptions, concurrency: number): Promise<LoadResult> {
  return measured(options, async (issue) => {
    const { tracker } = options;
    let issuing = true;
    let scheduled = false;
    const refill = () => {
      scheduled = false;
      if (!issuing) return;
      const missing = concurrency - tracker.inFlight;
      if (missing > 0) {
        const now = performance.now();
        issue(missing, () => now);
      }
    };
    // Ends arrive in bursts (a consumer batch): start their replacements together, in one batch.
    tracker.onSettled = () => {
      if (!scheduled) {
        scheduled = true;
        setImmediate(refill);
      }
    };
    refill();
    await sleep(options.durationMs);
    issuing = false;
    tracker.onSettled = undefined;
  });
}

/** Starts `ratePerSecond` workflows per second for the duration, on schedule, whatever the system does. */
export function openLoop(options: DriveOptions, ratePerSecond: number): Promise<LoadResult> {
  return measured(options, async (issue) => {
    const started = performance.now();
    const interval = 1000 / ratePerSecond;
    let issued = 0;
    for (;;) {
      const elapsed = performance.now() - started;
      if (elapsed >= options.durationMs) break;
      const due = Math.floor(elapsed / interval) + 1;
      if (due > issued) {
        const first = issued;
        issue(due - issued, (index) => started + (first + index) * interval);
        issued = due;
      }
      await sleep(5);
    }
  });
}

/** Starts a few workflows and waits for them: consumer groups joined, code warm. */
export async function warmUp(
  run: SystemRun,
  tracker: Tracker,
  count: number,
  timeoutMs: number,
): Promise<void> {
  tracker.reset();
  const ids = Array.from({ length: count }, () => randomUUID());
  const now = performance.now();
  for (const id of ids) tracker.expect(id, now);
  await run.start(ids);
  const deadline = performance.now() + timeoutMs;
  while (tracker.inFlight > 0) {
    if (performance.now() > deadline) {
      const stuck = tracker.abandon();
      throw new Error(`warm-up: ${stuck} of ${count} workflows did not finish within ${timeoutMs / 1000} s`);
    }
    await sleep(50);
  }
  if (tracker.failedCount > 0)
    throw new Error(`warm-up: ${tracker.failedCount} of ${count} workflows failed`);
}
