// Fires schedule triggers. Any number of instances may run; the one holding the Redis lease computes the due
// ticks of every active workflow's schedule triggers and starts one execution per tick. Exactly-once per tick
// rests on two things (docs/triggers.md has the argument):
//   - the execution id is a hash of (workflow id, trigger index, scheduled time), so a tick fired twice — by a
//     holder that lost its lease mid-pass, or again after a crash before its bookkeeping — is refused by the
//     orchestrator as a duplicate start;
//   - the last fired tick per trigger is kept in Redis and only written under the lease (fenced), so the next
//     holder resumes where the previous one stopped.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Cron } from 'croner';
import type { Logger } from '../../observability/logger.js';
import type { ExecutionClient, StartRequest } from '../../orchestrator/execution-client.js';
import type { ActiveWorkflow } from '../active-workflows.js';
import { scheduledExecutionId, triggerId } from '../ids.js';
import { cronOf, scheduleTriggers, ticksBetween, type ScheduleTrigger } from './cron-schedule.js';
import { SchedulerLease } from './scheduler-lease.js';

export interface SchedulerOptions {
  redis: Redis;
  /** Where the active workflows come from (`ActiveWorkflows` over Postgres). */
  workflows: { load(types: readonly ('schedule' | 'event')[]): Promise<ActiveWorkflow[]> };
  client: Pick<ExecutionClient, 'start'>;
  logger: Logger;
  /** Prefix of the scheduler's Redis keys (the engine's key prefix). */
  keyPrefix: string;
  /** Names this instance in logs and in the lease value; default random. */
  instanceId?: string;
  /** How long the lease lives without renewal: the longest pause before another instance takes over. */
  leaseTtlMs?: number;
  /** How often the holder renews the lease and looks for due ticks (also the firing latency). */
  pollIntervalMs?: number;
  /** How often the triggers are reloaded from Postgres (`reload()` does it at once). */
  reloadIntervalMs?: number;
  /**
   * A tick at most this old is still fired, late (a failover or a short outage loses nothing). Older ticks are
   * missed and follow the trigger's `catch_up` policy.
   */
  misfireGraceMs?: number;
  /** Most ticks one trigger fires in one pass; the rest follow in the next passes. */
  maxTicksPerPass?: number;
}

export interface SchedulerStats {
  passes: number;
  /** Start requests sent (each a distinct tick, unless a lost lease made a pass repeat a predecessor's). */
  fired: number;
  /** Catch-up runs fired for missed ticks (`catch_up: one`). */
  caughtUp: number;
  /** Passes whose missed ticks were dropped (`catch_up: skip`). */
  skippedMissed: number;
  /** Passes whose bookkeeping was refused because the lease had moved on. */
  fencingRejections: number;
  errors: number;
}

interface LiveTrigger {
  readonly id: string;
  readonly workflow: ActiveWorkflow;
  readonly index: number;
  readonly trigger: ScheduleTrigger;
  readonly cron: Cron;
}

