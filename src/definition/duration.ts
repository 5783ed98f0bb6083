// Durations as users write them: `500ms`, `30s`, `5m`, `2h`, `1d`, combinations in descending order (`1h30m`),
// or ISO 8601 (`PT5M`, `P1D`, `P1DT2H`, `PT0.5S`). Everything resolves to whole milliseconds.

export type DurationResult =
  { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

/** A year: long enough for any human approval, short enough to stay far from timer overflow. */
export const MAX_DURATION_MS = 365 * 24 * 60 * 60 * 1000;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NUMBER = '(\\d+(?:\\.\\d+)?)';

const COMPACT = new RegExp(
  `^(?:${NUMBER}d)?(?:${NUMBER}h)?(?:${NUMBER}m(?!s))?(?:${NUMBER}s)?(?:${NUMBER}ms)?$`,
);
const ISO = new RegExp(
  `^P(?:${NUMBER}W)?(?:${NUMBER}D)?(?:T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`,
);
const COMPACT_UNITS = [DAY, HOUR, MINUTE, SECOND, 1];
const ISO_UNITS = [7 * DAY, DAY, HOUR, MINUTE, SECOND];

const FORMAT_HINT =
  "use a number with a unit (ms, s, m, h, d), e.g. '30s' or '1h30m', or ISO 8601 such as 'PT5M'";

export function parseDuration(value: unknown): DurationResult {
  if (typeof value === 'number') {
    return { ok: false, reason: `${value} has no unit; ${FORMAT_HINT}` };
  }
  if (typeof value !== 'string') {
    return { ok: false, reason: `must be a string; ${FORMAT_HINT}` };
  }
  const text = value.trim();
  const ms = sumOf(text.match(COMPACT), COMPACT_UNITS) ?? isoMilliseconds(text);
  if (ms === undefined) {
    if (/^P(?:\d+Y|\d+M|.*\d+Y)/i.test(text)) {
      return {
        ok: false,
        reason: `'${value}' uses years or months, whose length varies; use days (e.g. 'P30D')`,
      };
    }
    return { ok: false, reason: `'${value}' is not a duration; ${FORMAT_HINT}` };
  }
  if (ms <= 0) return { ok: false, reason: `'${value}' must be longer than zero` };
  if (ms > MAX_DURATION_MS) return { ok: false, reason: `'${value}' is longer than the maximum of 365 days` };
  return { ok: true, ms };
}

function isoMilliseconds(text: string): number | undefined {
  if (text === 'P' || text.endsWith('T')) return undefined;
  return sumOf(text.match(ISO), ISO_UNITS);
}

function sumOf(match: RegExpMatchArray | null, units: readonly number[]): number | undefined {
  if (!match || match[0] === '') return undefined;
  let total = 0;
  units.forEach((unit, index) => {
    const amount = match[index + 1];
    if (amount !== undefined) total += Number(amount) * unit;
  });
  return Math.round(total);
}
