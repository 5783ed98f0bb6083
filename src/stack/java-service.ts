// The lifecycle shared by the two services the stack runs itself (Kafka and the registry): reuse what already
// answers, refuse a port held by a stranger, otherwise prepare, start detached and wait; stop by pid.
import { once } from 'node:events';
import { appendFileSync } from 'node:fs';
import { formatHostPort, type HostPort } from './endpoints.js';
import { StackError } from './errors.js';
import { isPortOpen, type Probe } from './probes.js';
import {
  findOurProcess,
  isAlive,
  removePid,
  rotateLog,
  spawnDetached,
  stopProcess,
  writePid,
  type Launch,
} from './processes.js';
import type { ServiceState } from './report.js';
import { waitUntilUp } from './wait.js';

export interface JavaService {
  name: string;
  /** What a stranger on our port fails to answer as, e.g. "Kafka". */
  label: string;
  address: HostPort;
  /** Every port the service binds, with its role, to name the one that is taken. */
  ports: { address: HostPort; role: string }[];
  pidFile: string;
  logFile: string;
  marker: string;
  startTimeoutMs: number;
  stopGraceMs: number;
  probe(): Promise<Probe>;
  /** Checks that an answering service is usable as it is: returns a note for the report, or throws. */
  accept?(probe: Probe): string | undefined;
  /** Downloads, configuration, storage formatting: whatever must exist before the process starts. */
  prepare(): Promise<Launch>;
}

export async function ensureJavaService(service: JavaService): Promise<ServiceState> {
  const began = Date.now();
  const first = await service.probe();
  if (first.up) {
    return state(
      service,
      first,
      findOurProcess(service.pidFile, service.marker),
      noted(service, first, 'already up'),
    );
  }

  let pid = findOurProcess(service.pidFile, service.marker);
  let exited: () => string | undefined;
  if (pid === undefined) {
    await refuseTakenPorts(service);
    const launch = await service.prepare();
    rotateLog(launch.logFile);
    appendFileSync(
      launch.logFile,
      `\n--- percolator stack up: starting ${service.label}, ${new Date().toISOString()}\n`,
    );
    const child = spawnDetached(launch);
    let exit: string | undefined;
    child.once('exit', (code, signal) => {
      exit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    });
    if (child.pid === undefined) {
      const [error] = (await once(child, 'error')) as [Error];
      throw new StackError(`${service.name}: could not start ${launch.command}: ${error.message}`);
    }
    pid = child.pid;
    writePid(service.pidFile, pid);
    exited = () => exit;
  } else {
    // Ours and alive but not answering: most likely still starting from an earlier `stack up`.
    const running = pid;
    exited = () => (isAlive(running) ? undefined : 'exited');
  }

  const ready = await waitUntilUp({
    name: service.name,
    address: service.address,
    probe: () => service.probe(),
    timeoutMs: service.startTimeoutMs,
    logFile: service.logFile,
    exited,
  });
  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  return state(service, ready, pid, noted(service, ready, `started in ${seconds} s`));
}

export async function stopJavaService(service: JavaService): Promise<string> {
  const pid = findOurProcess(service.pidFile, service.marker);
  if (pid === undefined) return `${service.name}: not running (nothing of ours to stop)`;
  const began = Date.now();
  const outcome = await stopProcess(pid, service.stopGraceMs);
  removePid(service.pidFile);
  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  return outcome === 'stopped'
    ? `${service.name}: stopped pid ${pid} in ${seconds} s`
    : `${service.name}: pid ${pid} ignored SIGTERM for ${service.stopGraceMs / 1000} s and was killed`;
}

export async function javaServiceState(service: JavaService): Promise<ServiceState> {
  const [probe, pid] = [await service.probe(), findOurProcess(service.pidFile, service.marker)];
  return state(service, probe, pid, probe.up ? undefined : probe.detail);
}

async function refuseTakenPorts(service: JavaService): Promise<void> {
  for (const { address, role } of service.ports) {
    if (await isPortOpen(address)) {
      throw new StackError(
        `${service.name}: port ${formatHostPort(address)} (${role}) is taken by a process that does not ` +
          `answer as ${service.label} and was not started by \`percolator stack\`; stop it or free the port`,
      );
    }
  }
}

function noted(service: JavaService, probe: Probe, note: string): string {
  const extra = service.accept?.(probe);
  return extra ? `${note}; ${extra}` : note;
}

function state(
  service: JavaService,
  probe: Probe,
  pid: number | undefined,
  note: string | undefined,
): ServiceState {
  return { name: service.name, address: formatHostPort(service.address), up: probe.up, pid, note };
}
