// Redis and Postgres are the machine's own services: used as they are when they answer, installed from
// Debian's packages and started only when they do not, and never stopped by `stack down`.
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatHostPort, isLoopback, type HostPort } from './endpoints.js';
import { StackError } from './errors.js';
import type { StackPaths } from './paths.js';
import { isPortOpen, probePostgres, probeRedis, type Probe } from './probes.js';
import type { ServiceState } from './report.js';
import { waitUntilUp } from './wait.js';

const START_TIMEOUT_MS = 30_000;
const APT_TIMEOUT_MS = 10 * 60_000;

export interface SystemService {
  name: string;
  label: string;
  address: HostPort;
  /** Debian package and the command whose absence means it is not installed. */
  pkg: string;
  binary: string;
  logFile: string;
  probe(): Promise<Probe>;
  /** Starts the installed server; `fresh` is true right after this run installed it. */
  start(fresh: boolean): Promise<void>;
}

export function redisService(paths: StackPaths, address: HostPort): SystemService {
  return {
    name: 'redis',
    label: 'Redis',
    address,
    pkg: 'redis-server',
    binary: 'redis-server',
    logFile: '/var/log/redis/ci.log',
    probe: () => probeRedis(address),
    start: async () => {
      mkdirSync('/var/lib/redis', { recursive: true });
      mkdirSync('/var/log/redis', { recursive: true });
      // Same flags as the machine's own start-up: nothing persisted, loopback only.
      await run(
        'redis-server',
        [
          '--daemonize',
          'yes',
          '--bind',
          '127.0.0.1',
          '-::1',
          '--port',
          String(address.port),
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          '/var/lib/redis',
          '--logfile',
          '/var/log/redis/ci.log',
        ],
        paths.aptLog,
      );
    },
  };
}

export function postgresService(
  paths: StackPaths,
  target: HostPort & { user: string; password: string | undefined },
): SystemService {
  return {
    name: 'postgres',
    label: 'PostgreSQL',
    address: target,
    pkg: 'postgresql',
    binary: 'pg_ctlcluster',
    logFile: '/var/log/postgresql',
    probe: () => probePostgres(target),
    start: async (fresh) => {
      const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort(byNumber) : [];
      const version = versions.at(-1);
      if (version === undefined) throw new StackError('postgres: no cluster under /etc/postgresql to start');
      if (fresh) trustLoopback(version);
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], paths.aptLog);
    },
  };
}

export async function ensureSystemService(service: SystemService, paths: StackPaths): Promise<ServiceState> {
  const first = await service.probe();
  const where = formatHostPort(service.address);
  if (first.up) return { name: service.name, address: where, up: true, note: 'system service' };
  if (!isLoopback(service.address.host)) {
    throw new StackError(
      `${service.name}: ${where} does not answer (${first.detail}) and is not on this machine`,
    );
  }
  if (await isPortOpen(service.address)) {
    throw new StackError(
      `${service.name}: port ${where} is taken by something that does not answer as ${service.label} (${first.detail})`,
    );
  }
  let fresh = false;
  if (!(await commandExists(service.binary))) {
    if (process.getuid?.() !== 0) {
      throw new StackError(
        `${service.name}: nothing answers on ${where} and ${service.label} is not installed; ` +
          `installing it needs root: apt-get install ${service.pkg}`,
      );
    }
    await aptInstall(service.pkg, paths.aptLog);
    fresh = true;
  }
  await service.start(fresh);
  await waitUntilUp({
    name: service.name,
    address: service.address,
    probe: () => service.probe(),
    timeoutMs: START_TIMEOUT_MS,
    logFile: service.logFile,
  });
  return { name: service.name, address: where, up: true, note: fresh ? 'installed and started' : 'started' };
}

export async function systemServiceState(service: SystemService): Promise<ServiceState> {
  const probe = await service.probe();
  return {
    name: service.name,
    address: formatHostPort(service.address),
    up: probe.up,
    note: probe.up ? 'system service' : probe.detail,
  };
}

async function aptInstall(pkg: string, log: string): Promise<void> {
  await run('apt-get', ['update', '-qq'], log, APT_TIMEOUT_MS);
  // `env` sets the variable for apt alone; nothing here reads or changes our own environment.
  await run(
    'env',
    ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', pkg],
    log,
    APT_TIMEOUT_MS,
  );
}

/**
 * Debian's fresh cluster asks for passwords on TCP; Percolator's default URLs connect as postgres without
 * one, as on the machines where Postgres comes preinstalled with trust auth. Only done right after this
 * run installed the package, never to an existing cluster.
 */
function trustLoopback(version: string): void {
  const hba = join('/etc/postgresql', version, 'main', 'pg_hba.conf');
  if (!existsSync(hba)) return;
  const trust = 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n';
  writeFileSync(hba, `# added by percolator stack up\n${trust}${readFileSync(hba, 'utf8')}`);
}

function commandExists(command: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', 'command -v "$1"', 'sh', command], (error) => resolve(!error));
  });
}

function run(command: string, args: string[], log: string, timeout = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout }, (error, stdout, stderr) => {
      appendFileSync(log, `$ ${command} ${args.join(' ')}\n${stdout}${stderr}`);
      if (error) reject(new StackError(`${command} failed: ${(stderr || error.message).trim()}`));
      else resolve();
    });
  });
}

function byNumber(a: string, b: string): number {
  return Number(a) - Number(b);
}
