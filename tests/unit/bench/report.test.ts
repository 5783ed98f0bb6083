// The pure parts of the benchmark: steady-window arithmetic, per-hop overhead, report shaping, the
// table, and percentiles read back from the HDR histogram. No timing is asserted anywhere.
import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from '../../../src/bench/latency.js';
import {
  bestSaturation,
  bestWindowRate,
  formatTable,
  perHopOverheadMs,
  shapeReport,
  shapeRun,
  type BenchEnvironment,
  type BenchRun,
} from '../../../src/bench/report.js';
import { benchPayload, percolatorDefinition } from '../../../src/bench/workloads.js';
import { parseDefinition } from '../../../src/definition/index.js';

const run = (overrides: Partial<BenchRun> = {}): BenchRun => ({
  system: 'percolator',
  workload: 'W1',
  mode: 'saturation',
  offered_per_s: null,
  completed_per_s: 512.3456,
  p50_ms: 12.3456,
  p99_ms: 45.6789,
  p999_ms: 78.9012,
  cpu_s_per_wf: 0.0012345678,
  peak_rss_mb: 301.234,
  concurrency: 200,
  per_hop_ms: 3.08642,
  completed: 10_000,
  failed: 0,
  abandoned: 0,
  redis_bytes_per_inflight: 1234.56,
  duration_s: 6.6666,
  ...overrides,
});

describe('bench arithmetic', () => {
  it('per-hop overhead leaves the agent time out and divides by the hops', () => {
    expect(perHopOverheadMs(40, 4, 4)).toBe(9);
    expect(perHopOverheadMs(3, 5, 4)).toBe(0);
    expect(() => perHopOverheadMs(10, 0, 0)).toThrow(RangeError);
  });

  it('the best steady window skips the warm-up and takes the highest mean', () => {
    expect(bestWindowRate([0, 100, 300, 300, 200, 100], 2, 1)).toBe(300);
    expect(bestWindowRate([900, 10, 20], 2, 1)).toBe(15);
    expect(bestWindowRate([50], 3, 1)).toBe(50);
    expect(bestWindowRate([], 3)).toBe(0);
  });

  it('picks the best saturation run of a system and workload', () => {
    const runs = [
      run({ concurrency: 50, completed_per_s: 300 }),
      run({ concurrency: 200, completed_per_s: 600 }),
      run({ concurrency: 1000, completed_per_s: 500 }),
      run({ system: 'null', completed_per_s: 2000 }),
      run({ mode: 'fixed', completed_per_s: 900, offered_per_s: 900 }),
    ];
    expect(bestSaturation(runs, 'percolator', 'W1')?.concurrency).toBe(200);
    expect(bestSaturation(runs, 'percolator', 'W2')).toBeUndefined();
  });
});

describe('bench report', () => {
  it('rounds each run to meaningful digits and keeps the fields the report promises', () => {
    const shaped = shapeRun(run());
    expect(shaped).toMatchObject({
      system: 'percolator',
      workload: 'W1',
      mode: 'saturation',
      offered_per_s: null,
      completed_per_s: 512.3,
      p50_ms: 12.35,
      p99_ms: 45.68,
      p999_ms: 78.9,
      cpu_s_per_wf: 0.00123,
      peak_rss_mb: 301.2,
      per_hop_ms: 3.09,
      redis_bytes_per_inflight: 1235,
    });
    expect(shapeRun(run({ redis_bytes_per_inflight: undefined })).redis_bytes_per_inflight).toBeNull();
  });

  it('a report is runs, environment and skipped systems, and survives JSON', () => {
    const environment = { node: 'v20', notes: [] } as unknown as BenchEnvironment;
    const report = shapeReport([run(), run({ mode: 'fixed', offered_per_s: 99.96 })], environment, [
      { system: 'restate', reason: 'no binary' },
    ]);
    const parsed = JSON.parse(JSON.stringify(report)) as typeof report;
    expect(parsed.runs.map((entry) => [entry.mode, entry.offered_per_s])).toEqual([
      ['saturation', null],
      ['fixed', 100],
    ]);
    expect(parsed.skipped).toEqual([{ system: 'restate', reason: 'no binary' }]);
    expect(parsed.environment.node).toBe('v20');
  });

  it('the table has a header, a rule and one aligned line per run', () => {
    const lines = formatTable([
      run(),
      run({ system: 'bullmq', mode: 'fixed', offered_per_s: 100, target: 'common', p99_ms: NaN }),
    ]).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^system\s+wl\s+load\s+done\/s/);
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
    expect(lines[2]).toContain('closed 200');
    expect(lines[3]).toContain('open 100/s');
    expect(lines[3]).toContain(' - ');
  });
});

describe('latency percentiles from the HDR histogram', () => {
  it('reads p50, p99 and p99.9 within the histogram precision', () => {
    const recorder = new LatencyRecorder();
    for (let ms = 1; ms <= 10_000; ms++) recorder.record(ms / 10);
    const summary = recorder.summary();
    expect(summary.count).toBe(10_000);
    expect(summary.p50_ms).toBeCloseTo(500, -0.5);
    expect(Math.abs(summary.p50_ms - 500)).toBeLessThan(1);
    expect(Math.abs(summary.p99_ms - 990)).toBeLessThan(1);
    expect(Math.abs(summary.p999_ms - 999)).toBeLessThan(1);
    expect(Math.abs(summary.max_ms - 1000)).toBeLessThan(1);
  });

  it('an empty histogram has no percentiles rather than zeros', () => {
    expect(Number.isNaN(new LatencyRecorder().summary().p99_ms)).toBe(true);
  });
});

describe('bench workloads', () => {
  it('the payload is about half a kilobyte and both Percolator definitions are valid', () => {
    expect(benchPayload().length).toBe(512);
    for (const workload of ['W1', 'W2'] as const) {
      const { definition, problems } = parseDefinition(percolatorDefinition(workload, `bench-${workload}`));
      expect(problems).toEqual([]);
      expect(definition).toBeDefined();
    }
  });
});
