import { CHANNELS, type Channel } from './values.js';
import { addDays, instantAt, parseTime, wallClock, weekdayOf } from './wall-clock.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * A nightly window in which deliveries wait: from `start` to `end` ("HH:MM", wall-clock time
 * in the recipient's time zone; an end not after the start ends the next day). `days`: the
 * days the window starts on (default every day); `channels`: the channels it holds back
 * (default all).
 */
export interface QuietHours {
  start: string;
  end: string;
  days?: Weekday[];
  channels?: Channel[];
}

/** Why and until when a delivery waits, recorded on the delivery in the decision. */
export interface Deferral {
  until: string;
  reason: 'quiet_hours';
  /** Whose window: the user's own, or the category's default. */
  source: 'user' | 'category';
  /** The zone the window was read in. */
  timezone: string;
  window: QuietHours;
}

const QUIET_HOURS_KEYS = ['start', 'end', 'days', 'channels'];

/** What is wrong with a quiet-hours value, field by field under `prefix`; empty when nothing. */
export function quietHoursProblems(value: unknown, prefix = 'quietHours'): { field: string; message: string }[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field: prefix, message: `${prefix} must be an object like {"start": "22:00", "end": "07:30"}` }];
  }
  const q = value as Record<string, unknown>;
  const problems: { field: string; message: string }[] = [];
  for (const key of Object.keys(q)) {
    if (!QUIET_HOURS_KEYS.includes(key)) problems.push({ field: `${prefix}.${key}`, message: `unknown setting (known: ${QUIET_HOURS_KEYS.join(', ')})` });
  }
  for (const key of ['start', 'end'] as const) {
    if (typeof q[key] !== 'string' || !parseTime(q[key])) problems.push({ field: `${prefix}.${key}`, message: `${key} must be a time HH:MM from 00:00 to 23:59` });
  }
  if (problems.length === 0 && q.start === q.end) problems.push({ field: `${prefix}.end`, message: 'end must differ from start' });
  const list = (key: 'days' | 'channels', allowed: readonly string[]) => {
    const v = q[key];
    if (v === undefined) return;
    if (!Array.isArray(v) || v.length === 0 || new Set(v).size !== v.length || !v.every((x) => allowed.includes(x as string))) {
      problems.push({ field: `${prefix}.${key}`, message: `${key} must be a non-empty list, each once, of ${allowed.join(', ')}` });
    }
  };
  list('days', WEEKDAYS);
  list('channels', CHANNELS);
  return problems;
}

const minutes = (hhmm: string): number => {
  const t = parseTime(hhmm)!;
  return t.hour * 60 + t.minute;
};

/**
 * The end of the window occurrence `instant` falls in, or null when it falls in none.
 * Occurrences are laid out on the zone's calendar, so one across a change of clocks is an hour
 * shorter or longer in real time; a start or end that does not exist that day (the skipped hour)
 * is the moment the clocks jump, and one that exists twice is its first time.
 */
export function quietHoursEnd(window: QuietHours, timezone: string, instant: number): number | null {
  const today = wallClock(instant, timezone);
  const start = parseTime(window.start)!;
  const end = parseTime(window.end)!;
  const overnight = minutes(window.end) <= minutes(window.start);
  // Only an occurrence that started today or yesterday can still be running.
  for (const startDay of [addDays(today, -1), addDays(today, 0)]) {
    if (window.days && !window.days.includes(WEEKDAYS[weekdayOf(startDay)]!)) continue;
    const from = instantAt(startDay, start, timezone);
    const to = instantAt(overnight ? addDays(startDay, 1) : startDay, end, timezone);
    if (from <= instant && instant < to) return to;
  }
  return null;
}
