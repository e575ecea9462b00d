/**
 * What a clock in a time zone reads, through Intl: for tests that pick quiet hours or local send
 * times around the present moment in a recipient's zone.
 */
export const clockIn = (at: number, timeZone: string): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

/** The date there, YYYY-MM-DD. */
export const dateIn = (at: number, timeZone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

/** The next whole minute at least `marginMs` away: quiet hours and local times are whole minutes. */
export const nextMinute = (now: number, marginMs: number): number => Math.ceil((now + marginMs) / 60_000) * 60_000;
