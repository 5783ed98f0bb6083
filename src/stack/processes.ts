// Starting, finding and stopping the Java processes the stack owns. A process counts as ours only when its
// command line carries our marker argument, so a pid reused by an unrelated program is never signalled.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

/** `-Dpercolator.stack=<service>@<stack dir>`: names the service and the checkout that started it. */
export function processMarker(service: string, stackDir: string): string {
  return `-Dpercolator.stack=${service}@${stackDir}`;
}

export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  logFile: string;
}

/**
 * Starts a process that outlives the CLI: its own session, stdout and stderr appended to the log file,
 * nothing tying it to our event loop.
 */
export function spawnDetached({ command, args, cwd, logFile }: Launch): ChildProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

export type RunOutcome = { kind: 'exited'; code: number } | { kind: 'missing' } | { kind: 'timeout' };

/**
 * Runs a command to completion with its output appended to a log. Node's own `timeout` option is not used:
 * its timer is only cleared on exit, so a command that never started (ENOENT) would hold the CLI open.
 */
export function runToLog(
  command: string,
  args: string[],
  logFile: string,
  timeoutMs: number,
): Promise<RunOutcome> {
  mkdirSync(dirname(logFile), { recursive: true });
  return new Promise((resolve) => {
    const fd = openSync(logFile, 'a');
    const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT') resolve({ kind: 'missing' });
      else {
        appendFileSync(logFile, `${command}: ${error.message}\n`);
        resolve({ kind: 'exited', code: 1 });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(timedOut ? { kind: 'timeout' } : { kind: 'exited', code: code ?? 1 });
    });
  });
}

/** Keeps one previous log so a long-lived stack's log stays bounded without losing the last run. */
export function rotateLog(logFile: string, maxBytes = 10 * 1024 * 1024): void {
  if (existsSync(logFile) && statSync(logFile).size > maxBytes) renameSync(logFile, `${logFile}.1`);
}

export function writePid(pidFile: string, pid: number): void {
  mkdirSync(dirname(pidFile), { recursive: true });
  writeFileSync(pidFile, `${pid}\n`);
}

export function removePid(pidFile: string): void {
  rmSync(pidFile, { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed child whose parent is gone may linger as a zombie until something reaps it; it holds no port
  // and no files, so it counts as stopped.
  return procState(pid) !== 'Z';
}

/** Our live process for this marker: the pid file's when it still matches, else a scan of /proc. */
export function findOurProcess(pidFile: string, marker: string): number | undefined {
  const recorded = readPid(pidFile);
  if (recorded !== undefined && isAlive(recorded) && hasMarker(recorded, marker)) return recorded;
  const found = scanProc(marker);
  if (found === undefined) removePid(pidFile);
  else writePid(pidFile, found);
  return found;
}

export type StopOutcome = 'stopped' | 'killed';

/** SIGTERM, then SIGKILL once the grace period is over: Kafka needs a few seconds to close cleanly. */
export async function stopProcess(pid: number, graceMs: number): Promise<StopOutcome> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(200);
  }
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (isAlive(pid) && Date.now() < killDeadline) await sleep(100);
  return 'killed';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function hasMarker(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
  } catch {
    return false;
  }
}

function scanProc(marker: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid !== process.pid && hasMarker(pid, marker) && isAlive(pid)) return pid;
  }
  return undefined;
}

function procState(pid: number): string | undefined {
  try {
    // The state letter follows the parenthesised command name, which may itself contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone between the check and the signal.
  }
}
