/**
 * Wall-clock time in an IANA time zone, read with Intl (the zone rules come from the runtime's
 * time-zone database, never from a table of our own). Pure: every function takes the instant
 * it works on.
 */

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

export interface LocalTime {
  hour: number;
  minute: number;
}

export interface WallClock extends LocalDate, LocalTime {
  second: number;
}

/**
 * Formatters are costly to build and depend only on the zone: one per zone name. Names are
 * matched without regard to case, so the cache is bounded rather than trusted to stay small.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 1000;

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** Whether the runtime knows this time zone (an IANA name such as Europe/London, or UTC). */
export function isTimeZone(timezone: string): boolean {
  try {
    formatter(timezone);
    return true;
  } catch {
    return false;
  }
}

/** What a clock in `timezone` reads at `instant` (epoch ms). */
export function wallClock(instant: number, timezone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(timezone).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** A wall-clock reading as if it were UTC: a number that orders and subtracts like the reading. */
const asUtc = (d: LocalDate, t: LocalTime & { second?: number } = { hour: 0, minute: 0 }): number =>
  Date.UTC(d.year, d.month - 1, d.day, t.hour, t.minute, t.second ?? 0);

const readingAt = (instant: number, timezone: string): number => {
  const reading = wallClock(instant, timezone);
  return asUtc(reading, reading);
};

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** 0 = Sunday ... 6 = Saturday. */
export const weekdayOf = (date: LocalDate): number => new Date(asUtc(date)).getUTCDay();

export const sameDate = (a: LocalDate, b: LocalDate): boolean => a.year === b.year && a.month === b.month && a.day === b.day;

/**
 * The instant a clock in `timezone` reads `time` on `date`.
 * - Read twice (the hour repeated when clocks go back): the first time.
 * - Never read (the hour skipped when clocks go forward, e.g. 02:30 in New York on the second
 *   Sunday of March): the next valid instant, the moment the clocks jump (03:00 there).
 */
export function instantAt(date: LocalDate, time: LocalTime, timezone: string): number {
  const wanted = asUtc(date, time);
  // The zone's offset a day either side brackets any change of offset near the wanted reading.
  const offsets = [...new Set([wanted - 86_400_000, wanted, wanted + 86_400_000].map((probe) => readingAt(probe, timezone) - probe))];
  const candidates = offsets.map((offset) => wanted - offset).sort((a, b) => a - b);
  const exact = candidates.find((c) => readingAt(c, timezone) === wanted);
  if (exact !== undefined) return exact;
  // In a gap: find the first second whose reading is past the wanted one.
  let lo = Math.floor(candidates[0]! / 1000);
  let hi = Math.ceil(candidates[candidates.length - 1]! / 1000);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (readingAt(mid * 1000, timezone) > wanted) hi = mid;
    else lo = mid + 1;
  }
  return lo * 1000;
}

/** "HH:MM" (24-hour, 00:00-23:59). */
export const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "YYYY-MM-DD", a real calendar date. */
export const YYYY_MM_DD = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseTime(text: string): LocalTime | undefined {
  const m = HH_MM.exec(text);
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : undefined;
}

export function parseDate(text: string): LocalDate | undefined {
  const m = YYYY_MM_DD.exec(text);
  if (!m) return undefined;
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  return sameDate(addDays(date, 0), date) ? date : undefined;
}
