// The Postgres pool of every long-lived process. An idle client whose server goes away (a restart: "terminating
// connection due to administrator command") makes the pool emit 'error'; with no listener that error kills the
// process. Here it is logged, the broken client is dropped by pg itself, and the next query connects anew.
import pg from 'pg';
import type { Logger } from '../observability/logger.js';
import { clientErrorLog } from './client-error-log.js';

export const PG_POOL_DEFAULTS = {
  /** Waiting for a connection (a new one, or a free one of the pool) fails after this long, retriably. */
  connectionTimeoutMillis: 5000,
  idleTimeoutMillis: 10_000,
  /** Detects a half-open connection (a server gone without a FIN) while it is idle. */
  keepAlive: true,
} as const;

export function createPgPool(connectionString: string, logger: Logger, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString, ...PG_POOL_DEFAULTS, ...options });
  const log = clientErrorLog({ logger, dependency: 'postgres' });
  pool.on('error', (error) => log.error(error));
  // A connection made after errors means the server is back.
  pool.on('connect', (client) => {
    log.recovered();
    // A checked-out client whose server goes away emits 'error' itself, beside the failing query's rejection.
    client.on('error', (error) => log.error(error));
  });
  return pool;
}
