// After Redis lost its data, finds the executions the history says are running that Redis no longer holds (or
// holds behind the history) and rebuilds them in bounded batches, without waiting for an input to reveal each.
// The history is Postgres plus the events topic's tail the history sink has not written yet. Then it parks again
// the starts that were waiting for admission, from their durable copy in Postgres.
//
// A loss is noticed by a marker: the sweep that finishes writes Redis' run id under a key; a restart (new run
// id) or a FLUSHALL (marker gone) makes the marker disagree, and the next check sweeps. A first start sweeps too,
// which finds nothing to do. A lease makes one orchestrator sweep at a time; if it dies, the lease expires and
// another one sweeps again from the beginning (rebuilding is idempotent).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Admission, ExecutionStore } from '../state/index.js';
import { toStateError } from '../state/redis-errors.js';
import type { ExecutionRepository } from '../store/execution-repository.js';
import type { ParkedStartRepository } from '../store/parked-start-repository.js';
import { endsExecution, type EventTail } from './event-tail.js';
import { storedSeq } from './stored-seq.js';
import type { StateRecovery } from './state-recovery.js';

const TIDY_INTERVAL_MS = 30_000;

export interface RecoverySweeperOptions {
  redis: Redis;
  keyPrefix: string;
  /** Whose executions to look for in a history that several engines may share. */
  topicPrefix: string;
  store: ExecutionStore;
  executions: ExecutionRepository;
  recovery: StateRecovery;
  tail: EventTail;
  admission: Admission;
  /** The durable copy of parked starts; without it, parked starts are not restored. */
  parkedStarts?: ParkedStartRepository;
  /** Admits parked starts while there is room, re-injecting them (the outbox publisher's releaseSlots([])). */
  fillFreeSlots: () => Promise<void>;
  logger: Logger;
  metrics: Metrics;
  /** Executions checked (and at most rebuilt) per round trip. Default 200. */
  batchSize?: number;
  leaseMs?: number;
}

export interface SweepReport {
  checked: number;
  rebuilt: number;
  /** Starts waiting for admission that Redis lost, parked again. */
  reparked: number;
  durationMs: number;
}

export class RecoverySweeper {
  private readonly instance = randomUUID();
  private readonly markerKey: string;
  private readonly leaseKey: string;
  private tidiedAt = 0;

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
      await this.tidyParkedStarts();
      return false;
    }
    const leased = await redis.set(this.leaseKey, this.instance, 'PX', this.leaseMs(), 'NX');
    if (leased !== 'OK') return false;
    try {
      const report = await this.sweep(runId, marker);
      // Written only after a whole sweep: an interrupted one is taken up again by the next check.
      await redis.set(this.markerKey, runId);
      recovery.clearSuspect(startedAt);
      if (report.rebuilt > 0 || report.reparked > 0 || marker !== null) {
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
      const tail = await this.options.tail.read();
      let after = '';
      let checked = 0;
      let rebuilt = 0;
      const check = async (page: readonly { id: string; lastSeq: number }[]): Promise<void> => {
        const stored = await store.loadMany(page.map(({ id }) => id));
        // Missing, or held but behind the history (a failover to a replica that lagged).
        const lost = page.filter(({ id, lastSeq }) => {
          const last = Math.max(lastSeq, tail.get(id)?.at(-1)?.seq ?? 0);
          return storedSeq(stored.get(id) ?? null) < last;
        });
        if (lost.length > 0) {
          const ids = lost.map(({ id }) => id);
          rebuilt += (await recovery.rebuildMany(ids, 'sweep', { tail })).size;
        }
        checked += page.length;
        metrics.recoverySweepChecked.inc(page.length);
        await redis.pexpire(this.leaseKey, this.leaseMs());
        if (lost.length > 0) logger.info({ checked, rebuilt }, 'recovery sweep progress');
      };
      for (;;) {
        const page = await executions.runningIds(this.options.topicPrefix, after, batchSize);
        if (page.length === 0) break;
        after = page.at(-1)!.id;
        await check(page);
      }
      // Executions the history has not recorded as running yet, or whose end it has not recorded yet: the tail's.
      const unwritten = [...tail]
        .filter(([, events]) => !endsExecution(events))
        .map(([id, events]) => ({ id, lastSeq: events.at(-1)!.seq }));
      for (let index = 0; index < unwritten.length; index += batchSize) {
        await check(unwritten.slice(index, index + batchSize));
      }
      const reparked = await this.repark(tail);
      return { checked, rebuilt, reparked, durationMs: Date.now() - started };
    } finally {
      metrics.recoverySweepRunning.set(0);
    }
  }

  /**
   * Parks again, in their first order, the starts that waited for admission when Redis lost them, then admits
   * those there is room for. A start whose execution has begun (it has state or history) is not waiting any more:
   * its row is dropped instead.
   */
  private async repark(tail: ReadonlyMap<string, unknown>): Promise<number> {
    const { parkedStarts, keyPrefix, store, executions, admission, redis } = this.options;
    if (!parkedStarts) return 0;
    const batchSize = this.options.batchSize ?? 200;
    let after = '0';
    let reparked = 0;
    for (;;) {
      const page = await parkedStarts.page(keyPrefix, after, batchSize);
      if (page.length === 0) break;
      after = page.at(-1)!.position;
      const ids = page.map((start) => start.executionId);
      const [stored, recorded] = await Promise.all([store.loadMany(ids), executions.lastEventSeqs(ids)]);
      const begun = new Set(ids.filter((id) => stored.get(id) || recorded.has(id) || tail.has(id)));
      await admission.park(page.filter((start) => !begun.has(start.executionId)));
      await parkedStarts.remove(keyPrefix, [...begun]);
      reparked += page.length - begun.size;
      await redis.pexpire(this.leaseKey, this.leaseMs());
    }
    if (reparked > 0) {
      this.options.logger.info({ reparked }, 'recovery sweep: starts waiting for admission parked again');
      await this.options.fillFreeSlots();
    }
    return reparked;
  }

  /** Drops, now and then, the durable copies of parked starts that have begun since. */
  private async tidyParkedStarts(): Promise<void> {
    const { parkedStarts, keyPrefix } = this.options;
    if (!parkedStarts || Date.now() - this.tidiedAt < TIDY_INTERVAL_MS) return;
    this.tidiedAt = Date.now();
    await parkedStarts.dropStarted(keyPrefix);
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
