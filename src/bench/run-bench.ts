// `percolator bench`: checks the local stack, then runs each system in turn (never two at once) over each
// workload — saturation at rising concurrency, then latency at fixed arrival rates — with fresh topics
// and keys per system and workload, deleted afterwards; prints a table and returns the JSON report.
import { randomBytes } from 'node:crypto';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import type { PercolatorConfig } from '../config/config.js';
import { formatHostPort, stackEndpoints } from '../stack/endpoints.js';
import { probeKafka, probePostgres, probeRedis, probeRegistry } from '../stack/probes.js';
import { closedLoop, openLoop, Tracker, warmUp, type LoadResult } from './driver.js';
import { findServiceProcesses, type ServiceProcess } from './measure.js';
import {
  bestSaturation,
  bestWindowRate,
  CRITICAL_PATH_AGENT_STEPS,
  CRITICAL_PATH_HOPS,
  formatTable,
  perHopOverheadMs,
  shapeReport,
  type BenchReport,
  type BenchRun,
  type RunMode,
  type SkippedSystem,
  type SystemName,
  type WorkloadName,
} from './report.js';
import { BENCH_PARTITIONS } from './systems/percolator.js';
import { SystemUnavailable, type BenchSystem, type SystemRun } from './system.js';
import { benchPayload } from './workloads.js';

export interface BenchOptions {
  config: PercolatorConfig;
  workloads: readonly WorkloadName[];
  systems: readonly SystemName[];
  /** Seconds of saturation per system and workload (split over the levels), and of both fixed loads together. */
  durationSeconds: number;
  concurrencyLevels?: readonly number[];
  /** The arrival rate every system is measured at. */
  commonRatePerSecond?: number;
  write: (line: string) => void;
}

/** The stack is not there; the message says what to start. */
export class BenchError extends Error {
  override readonly name = 'BenchError';
}

export const DEFAULT_LEVELS = [50, 200, 1000] as const;
export const DEFAULT_COMMON_RATE = 100;
const WARM_UP_WORKFLOWS = 20;

async function loadSystem(name: SystemName): Promise<BenchSystem> {
  switch (name) {
    case 'percolator':
      return (await import('./systems/percolator.js')).percolatorSystem;
    case 'null':
      return (await import('./systems/null.js')).nullSystem;
    case 'bullmq':
      return (await import('./systems/bullmq.js')).bullmqSystem;
    case 'restate':
      return (await import('./systems/restate.js')).restateSystem;
  }
}

async function checkStack(config: PercolatorConfig): Promise<void> {
  const endpoints = stackEndpoints(config);
  const checks = await Promise.all([
    probeKafka(endpoints.kafka).then((probe) => ({
      name: `Kafka ${formatHostPort(endpoints.kafka)}`,
      probe,
    })),
    probeRegistry(endpoints.registryManagement, endpoints.registryApiUrl).then((probe) => ({
      name: `schema registry ${endpoints.registryApiUrl}`,
      probe,
    })),
    probeRedis(endpoints.redis).then((probe) => ({
      name: `Redis ${formatHostPort(endpoints.redis)}`,
      probe,
    })),
    probePostgres(endpoints.postgres).then((probe) => ({
      name: `Postgres ${formatHostPort(endpoints.postgres)}`,
      probe,
    })),
  ]);
  const down = checks.filter((check) => !check.probe.up);
  if (down.length > 0)
    throw new BenchError(
      `the local stack is not up: ${down.map((check) => `${check.name} (${check.probe.detail ?? 'down'})`).join(', ')}. ` +
        'Start it with `make stack` (or `percolator stack up`) and run the bench again.',
    );
}

function toRun(
  system: SystemName,
  workload: WorkloadName,
  mode: RunMode,
  result: LoadResult,
  agentMs: number,
  extra: Partial<BenchRun> & { completed_per_s: number },
): BenchRun {
  const p50 = result.latency.p50_ms;
  return {
    system,
    workload,
    mode,
    offered_per_s: null,
    p50_ms: p50,
    p99_ms: result.latency.p99_ms,
    p999_ms: result.latency.p999_ms,
    cpu_s_per_wf: result.completed > 0 ? result.cpuSeconds / result.completed : NaN,
    peak_rss_mb: result.peakRssMb,
    per_hop_ms: Number.isFinite(p50)
      ? perHopOverheadMs(p50, agentMs * CRITICAL_PATH_AGENT_STEPS[workload], CRITICAL_PATH_HOPS[workload])
      : NaN,
    completed: result.completed,
    failed: result.failed,
    abandoned: result.abandoned,
    redis_bytes_per_inflight: result.redisBytesPerInflight,
    duration_s: result.durationSeconds,
    ...extra,
  };
}

