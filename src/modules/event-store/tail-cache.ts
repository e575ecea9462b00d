import type { RecordedEvent } from './event-store.port.js';
import type { ReadBatchAfter } from './polling-subscriptions.js';

/** Events kept parsed for subscriptions a little behind the one that read them first. */
const TAIL_WINDOW = 8192;
/**
 * How long "nothing after X" read from the log answers the next reads after X without asking
 * it again, unless `logGrew` says otherwise. A process's own appends and the notifications it
 * gets say so at once; only another process's unannounced append waits this much longer.
 */
const END_KNOWN_MS = 5;

/**
 * Every projection tails the same end of the log: the first to read an event parses it and the
 * others, a moment behind, take it from here. The window holds every event after `windowAfter`
 * up to its last one (it grows only by a read that started at its end, and a log whose commits
 * only extend its end gets no event inside a range once read), so a read served from it is the
 * read the database would have answered.
 */
export class TailCache {
  private window: RecordedEvent[] = [];
  private windowAfter = -1n;
  /** The log had nothing after `after` when read at `at` (and has not been said to grow since). */
  private end: { after: bigint; at: number } | null = null;
  /** A read of the log under way, which a read of the same events joins instead of asking again. */
  private reading: { after: bigint; maxCount: number; growth: number; events: Promise<RecordedEvent[]> } | null = null;
  /** How many times the log was said to grow: a read begun before the last time answers nothing new. */
  private growth = 0;

  constructor(
    private readonly readFromLog: ReadBatchAfter,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Up to `maxCount` events after `after`, in position order: from the window where it holds them. */
  async read(after: bigint, maxCount: number): Promise<RecordedEvent[]> {
    const window = this.window;
    const last = this.lastPosition();
    if (after >= this.windowAfter && after < last) {
      const start = firstAfter(window, after);
      const cached = window.slice(start, start + maxCount);
      // Short of the page only because the window ends here: the rest comes from the log.
      return cached.length < maxCount ? cached.concat(await this.read(last, maxCount - cached.length)) : cached;
    }
    if (this.end?.after === after && this.now() - this.end.at < END_KNOWN_MS) return [];
    const growth = this.growth;
    const reading = this.reading;
    if (reading?.after === after && reading.growth === growth && reading.maxCount >= maxCount) return (await reading.events).slice(0, maxCount);
    const askedAt = this.now();
    const events = Promise.resolve(this.readFromLog(after, maxCount));
    this.reading = { after, maxCount, growth, events };
    try {
      const read = await events;
      this.keep(after, read);
      if (read.length === 0 && this.growth === growth) this.end = { after, at: askedAt };
      return read;
    } finally {
      if (this.reading?.events === events) this.reading = null;
    }
  }

  /** Events were appended (by this process, or announced by another): the end of the log is no longer known. */
  logGrew(): void {
    this.growth += 1;
    this.end = null;
  }

  private lastPosition(): bigint {
    return this.window.at(-1)?.position ?? -1n;
  }

  /** Extends the window with a read that started at its end, or starts a new one there. */
  private keep(after: bigint, events: RecordedEvent[]): void {
    if (events.length === 0) return;
    // Looked at again now: another read may have moved the window while this one waited.
    const startsAtItsEnd = this.window.length > 0 && after === this.lastPosition();
    // A read behind the window is a subscription catching up: replacing the window with it would
    // send every subscription at the head back to the log, and each would parse its own copy.
    if (!startsAtItsEnd && this.window.length > 0 && after < this.windowAfter) return;
    let window = startsAtItsEnd ? this.window.concat(events) : events;
    let windowAfter = startsAtItsEnd ? this.windowAfter : after;
    if (window.length > TAIL_WINDOW) {
      windowAfter = window[window.length - TAIL_WINDOW - 1]!.position;
      window = window.slice(window.length - TAIL_WINDOW);
    }
    this.window = window;
    this.windowAfter = windowAfter;
  }
}

/** Index of the first event past `position` (binary search: the window is in position order). */
function firstAfter(window: RecordedEvent[], position: bigint): number {
  let lo = 0;
  let hi = window.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (window[mid]!.position <= position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
