import { describe, expect, it } from 'vitest';
import { compileWorkflow, type CompiledWorkflow } from '../../../src/definition/index.js';
import { cronOf, nextRunsOf, ticksBetween } from '../../../src/triggers/scheduler/cron-schedule.js';
import { nextRuns } from '../../../src/triggers/scheduler/next-runs.js';

function workflow(triggers: readonly Record<string, unknown>[]): CompiledWorkflow {
  const { workflow, problems } = compileWorkflow({
    workflow: {
      name: 'scheduled',
      triggers,
      steps: [{ id: 'done', type: 'end' }],
    },
  });
  if (!workflow) throw new Error(problems.map((problem) => problem.message).join('; '));
  return workflow;
}

const iso = (runs: readonly { at: Date }[]) => runs.map((run) => run.at.toISOString());

describe('schedule run times', () => {
  it('a 5-field expression in UTC', () => {
    const runs = nextRunsOf(
      workflow([{ type: 'schedule', schedule: '0 9 * * 1-5' }]),
      3,
      new Date('2025-06-06T10:00:00Z'), // a Friday, after nine
    );
    expect(iso(runs)).toEqual([
      '2025-06-09T09:00:00.000Z',
      '2025-06-10T09:00:00.000Z',
      '2025-06-11T09:00:00.000Z',
    ]);
    expect(runs[0]).toMatchObject({ triggerIndex: 0, schedule: '0 9 * * 1-5', timezone: 'UTC' });
  });

  it('a 6-field expression has second precision', () => {
    const runs = nextRunsOf(
      workflow([{ type: 'schedule', schedule: '*/15 * * * * *' }]),
      3,
      new Date('2025-01-01T00:00:07.500Z'),
    );
    expect(iso(runs)).toEqual([
      '2025-01-01T00:00:15.000Z',
      '2025-01-01T00:00:30.000Z',
      '2025-01-01T00:00:45.000Z',
    ]);
  });

  it('follows the time zone through the spring-forward gap (Europe/Berlin, 30 March 2025)', () => {
    // 02:30 local does not exist that night: the run moves to the first instant after the gap, 03:00 CEST.
    const runs = nextRunsOf(
      workflow([{ type: 'schedule', schedule: '30 2 * * *', timezone: 'Europe/Berlin' }]),
      3,
      new Date('2025-03-28T12:00:00Z'),
    );
    expect(iso(runs)).toEqual([
      '2025-03-29T01:30:00.000Z', // 02:30 CET (UTC+1)
      '2025-03-30T01:00:00.000Z', // 03:00 CEST (UTC+2), the gap's end
      '2025-03-31T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('a local 9 o’clock moves in UTC across the autumn change (Europe/Berlin, 26 October 2025)', () => {
    const runs = nextRunsOf(
      workflow([{ type: 'schedule', schedule: '0 9 * * *', timezone: 'Europe/Berlin' }]),
      2,
      new Date('2025-10-25T00:00:00Z'),
    );
    expect(iso(runs)).toEqual(['2025-10-25T07:00:00.000Z', '2025-10-26T08:00:00.000Z']);
  });

  it('an hourly schedule runs in both occurrences of the repeated hour', () => {
    const cron = cronOf({ schedule: '0 * * * *', timezone: 'Europe/Berlin' });
    const ticks = ticksBetween(
      cron,
      Date.parse('2025-10-25T23:30:00Z'),
      Date.parse('2025-10-26T02:30:00Z'),
      10,
    );
    expect(ticks.map((tick) => new Date(tick).toISOString())).toEqual([
      '2025-10-26T00:00:00.000Z', // 02:00 CEST
      '2025-10-26T01:00:00.000Z', // 02:00 CET, the second time
      '2025-10-26T02:00:00.000Z', // 03:00 CET
    ]);
  });

  it('merges several schedule triggers, soonest first, ignoring other kinds', () => {
    const runs = nextRunsOf(
      workflow([
        { type: 'event', event_type: 'x.y' },
        { type: 'schedule', schedule: '0 12 * * *' },
        { type: 'schedule', schedule: '0 6 * * *' },
      ]),
      3,
      new Date('2025-01-01T00:00:00Z'),
    );
    expect(runs.map((run) => [run.triggerIndex, run.at.toISOString()])).toEqual([
      [2, '2025-01-01T06:00:00.000Z'],
      [1, '2025-01-01T12:00:00.000Z'],
      [2, '2025-01-02T06:00:00.000Z'],
    ]);
  });

  it('ticksBetween is exclusive of the start, inclusive of the end, and bounded', () => {
    const cron = cronOf({ schedule: '* * * * * *', timezone: 'UTC' });
    const start = Date.parse('2025-01-01T00:00:00Z');
    expect(ticksBetween(cron, start, start + 3000, 10)).toEqual([start + 1000, start + 2000, start + 3000]);
    expect(ticksBetween(cron, start, start + 3000, 2)).toEqual([start + 1000, start + 2000]);
    expect(ticksBetween(cron, start, start + 999, 10)).toEqual([]);
  });

  it('nextRuns takes a compiled workflow, or an id with a repository', async () => {
    const compiled = workflow([{ type: 'schedule', schedule: '@daily' }]);
    const from = new Date('2025-01-01T10:00:00Z');
    expect(iso(await nextRuns(compiled, 1, { from }))).toEqual(['2025-01-02T00:00:00.000Z']);
    const repository = {
      getActive: async (id: string) =>
        id === 'known'
          ? {
              workflowId: 'known',
              name: 'scheduled',
              version: 1,
              definition: { workflow: compiled.definition },
              checksum: '',
              author: '',
              status: 'active' as const,
              createdAt: new Date(),
            }
          : undefined,
    };
    expect(iso(await nextRuns('known', 2, { repository, from }))).toEqual([
      '2025-01-02T00:00:00.000Z',
      '2025-01-03T00:00:00.000Z',
    ]);
    await expect(nextRuns('unknown', 1, { repository })).rejects.toMatchObject({ code: 'UNKNOWN_WORKFLOW' });
  });
});
