import { DomainError } from '../shared/decider.js';
import { addDays, instantAt, parseDate, parseTime, wallClock } from './wall-clock.js';

/** "Send at this wall-clock time in the recipient's time zone": on `date`, or the next time the clock reads it. */
export interface LocalSendAt {
  localTime: string;
  date?: string;
}

/**
 * The instant a local-time send is due, for a recipient in `timezone`, asked at `now`.
 * A pure function of its arguments, so a send to many recipients computes it per recipient.
 * Without a date: today at that time, or tomorrow when it has passed. With a date: that day
 * (an instant already past is returned as it is: the caller sends at once). A time the clocks
 * skip that day is the moment they jump (see instantAt).
 */
export function localSendInstant(spec: LocalSendAt, timezone: string, now: number): number {
  const time = parseTime(spec.localTime);
  if (!time) throw new DomainError('invalid_argument', 'localTime must be a time HH:MM from 00:00 to 23:59', 'sendAt.localTime');
  if (spec.date !== undefined) {
    const date = parseDate(spec.date);
    if (!date) throw new DomainError('invalid_argument', 'date must be a calendar date YYYY-MM-DD', 'sendAt.date');
    return instantAt(date, time, timezone);
  }
  const today = wallClock(now, timezone);
  const at = instantAt(today, time, timezone);
  return at >= now ? at : instantAt(addDays(today, 1), time, timezone);
}
