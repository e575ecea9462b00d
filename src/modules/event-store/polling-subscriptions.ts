import { matchesFilter, type RecordedEvent, type SubscribeOptions, type Subscription } from './event-store.port.js';

/** Up to `maxCount` events after `after` (exclusive), in position order. */
export type ReadBatchAfter = (after: bigint, maxCount: number) => RecordedEvent[] | Promise<RecordedEvent[]>;

/** Events a subscription reads per batch. */
const BATCH = 512;

/**
 * Catch-up subscriptions over a log whose committed events only ever extend its end (positions
 * only grow, and none commits below one already visible), so "the events after my position" never
 * skips one. Each subscription reads batches after the last event it scanned; at the end of
 * the log it sleeps until `wakeAll` (an append, a notification from another process) or the
 * poll interval, which finds what no one announced.
 */
export class PollingSubscriptions {
  private readonly wakers = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly options: {
      readAfter: ReadBatchAfter;
      /** How long an idle subscription waits before it looks again unwoken. */
      pollIntervalMs: number;
      /** Called before each read, e.g. to reopen what wakes the subscriptions. */
      beforeRead?: () => void;
    },
  ) {}

  subscribe(options: SubscribeOptions = {}): Subscription {
    const { readAfter, pollIntervalMs, beforeRead } = this.options;
    const isClosed = () => this.closed;
    let after = options.after ?? 0n;
    let stopped = false;
    let appended = false;
    let wake: (() => void) | null = null;
    const onAppend = (): void => {
      appended = true;
      wake?.();
    };
    this.wakers.add(onAppend);
    const release = () => this.wakers.delete(onAppend);
    async function* events(): AsyncGenerator<RecordedEvent> {
      try {
        while (!stopped && !isClosed()) {
          beforeRead?.();
          appended = false;
          const batch = await readAfter(after, BATCH);
          if (batch.length === 0) {
            // An append that landed during the read may be past it: read again at once.
            if (appended) continue;
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, pollIntervalMs);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = null;
            continue;
          }
          for (const event of batch) {
            after = event.position;
            if (matchesFilter(event, options.filter)) yield event;
            if (stopped) return;
          }
        }
      } finally {
        release();
      }
    }
    const iterator = events();
    return {
      [Symbol.asyncIterator]: () => iterator,
      scannedPosition: () => after,
      close: async () => {
        stopped = true;
        wake?.();
        release(); // a subscription never iterated has no `finally` to run
        await iterator.return(undefined);
      },
    };
  }

  /** Something was appended: every idle subscription reads again now. */
  wakeAll(): void {
    for (const wake of this.wakers) wake();
  }

  /** Ends every subscription (each returns once its current read is done). */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }
}
