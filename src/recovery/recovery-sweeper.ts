// After Redis lost its data, finds the executions the history says are running that Redis no longer holds (or
// holds behind the history) and rebuilds them in bounded batches, without waiting for an input to reveal each.
//
// A loss is noticed by a marker: the sweep that finishes writes Redis' run id under a key; a restart (new run
// id) or a FLUSHALL (marker gone) makes the marker disagree, and the next check sweeps. A first start sweeps too,
// which finds nothing to do. A lease makes one orchestrator sweep at a time; if it dies, the lease expires and
// another one sweeps again from the beginning (rebuilding is idempotent).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { ExecutionStore } from '../state/index.js';
import { toStateError } from '../state/redis-errors.js';
import type { ExecutionRepository } from '../store/execution-repository.js';
import type { HistoryFreshness } from './history-freshness.js';
import { storedSeq } from './stored-seq.js';
import type { StateRecovery } from './state-recovery.js';

export interface RecoverySweeperOptions {
  redis: Redis;
  keyPrefix: string;
  /** Whose executions to look for in a history that several engines may share. */
  topicPrefix: string;
  store: ExecutionStore;
  executions: ExecutionRepository;
  recovery: StateRecovery;
  freshness: HistoryFreshness;
  logger: Logger;
  metrics: Metrics;
  /** Executions checked (and at most rebuilt) per round trip. Default 200. */
  batchSize?: number;
  leaseMs?: number;
}

export interface SweepReport {
  checked: number;
  rebuilt: number;
  durationMs: number;
}

export class RecoverySweeper {
  private readonly instance = randomUUID();
  private readonly markerKey: string;
  private readonly leaseKey: string;

  constructor(private readonly options: RecoverySweeperOptions) {
    this.markerKey = `${options.keyPrefix}:recovery:swept-run`;
    this.leaseKey = `${options.keyPrefix}:recovery:lease`;
  }

  /** Sweeps when Redis has changed since the last sweep and no other instance is at it; false: nothing left now. */
  async check(): Promise<boolean> {
    const { redis, recovery } = this.options;
    const startedAt = Date.now();
    let runId: string;
    let marker: string | null;
    try {
      [runId, marker] = await Promise.all([redis.info('server').then(parseRunId), redis.get(this.markerKey)]);
    } catch (error) {
      throw toStateError(error, 'checking whether Redis lost its data');
    }
    if (marker === runId) {
      recovery.clearSuspect(startedAt);
      return false;
    }
    const leased = await redis.set(this.leaseKey, this.instance, 'PX', this.leaseMs(), 'NX');
    if (leased !== 'OK') return false;
    try {
      const report = await this.sweep(runId, marker);
      // Written only after a whole sweep: an interrupted one is taken up again by the next check.
      await redis.set(this.markerKey, runId);
      recovery.clearSuspect(startedAt);
      if (report.rebuilt > 0 || marker !== null) {
        this.options.logger.warn({ runId, ...report }, 'recovery sweep finished');
      }
    } finally {
      if ((await redis.get(this.leaseKey)) === this.instance) await redis.del(this.leaseKey);
    }
    return false;
  }

  /** Every running execution of this engine in the history, in batches: the missing or behind ones are rebuilt. */
  async sweep(runId: string, previousRunId: string | null): Promise<SweepReport> {
    const { executions, store, recovery, logger, metrics, redis } = this.options;
    const started = Date.now();
    const batchSize = this.options.batchSize ?? 200;
    metrics.recoverySweepRunning.set(1);
    try {
      logger.info({ runId, previousRunId }, 'recovery sweep: looking for executions Redis lost');
      await this.options.freshness.caughtUp();
      let after = '';
      let checked = 0;
      let rebuilt = 0;
      for (;;) {
        const page = await executions.runningIds(this.options.topicPrefix, after, batchSize);
        if (page.length === 0) break;
        after = page.at(-1)!.id;
        const stored = await store.loadMany(page.map(({ id }) => id));
        // Missing, or held but behind the history (a failover to a replica that lagged).
        const lost = page.filter(({ id, lastSeq }) => storedSeq(stored.get(id) ?? null) < lastSeq);
        if (lost.length > 0) {
          const ids = lost.map(({ id }) => id);
          rebuilt += (await recovery.rebuildMany(ids, 'sweep', { historyChecked: true })).size;
        }
        checked += page.length;
        metrics.recoverySweepChecked.inc(page.length);
        await redis.pexpire(this.leaseKey, this.leaseMs());
        if (lost.length > 0) logger.info({ checked, rebuilt }, 'recovery sweep progress');
      }
      return { checked, rebuilt, durationMs: Date.now() - started };
    } finally {
      metrics.recoverySweepRunning.set(0);
    }
  }

  private leaseMs(): number {
    return this.options.leaseMs ?? 60_000;
  }
}

function parseRunId(info: string): string {
  const match = /^run_id:(\w+)/m.exec(info);
  if (!match) throw new Error('INFO server has no run_id');
  return match[1]!;
}
