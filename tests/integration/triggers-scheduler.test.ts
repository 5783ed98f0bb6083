// Schedule triggers on the real stack: two scheduler instances share one Redis lease and fire each tick of a
// once-a-second schedule exactly once; a holder that dies mid-run is replaced within one lease period with no
// tick lost or doubled; missed ticks follow catch_up; activation and archiving move or stop the schedule.
//
// Counting is by the tick's scheduled_time (carried by every StartExecution) inside a window [t0, t0 + 10 s),
// not by wall-clock arrivals, so the expected count is exact: ten ticks fall in the window whatever the
// scheduling latency.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartExecution } from '../../src/kafka/envelopes.js';
import { topicNames } from '../../src/kafka/topic-specs.js';
import { ActiveWorkflows } from '../../src/triggers/active-workflows.js';
import { Scheduler, type SchedulerOptions } from '../../src/triggers/scheduler/scheduler.js';
import { TestEngine, type TopicTap } from '../support/engine.js';
import { testServices } from '../support/services.js';
import { waitUntil } from '../support/wait.js';

const LEASE_TTL_MS = 2000;
const POLL_MS = 100;

/** Waits until the condition holds, polling often enough for once-a-second ticks; fails after `timeoutMs`. */
const until = (condition: () => boolean, timeoutMs = 30_000) =>
  waitUntil(async () => condition(), timeoutMs, 50);

/** Waits until `instance` has made `count` more passes: a quiet period measured in its own polls, not in wall time. */
async function passesOf(instance: Scheduler, count: number): Promise<void> {
  const target = instance.stats.passes + count;
  await until(() => instance.stats.passes >= target);
}

