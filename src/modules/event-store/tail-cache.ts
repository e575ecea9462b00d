import type { RecordedEvent } from './event-store.port.js';
import type { ReadBatchAfter } from './polling-subscriptions.js';

/** Events kept parsed for subscriptions a little behind the one that read them first. */
const TAIL_WINDOW = 8192;

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

  constructor(private readonly readFromLog: ReadBatchAfter) {}

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
    const events = await this.readFromLog(after, maxCount);
    this.keep(after, events);
    return events;
  }

  private lastPosition(): bigint {
    return this.window.at(-1)?.position ?? -1n;
  }

  /** Extends the window with a read that started at its end, or starts a new one there. */
  private keep(after: bigint, events: RecordedEvent[]): void {
    if (events.length === 0) return;
    // Looked at again now: another read may have moved the window while this one waited.
    const startsAtItsEnd = this.window.length > 0 && after === this.lastPosition();
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
