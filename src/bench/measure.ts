// What a run costs: CPU seconds of this process and of the services it drives (the Kafka and registry
// JVMs, redis-server, a peer's server), read from /proc; peak resident memory; Redis's used_memory.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

export interface ServiceProcess {
  name: string;
  pid: number;
}

let clockTicks: number | undefined;

/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds a process has used so far, or undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may contain spaces; the fields that follow may not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in MB, or 0 once it is gone. */
export function processRssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The local stack's service processes: pid files under .stack/run, and every redis-server. */
export function findServiceProcesses(stackDir = '.stack'): ServiceProcess[] {
  const found: ServiceProcess[] = [];
  for (const name of ['kafka', 'apicurio']) {
    try {
      const pid = Number(readFileSync(join(stackDir, 'run', `${name}.pid`), 'utf8').trim());
      if (Number.isInteger(pid) && processCpuSeconds(pid) !== undefined) found.push({ name, pid });
    } catch {
      // not started by our stack (e.g. docker-compose): its CPU is not counted, and the report says so
    }
  }
  try {
    const pids = execFileSync('pgrep', ['-x', 'redis-server'], { encoding: 'utf8' }).trim().split('\n');
    for (const pid of pids.filter(Boolean)) found.push({ name: 'redis-server', pid: Number(pid) });
  } catch {
    // pgrep exits 1 when nothing matches
  }
  return found;
}

export interface CpuSnapshot {
  selfSeconds: number;
  services: Map<number, number>;
}

/** CPU time of this process and of the given ones, to subtract two of them. */
export class CpuMeter {
  constructor(private readonly services: () => readonly ServiceProcess[]) {}

  snapshot(): CpuSnapshot {
    const usage = process.cpuUsage();
    const services = new Map<number, number>();
    for (const { pid } of this.services()) {
      const seconds = processCpuSeconds(pid);
      if (seconds !== undefined) services.set(pid, seconds);
    }
    return { selfSeconds: (usage.user + usage.system) / 1e6, services };
  }

  /** CPU seconds spent between two snapshots: this process plus every service seen in both. */
  static between(before: CpuSnapshot, after: CpuSnapshot): { total: number; self: number; services: number } {
    let services = 0;
    for (const [pid, seconds] of after.services) {
      const earlier = before.services.get(pid);
      if (earlier !== undefined) services += Math.max(0, seconds - earlier);
    }
    const self = Math.max(0, after.selfSeconds - before.selfSeconds);
    return { total: self + services, self, services };
  }
}

/** Samples the resident memory of this process plus the given ones, keeping the highest sum. */
export class RssSampler {
  private peak = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly pids: () => readonly number[]) {}

  start(intervalMs = 200): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    let rss = process.memoryUsage.rss() / (1024 * 1024);
    for (const pid of this.pids()) rss += processRssMb(pid);
    if (rss > this.peak) this.peak = rss;
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

export async function redisUsedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const match = /used_memory:(\d+)/.exec(info);
  return match ? Number(match[1]) : NaN;
}

/** Deletes every Redis key that starts with `prefix`, in SCAN-sized batches. */
export async function deleteRedisKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