describe('triggers: the scheduler', () => {
  let engine: TestEngine;
  let tap: TopicTap;
  const connections: Redis[] = [];
  const schedulers: Scheduler[] = [];

  beforeAll(async () => {
    engine = await TestEngine.start({ label: 'trg-cron', agents: [] });
    tap = await engine.tap(topicNames(engine.prefix).executions);
  });
  afterAll(async () => {
    await Promise.allSettled(schedulers.map((scheduler) => scheduler.stop()));
    for (const redis of connections) redis.disconnect();
    // Leave no ticking schedule behind in the shared test database.
    await engine?.pool.query(`UPDATE workflows SET status = 'archived' WHERE starts_with(name, $1)`, [
      engine.prefix,
    ]);
    await engine?.stop();
  });

  /** A scheduler instance with a Redis connection of its own, limited to workflows whose names start with `scope`. */
  function scheduler(scope: string, overrides: Partial<SchedulerOptions> = {}): Scheduler {
    const redis = new Redis(testServices().redisUrl);
    connections.push(redis);
    const instance = new Scheduler({
      redis,
      workflows: new ActiveWorkflows({ pool: engine.pool, logger: engine.logger, namePrefix: scope }),
      client: engine.client,
      logger: engine.logger,
      keyPrefix: `${scope}.keys`,
      leaseTtlMs: LEASE_TTL_MS,
      pollIntervalMs: POLL_MS,
      ...overrides,
    });
    schedulers.push(instance);
    return instance;
  }

  async function registerScheduled(name: string, trigger: Record<string, unknown>): Promise<string> {
    return engine.register({
      workflow: {
        name,
        triggers: [trigger],
        steps: [{ id: 'done', type: 'transform', output: "{ 'ran': true }" }],
      },
    });
  }

  function cronStarts(workflowName: string): StartExecution[] {
    return tap.records.flatMap((record) =>
      record.envelope?.name === 'StartExecution' &&
      record.envelope.value.workflow_name === workflowName &&
      record.envelope.value.trigger.type === 'CRON'
        ? [record.envelope.value]
        : [],
    );
  }

  it('two instances, a once-a-second schedule, ten seconds: exactly ten executions', async () => {
    const name = await registerScheduled('every-second', { type: 'schedule', schedule: '* * * * * *' });
    const [a, b] = [scheduler(name), scheduler(name)];
    await Promise.all([a.start(), b.start()]);
    const t0 = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    // The window is over once the first tick after it has fired.
    await until(() => cronStarts(name).some((start) => start.trigger.scheduled_time! >= t0 + 10_000), 60_000);

    const inWindow = cronStarts(name).filter(
      (start) => start.trigger.scheduled_time! >= t0 && start.trigger.scheduled_time! < t0 + 10_000,
    );
    expect(inWindow).toHaveLength(10);
    expect(new Set(inWindow.map((start) => start.trigger.scheduled_time)).size).toBe(10);
    expect(new Set(inWindow.map((start) => start.execution_id)).size).toBe(10);
    expect([a, b].filter((instance) => instance.isLeader)).toHaveLength(1);
    const workflowId = inWindow[0]!.workflow_id;
    for (const start of inWindow) {
      expect(start.trigger.id).toBe(`${workflowId}/0`);
      expect(start.workflow_version).toBe(1);
    }
    // Every one of them ran, recorded as started by the cron trigger.
    for (const start of inWindow) {
      const state = await engine.waitFor(start.execution_id);
      expect(state.status).toBe('completed');
    }
    const events = await engine.waitForEvents(inWindow[0]!.execution_id, (list) => list.length > 0);
    expect(events[0]?.data).toMatchObject({ trigger: { type: 'cron', id: `${workflowId}/0` } });
    await Promise.all([a.stop(), b.stop()]);
  });

  it('the lease holder dies mid-run: the other continues within one lease period, no tick doubled or lost', async () => {
    const name = await registerScheduled('failover', { type: 'schedule', schedule: '* * * * * *' });
    const first = scheduler(name);
    await first.start();
    await until(() => first.isLeader);
    const second = scheduler(name);
    await second.start();
    // The holder fires a few ticks while the other instance keeps asking for the lease.
    await until(() => first.stats.fired >= 3 && second.stats.passes >= 3);
    const [holder, survivor] = first.isLeader ? [first, second] : [second, first];
    expect(holder.isLeader).toBe(true);
    expect(survivor.isLeader).toBe(false);

    // As after a crash: the lease is not released, it has to expire.
    const stoppedAt = Date.now();
    await holder.stop({ releaseLease: false });
    const firedByHolder = holder.stats.fired;
    // The survivor takes the lease once it expires, fires the ticks due meanwhile, then a few more on time.
    await until(() => survivor.stats.fired >= 3 && survivor.isLeader, 60_000);
    const takenOverAt = Date.now();
    await until(() => cronStarts(name).some((start) => start.trigger.scheduled_time! >= takenOverAt + 1000));
    await survivor.stop();

    expect(survivor.stats.fired).toBeGreaterThan(0);
    const starts = cronStarts(name);
    const times = starts.map((start) => start.trigger.scheduled_time!).sort((x, y) => x - y);
    // One record per tick, one execution id per tick.
    expect(new Set(times).size).toBe(times.length);
    expect(new Set(starts.map((start) => start.execution_id)).size).toBe(times.length);
    expect(times.length).toBe(firedByHolder + survivor.stats.fired);
    // No gap: every second from the first tick to the last was fired.
    for (let index = 1; index < times.length; index++) expect(times[index]! - times[index - 1]!).toBe(1000);
    // Ticks due while nobody held the lease fired late, but within one lease period (plus a poll, and up to
    // a second and a half of timer and event-loop delay on a busy 2-core machine).
    const late = starts.filter((start) => start.trigger.scheduled_time! > stoppedAt - 1000);
    expect(late.length).toBeGreaterThan(0);
    for (const start of late) {
      expect(start.requested_at - start.trigger.scheduled_time!).toBeLessThanOrEqual(
        LEASE_TTL_MS + 2 * POLL_MS + 1500,
      );
    }
  });

  it('missed ticks: catch_up one fires one run for the latest missed tick, skip fires none', async () => {
    const scope = `${engine.prefix}.catchup`;
    const one = await registerScheduled('catchup.one', {
      type: 'schedule',
      schedule: '0 0 * * * *',
      catch_up: 'one',
    });
    const skip = await registerScheduled('catchup.skip', { type: 'schedule', schedule: '0 0 * * * *' });
    const ids = await Promise.all(
      [one, skip].map(async (name) => (await engine.repository.getActive(name))!.workflowId),
    );
    // The last ticks fired were three hours ago: every scheduler was down since.
    const threeHoursAgo = Date.now() - 3 * 3_600_000;
    await engine.redis.hset(
      `${scope}.keys:{scheduler}:last`,
      `${ids[0]}/0`,
      threeHoursAgo,
      `${ids[1]}/0`,
      threeHoursAgo,
    );

    const instance = scheduler(scope, { misfireGraceMs: 1000 });
    const startedAt = Date.now();
    await instance.start();
    await until(() => instance.stats.caughtUp + instance.stats.skippedMissed >= 2);
    // Ten more passes under the lease: a hourly schedule must not fire again.
    await passesOf(instance, 10);
    await instance.stop();

    expect(instance.stats).toMatchObject({ caughtUp: 1, skippedMissed: 1 });
    const caughtUp = await tap.waitFor((records) => {
      const found = records.filter(
        (record) => record.envelope?.name === 'StartExecution' && record.envelope.value.workflow_name === one,
      );
      return found.length > 0 ? found : undefined;
    });
    expect(caughtUp).toHaveLength(1);
    const latestHour = Math.floor((startedAt - 1000) / 3_600_000) * 3_600_000;
    expect(cronStarts(one).map((start) => start.trigger.scheduled_time)).toEqual([latestHour]);
    expect(cronStarts(skip)).toEqual([]);
    const last = await engine.redis.hmget(`${scope}.keys:{scheduler}:last`, `${ids[0]}/0`, `${ids[1]}/0`);
    expect(Number(last[0])).toBe(latestHour);
    expect(Number(last[1])).toBeGreaterThanOrEqual(latestHour);
  });

  it('activating a new version moves the schedule to it; archiving stops it', async () => {
    const name = await registerScheduled('versions', { type: 'schedule', schedule: '* * * * * *' });
    const instance = scheduler(name);
    await instance.start();
    await tap.waitFor((records) =>
      cronStarts(name).some((start) => start.workflow_version === 1) ? records : undefined,
    );

    await engine.repository.saveVersion({
      name,
      definition: {
        workflow: {
          name,
          triggers: [{ type: 'schedule', schedule: '* * * * * *' }],
          steps: [{ id: 'done', type: 'transform', output: "{ 'ran': 2 }" }],
        },
      },
    });
    await instance.reload();
    const switchedAt = Date.now();
    await tap.waitFor((records) =>
      cronStarts(name).some((start) => start.workflow_version === 2) ? records : undefined,
    );
    expect(
      cronStarts(name).filter(
        (start) => start.workflow_version === 1 && start.requested_at > switchedAt + 500,
      ),
    ).toEqual([]);

    await engine.pool.query(`UPDATE workflows SET status = 'archived' WHERE name = $1`, [name]);
    await instance.reload();
    // A pass that began before the reload may still fire its tick; after two more passes nothing is left.
    await passesOf(instance, 2);
    const firedAtArchive = instance.stats.fired;
    // Thirty passes, three seconds of once-a-second ticks: none fires, and the topic holds exactly what fired.
    await passesOf(instance, 30);
    expect(instance.stats.fired).toBe(firedAtArchive);
    await until(() => cronStarts(name).length >= firedAtArchive);
    expect(cronStarts(name)).toHaveLength(firedAtArchive);
    expect(instance.triggerIds).toEqual([]);
    await instance.stop();
  });
});
