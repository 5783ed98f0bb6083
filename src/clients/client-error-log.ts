// Logs a long-lived client's connection errors as JSON through pino, rate-limited: a dependency that is down
// makes its client fail many times a second, and one line per failure would drown every other log line.
// The first error after a healthy spell is logged at once; later ones are counted and summarised at most once
// per interval; the recovery is logged too, so an operator sees when the outage began and ended.
import type { Logger } from '../observability/logger.js';

export interface ClientErrorLog {
  /** A connection error of the client. */
  error(error: unknown): void;
  /** The client is connected again; logs the recovery when errors were seen since the last one. */
  recovered(): void;
}

export interface ClientErrorLogOptions {
  logger: Logger;
  /** The dependency, as it appears in logs: `redis`, `postgres`, `kafka`, `schema-registry`. */
  dependency: string;
  /** At most one summary line per interval while errors continue. */
  intervalMs?: number;
  /** Injected by tests. */
  now?: () => number;
}

export function clientErrorLog(options: ClientErrorLogOptions): ClientErrorLog {
  const intervalMs = options.intervalMs ?? 10_000;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ dependency: options.dependency });
  let failing = false;
  let since = 0;
  let lastLogged = 0;
  let suppressed = 0;
  return {
    error(error) {
      const at = now();
      const details = describe(error);
      if (!failing) {
        failing = true;
        since = at;
        lastLogged = at;
        suppressed = 0;
        logger.error({ err: details }, `${options.dependency} connection error; retrying`);
        return;
      }
      if (at - lastLogged < intervalMs) {
        suppressed += 1;
        return;
      }
      logger.error(
        { err: details, suppressed, downForMs: at - since },
        `${options.dependency} still unreachable; retrying`,
      );
      lastLogged = at;
      suppressed = 0;
    },
    recovered() {
      if (!failing) return;
      failing = false;
      logger.info({ downForMs: now() - since }, `${options.dependency} reachable again`);
    },
  };
}

function describe(error: unknown): { message: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    // AggregateError (several addresses refused) has an empty message of its own.
    const message =
      error.message ||
      (error instanceof AggregateError ? error.errors.map((inner) => String(inner)).join('; ') : error.name);
    return code === undefined ? { message } : { message, code };
  }
  return { message: String(error) };
}
