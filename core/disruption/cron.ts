/**
 * Standard 5-field cron (minute hour day-of-month month day-of-week), UTC, with Karpenter's macros, for budget
 * schedules. Pure: callers pass the time.
 */

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface Field {
  values: Set<number>;
  /** `*` (or `*` with a step): day-of-month and day-of-week combine with OR only when both are restricted. */
  any: boolean;
}

export interface CronSchedule {
  minute: Field;
  hour: Field;
  dayOfMonth: Field;
  month: Field;
  dayOfWeek: Field;
}

export class CronError extends Error {
  readonly type = 'InvalidCron';
}

function parseField(text: string, min: number, max: number, names: string[] = [], nameBase = 0): Field {
  const values = new Set<number>();
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + nameBase : Number(token);
    if (!Number.isInteger(n) || n < min || n > max) throw new CronError(`"${token}" is not in ${min}-${max}`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(`bad step in "${part}"`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [lo, hi] = [value(a), value(b)];
      if (lo > hi) throw new CronError(`empty range "${range}"`);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, any: text.startsWith('*') };
}

export function parseCron(expression: string): CronSchedule {
  const expanded = MACROS[expression.trim()] ?? expression.trim();
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5) throw new CronError(`"${expression}" needs 5 fields (or a macro such as @daily)`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const dayOfWeek = parseField(dow, 0, 7, DAYS);
  if (dayOfWeek.values.delete(7)) dayOfWeek.values.add(0); // 7 is Sunday too
  return {
    minute: parseField(minute, 0, 59),
    hour: parseField(hour, 0, 23),
    dayOfMonth: parseField(dom, 1, 31),
    month: parseField(month, 1, 12, MONTHS, 1),
    dayOfWeek,
  };
}

/** Whether the schedule fires at the (UTC) minute containing `at`. */
export function cronMatches(schedule: CronSchedule, at: Date): boolean {
  if (!schedule.minute.values.has(at.getUTCMinutes())) return false;
  if (!schedule.hour.values.has(at.getUTCHours())) return false;
  if (!schedule.month.values.has(at.getUTCMonth() + 1)) return false;
  const dom = schedule.dayOfMonth.values.has(at.getUTCDate());
  const dow = schedule.dayOfWeek.values.has(at.getUTCDay());
  if (schedule.dayOfMonth.any || schedule.dayOfWeek.any) return dom && dow;
  return dom || dow;
}

/**
 * Karpenter's "active window": a scheduled budget applies when the schedule fired within the last `durationMs`
 * (the next hit after `now − duration` is at or before `now`).
 */
export function cronActive(schedule: CronSchedule, durationMs: number, now: Date): boolean {
  const minute = 60_000;
  const end = Math.floor(now.getTime() / minute) * minute;
  // A hit at minute m covers [m, m + duration); walk back over the window, one minute at a time.
  for (let t = end; t > now.getTime() - durationMs; t -= minute) {
    if (cronMatches(schedule, new Date(t))) return true;
  }
  return false;
}
