// Run times of schedule triggers, computed with croner in the trigger's IANA time zone. Croner owns the calendar
// and the daylight-saving rules: a fixed time that falls into a spring-forward gap runs at the first valid
// instant after it, and once when an autumn hour repeats; interval patterns (every hour, every second) follow
// real elapsed time through both transitions.
import { Cron } from 'croner';
import type { CompiledTrigger, CompiledWorkflow } from '../../definition/index.js';

export type ScheduleTrigger = Extract<CompiledTrigger, { type: 'schedule' }>;

export interface NextRun {
  /** Position of the trigger in the workflow's `triggers` list. */
  readonly triggerIndex: number;
  readonly schedule: string;
  readonly timezone: string;
  readonly at: Date;
}

/** A paused croner job for the trigger: used only for its calendar arithmetic, it never runs anything. */
export function cronOf(trigger: Pick<ScheduleTrigger, 'schedule' | 'timezone'>): Cron {
  return new Cron(trigger.schedule.trim(), { timezone: trigger.timezone, paused: true });
}

/**
 * Tick instants strictly after `afterMs` and no later than `untilMs`, oldest first, at most `limit` of them
 * (callers pass one more than they will use to learn that there were more).
 */
export function ticksBetween(cron: Cron, afterMs: number, untilMs: number, limit: number): number[] {
  const ticks: number[] = [];
  let cursor = new Date(afterMs);
  while (ticks.length < limit) {
    const next = cron.nextRun(cursor);
    if (!next || next.getTime() > untilMs) break;
    ticks.push(next.getTime());
    cursor = next;
  }
  return ticks;
}

/** The schedule triggers of a compiled workflow, with their positions. */
export function scheduleTriggers(
  workflow: Pick<CompiledWorkflow, 'triggers'>,
): { index: number; trigger: ScheduleTrigger }[] {
  return workflow.triggers.flatMap((trigger, index) =>
    trigger.type === 'schedule' ? [{ index, trigger }] : [],
  );
}

/**
 * The next `count` run times over all the workflow's schedule triggers, soonest first, strictly after `from`
 * (default: now). A workflow without schedule triggers has none.
 */
export function nextRunsOf(
  workflow: Pick<CompiledWorkflow, 'triggers'>,
  count: number,
  from: Date = new Date(),
): NextRun[] {
  if (count <= 0) return [];
  const runs: NextRun[] = [];
  for (const { index, trigger } of scheduleTriggers(workflow)) {
    for (const at of cronOf(trigger).nextRuns(count, from)) {
      runs.push({ triggerIndex: index, schedule: trigger.schedule, timezone: trigger.timezone, at });
    }
  }
  return runs
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.triggerIndex - b.triggerIndex)
    .slice(0, count);
}
