// Bounded waiting for a service to answer. Start-up failures surface as soon as they are known (the process
// died) or at the deadline, always naming the service, where it should answer and the end of its log.
import { formatHostPort, type HostPort } from './endpoints.js';
import { StackError } from './errors.js';
import { withLogTail } from './log-tail.js';
import type { Probe } from './probes.js';
import { sleep } from './processes.js';

export interface Wait {
  name: string;
  address: HostPort;
  probe: () => Promise<Probe>;
  timeoutMs: number;
  logFile: string;
  /** Says how the process ended if it already has (e.g. "exited with code 1"), else undefined. */
  exited?: () => string | undefined;
  intervalMs?: number;
}

export async function waitUntilUp({
  name,
  address,
  probe,
  timeoutMs,
  logFile,
  exited,
  intervalMs = 500,
}: Wait): Promise<Probe> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result.up) return result;
    const exit = exited?.();
    if (exit !== undefined) {
      throw new StackError(withLogTail(`${name}: its java process ${exit} during start-up`, logFile));
    }
    if (Date.now() >= deadline) {
      throw new StackError(
        withLogTail(
          `${name} did not answer on ${formatHostPort(address)} within ${Math.round(timeoutMs / 1000)} s` +
            (result.detail ? ` (last answer: ${result.detail})` : ''),
          logFile,
        ),
      );
    }
    await sleep(intervalMs);
  }
}