async function measureSystem(
  system: BenchSystem,
  workload: WorkloadName,
  options: BenchOptions,
  services: () => readonly ServiceProcess[],
  redis: Redis,
  runs: BenchRun[],
  report: (run: BenchRun) => void,
): Promise<void> {
  const tracker = new Tracker();
  const prefix = `bench.${system.name}.${workload.toLowerCase()}.${randomBytes(3).toString('hex')}`;
  const log = (line: string) => options.write(`  ${system.name} ${workload}: ${line}`);
  log(`setting up (prefix ${prefix})`);
  const run: SystemRun = await system.open(workload, tracker, {
    config: options.config,
    prefix,
    payload: benchPayload(),
    log,
  });
  try {
    await warmUp(run, tracker, WARM_UP_WORKFLOWS, 120_000);
    const levels = options.concurrencyLevels ?? DEFAULT_LEVELS;
    const levelMs = Math.max(4_000, (options.durationSeconds * 1000) / levels.length);
    const drive = { run, tracker, services, redis, drainTimeoutMs: 20_000 };
    for (const concurrency of levels) {
      const result = await closedLoop({ ...drive, durationMs: levelMs }, concurrency);
      const window = Math.max(2, Math.floor(levelMs / 2000));
      report(
        toRun(system.name, workload, 'saturation', result, run.agentMs(), {
          concurrency,
          completed_per_s: bestWindowRate(result.perSecond, window, 1),
        }),
      );
    }
    const fixedMs = Math.max(4_000, (options.durationSeconds * 1000) / 2);
    const saturation = bestSaturation(runs, system.name, workload)?.completed_per_s ?? 0;
    const targets: { rate: number; target: 'half-saturation' | 'common' }[] = [];
    if (saturation > 0) targets.push({ rate: Math.max(1, saturation / 2), target: 'half-saturation' });
    targets.push({ rate: options.commonRatePerSecond ?? DEFAULT_COMMON_RATE, target: 'common' });
    for (const { rate, target } of targets) {
      const result = await openLoop({ ...drive, durationMs: fixedMs }, rate);
      const completedInWindow = result.perSecond.reduce((sum, count) => sum + count, 0);
      report(
        toRun(system.name, workload, 'fixed', result, run.agentMs(), {
          offered_per_s: rate,
          target,
          completed_per_s: completedInWindow / result.durationSeconds,
        }),
      );
    }
  } finally {
    log('cleaning up');
    await run.close();
  }
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  await checkStack(options.config);
  const services = findServiceProcesses();
  const started = new Date();
  const environment = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    load_average_at_start: loadavg().map((value) => Math.round(value * 100) / 100),
    durability: {} as Record<string, string>,
    notes: [
      `free memory at start: ${Math.round(freemem() / 1024 ** 2)} MB`,
      `CPU per workflow = this process (drivers, in-process engine and agents) + ${services.map((service) => `${service.name} (${service.pid})`).join(', ') || 'no service process found'}, between the start of a run and the end of its drain`,
      'the services are shared: other work on this machine during a run shows up in these numbers',
      `Kafka topics have ${BENCH_PARTITIONS} partitions per run; a single broker`,
    ],
    started_at: started.toISOString(),
    duration_s_per_mode: options.durationSeconds,
  };
  const runs: BenchRun[] = [];
  const skipped: SkippedSystem[] = [];
  const redis = new Redis(options.config.redisUrl);
  options.write(formatTable([]));
  try {
    for (const name of options.systems) {
      let system: BenchSystem;
      try {
        system = await loadSystem(name);
      } catch (error) {
        skipped.push({ system: name, reason: `could not be loaded: ${(error as Error).message}` });
        options.write(`skipping ${name}: ${(error as Error).message}`);
        continue;
      }
      environment.durability[name] = system.durability;
      for (const workload of options.workloads) {
        try {
          await measureSystem(
            system,
            workload,
            options,
            () => services,
            redis,
            runs,
            (run) => {
              if (!system.usesRedis) run.redis_bytes_per_inflight = null;
              runs.push(run);
              options.write(formatTable([run]).split('\n')[2]!);
            },
          );
        } catch (error) {
          const reason =
            error instanceof SystemUnavailable ? error.message : `failed: ${(error as Error).message}`;
          skipped.push({ system: name, reason: `${workload}: ${reason}` });
          options.write(`skipping ${name} ${workload}: ${reason}`);
          if (error instanceof SystemUnavailable) break;
        }
      }
    }
  } finally {
    redis.disconnect();
  }
  options.write('');
  options.write(formatTable(runs));
  return shapeReport(runs, environment, skipped);
}
