// Checks a schedule trigger's cron expression with croner and says which field is wrong. Croner does the real
// parsing; this module only decides what we accept (5 or 6 fields, or a nickname) and phrases its complaints.
import { Cron } from 'croner';

const FIVE_FIELDS = ['minute', 'hour', 'day of month', 'month', 'day of week'];
const SIX_FIELDS = ['second', ...FIVE_FIELDS];
const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
export type CronCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function checkCron(expression: string): CronCheck {
  const trimmed = expression.trim();
  if (NICKNAMES.has(trimmed.toLowerCase())) return { ok: true };
  const fields = trimmed.split(/\s+/).filter((field) => field !== '');
  if (fields.length !== 5 && fields.length !== 6) {
    return {
      ok: false,
      reason:
        `has ${fields.length} field${fields.length === 1 ? '' : 's'}; expected 5 (minute hour day-of-month month ` +
        `day-of-week) or 6 (with seconds first)`,
    };
  }
  try {
    new Cron(trimmed, { paused: true }).stop();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: describe(error, fields) };
  }
}

// croner's messages do not always name the field (and sometimes quote a shifted value), so the culprit is found
// by trying each field on its own with wildcards around it.
function describe(error: unknown, fields: readonly string[]): string {
  const names = fields.length === 6 ? SIX_FIELDS : FIVE_FIELDS;
  const detail = detailOf(error);
  const culprit = fields.findIndex(
    (_, index) => !accepts(fields.map((field, i) => (i === index ? field : '*'))),
  );
  if (culprit < 0) return `is not valid${detail ? `: ${detail}` : ''}`;
  const field = `has an invalid ${names[culprit] ?? 'field'} field '${fields[culprit] ?? ''}'`;
  return detail ? `${field}: ${detail}` : field;
}

function accepts(fields: readonly string[]): boolean {
  try {
    new Cron(fields.join(' '), { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

// Keeps croner's explanation when it adds something the field name does not already say.
function detailOf(error: unknown): string | undefined {
  const message = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern:\s*/, '');
  if (/invalid value for|illegal characters/i.test(message)) return undefined;
  return message.replace(/^Syntax error,\s*/i, '');
}