export class Scheduler {
  readonly instanceId: string;
  readonly stats: SchedulerStats = {
    passes: 0,
    fired: 0,
    caughtUp: 0,
    skippedMissed: 0,
    fencingRejections: 0,
    errors: 0,
  };
  private readonly lease: SchedulerLease;
  private readonly config: Required<
    Pick<
      SchedulerOptions,
      'leaseTtlMs' | 'pollIntervalMs' | 'reloadIntervalMs' | 'misfireGraceMs' | 'maxTicksPerPass'
    >
  >;
  private triggers: LiveTrigger[] = [];
  private leaseValue: string | null = null;
  private lastReload = 0;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly options: SchedulerOptions) {
    this.instanceId = options.instanceId ?? randomBytes(6).toString('hex');
    this.config = {
      leaseTtlMs: options.leaseTtlMs ?? 5000,
      pollIntervalMs: options.pollIntervalMs ?? 250,
      reloadIntervalMs: options.reloadIntervalMs ?? 30_000,
      misfireGraceMs: options.misfireGraceMs ?? 15_000,
      maxTicksPerPass: options.maxTicksPerPass ?? 100,
    };
    this.lease = new SchedulerLease(
      options.redis,
      options.keyPrefix,
      this.instanceId.replaceAll(':', '_'),
      this.config.leaseTtlMs,
    );
  }

  /** Whether this instance held the lease at its last pass. */
  get isLeader(): boolean {
    return this.leaseValue !== null;
  }

  /** The schedule triggers currently loaded, as `<workflow id>/<trigger index>`. */
  get triggerIds(): string[] {
    return this.triggers.map((trigger) => trigger.id);
  }

  async start(): Promise<void> {
    await this.reload();
    this.running = true;
    this.loop = this.run();
    this.options.logger.info(
      { instance: this.instanceId, triggers: this.triggers.length },
      'scheduler started',
    );
  }

  /**
   * Stops the loop. By default the lease is released so another instance takes over at once; with
   * `releaseLease: false` it is left to expire, as after a crash.
   */
  async stop({ releaseLease = true }: { releaseLease?: boolean } = {}): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    if (releaseLease && this.leaseValue) await this.lease.release(this.leaseValue).catch(() => undefined);
    this.leaseValue = null;
    this.options.logger.info({ instance: this.instanceId }, 'scheduler stopped');
  }

  /** Reads the active workflows' schedule triggers again (after an activation or an archive, say). */
  async reload(): Promise<void> {
    const workflows = await this.options.workflows.load(['schedule']);
    this.triggers = workflows.flatMap((workflow) =>
      scheduleTriggers(workflow.compiled).map(({ index, trigger }) => ({
        id: triggerId(workflow.workflowId, index),
        workflow,
        index,
        trigger,
        cron: cronOf(trigger),
      })),
    );
    this.lastReload = Date.now();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (Date.now() - this.lastReload >= this.config.reloadIntervalMs) await this.reload();
        await this.pass(Date.now());
      } catch (error) {
        this.stats.errors++;
        this.options.logger.error({ err: error, instance: this.instanceId }, 'scheduler pass failed');
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.pollIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async pass(now: number): Promise<void> {
    this.stats.passes++;
    const held = await this.lease.hold();
    if (held !== this.leaseValue) {
      this.options.logger.info(
        { instance: this.instanceId, lease: held },
        held ? 'scheduler lease acquired' : 'scheduler lease not held',
      );
    }
    this.leaseValue = held;
    if (!held || this.triggers.length === 0) return;

    const triggers = this.triggers;
    const lastTicks = await this.lease.lastTicks(triggers.map((trigger) => trigger.id));
    const starts: StartRequest[] = [];
    const marks = new Map<string, number>();
    triggers.forEach((live, position) => {
      const last = lastTicks[position];
      if (last === undefined) {
        // First sight of this trigger: it fires from now on; nothing before it was ever due.
        marks.set(live.id, now);
        return;
      }
      const { ticks, mark } = this.dueTicks(live, last, now);
      for (const tick of ticks) starts.push(startRequest(live, tick));
      if (mark !== undefined) marks.set(live.id, mark);
    });

    if (starts.length > 0) await this.options.client.start(starts);
    if (!(await this.lease.commit(held, marks))) {
      this.stats.fencingRejections++;
      this.leaseValue = null;
      this.options.logger.warn(
        { instance: this.instanceId, ticks: starts.length },
        'scheduler lease lost during a pass; the next holder repeats these ticks under the same execution ids',
      );
    }
    this.stats.fired += starts.length;
  }

  /** The ticks to fire for one trigger whose last fired tick was `last`, and the new last fired tick. */
  private dueTicks(live: LiveTrigger, last: number, now: number): { ticks: number[]; mark?: number } {
    const first = live.cron.nextRun(new Date(last))?.getTime();
    if (first === undefined || first > now) return { ticks: [] };
    const graceFloor = now - this.config.misfireGraceMs;
    const ticks: number[] = [];
    let after = last;
    if (first < graceFloor) {
      // Ticks older than the grace were missed while no scheduler ran.
      const latestMissed = live.cron.previousRuns(1, new Date(graceFloor))[0]?.getTime() ?? first;
      if (live.trigger.catchUp === 'one') {
        ticks.push(latestMissed);
        this.stats.caughtUp++;
      } else {
        this.stats.skippedMissed++;
      }
      this.options.logger.info(
        {
          trigger: live.id,
          workflow: live.workflow.name,
          since: new Date(first),
          policy: live.trigger.catchUp,
        },
        'schedule ticks were missed',
      );
      after = Math.max(latestMissed, graceFloor - 1);
    }
    ticks.push(...ticksBetween(live.cron, after, now, this.config.maxTicksPerPass));
    const mark = ticks.length > 0 ? Math.max(...ticks) : after;
    return { ticks, mark };
  }
}

function startRequest(live: LiveTrigger, tick: number): StartRequest {
  return {
    workflowId: live.workflow.workflowId,
    workflowName: live.workflow.name,
    version: live.workflow.version,
    input: {},
    executionId: scheduledExecutionId(live.workflow.workflowId, live.index, tick),
    trigger: { type: 'CRON', id: live.id, scheduled_time: tick },
  };
}
