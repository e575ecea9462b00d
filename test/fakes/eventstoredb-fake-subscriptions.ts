/**
 * Catch-up subscriptions of the EventStoreDB fake, after the server's subscription enumerators
 * (Enumerator.AllSubscription(Filtered) and StreamSubscription): a confirmation first, then the
 * history after the start (exclusive), then `caught_up`, then live events. Filtered $all
 * subscriptions also send checkpoints: during catch-up after every `interval` events read
 * (matching or not, counted in pages of the search window) and when catch-up ends; live after
 * every `interval` events written since the subscription began.
 *
 * The server reads history in pages and live events through a bounded channel, dropping back to
 * catch-up when a slow client lets it overflow; reading the log directly gives a client the same
 * events in the same order, so the fake does not model that switch.
 */
import { compareTfPos, eventPos, type AllStart, type FakeLog, type LogEvent, type StreamStart, type TfPos } from './eventstoredb-fake-log.js';

export interface SubscriptionSink {
  readonly closed: boolean;
  /** Resolves when the call ends (cancelled by the client, or the server going away). */
  readonly ended: Promise<void>;
  confirm(): Promise<void>;
  event(e: LogEvent): Promise<void>;
  checkpoint(pos: TfPos): Promise<void>;
  caughtUp(): Promise<void>;
}

export interface AllFilter {
  allows(e: LogEvent): boolean;
  /** Events a catch-up page may look at (the request's max window, 32 by default). */
  window: number;
  /** checkpointIntervalMultiplier × window. */
  interval: number;
}

/** The server's catch-up page size (Enumerator.DefaultReadBatchSize). */
export const READ_BATCH_SIZE = 32;
const FIRST_RECORD: TfPos = { commit: 0n, prepare: 0n };

const before = (a: TfPos | null, b: TfPos) => a === null || compareTfPos(a, b) < 0;

export async function subscribeToAll(log: FakeLog, sink: SubscriptionSink, start: AllStart, filter: AllFilter | null): Promise<void> {
  const liveFrom = log.events.length;
  const lastAtConfirmation = log.lastPosition();
  await sink.confirm();
  // The last event or checkpoint sent (events go out only after it; null: from the start).
  let checkpoint: TfPos | null = start === 'start' ? null : start === 'end' ? lastAtConfirmation : start;
  let lastCheckpointSent: TfPos | null = null;
  const sendCheckpoint = async (pos: TfPos) => {
    if (!filter || !before(lastCheckpointSent, pos)) return;
    lastCheckpointSent = pos;
    await sink.checkpoint(pos);
  };

  const alreadyLive = lastAtConfirmation === null || (checkpoint !== null && compareTfPos(checkpoint, lastAtConfirmation) >= 0);
  if (!alreadyLive) {
    const window = filter?.window ?? READ_BATCH_SIZE;
    let pageStart = checkpoint ?? FIRST_RECORD;
    let counted = 0;
    for (;;) {
      if (sink.closed) return;
      // One FilteredReadAllEventsForward: up to 32 matches within `window` events read.
      const page: LogEvent[] = [];
      let read = 0;
      let next = pageStart;
      let endOfLog = false;
      for (let i = log.indexFrom(pageStart); page.length < READ_BATCH_SIZE && read < window; i++) {
        const e = log.events[i];
        if (!e) {
          endOfLog = true;
          break;
        }
        read++;
        if (!filter || filter.allows(e)) page.push(e);
        next = { commit: e.postPosition, prepare: 0n };
      }
      for (const e of page) {
        if (!before(checkpoint, eventPos(e))) continue;
        await sink.event(e);
        checkpoint = eventPos(e);
      }
      // With nothing sent, the page start is a safe place to resume from.
      if (before(checkpoint, pageStart) && compareTfPos(pageStart, next) < 0) checkpoint = pageStart;
      counted += read;
      if (endOfLog) {
        if (before(checkpoint, FIRST_RECORD) && compareTfPos(FIRST_RECORD, next) < 0) checkpoint = FIRST_RECORD;
        if (checkpoint) await sendCheckpoint(checkpoint);
        break;
      }
      if (filter && counted >= filter.interval) {
        counted %= filter.interval;
        if (checkpoint) await sendCheckpoint(checkpoint);
      }
      pageStart = next;
    }
  }

  await sink.caughtUp();
  let liveCounted = 0;
  for (let i = liveFrom; ; ) {
    for (; i < log.events.length; i++) {
      if (sink.closed) return;
      const e = log.events[i]!;
      const pos = eventPos(e);
      if (before(checkpoint, pos) && (!filter || filter.allows(e))) {
        await sink.event(e);
        checkpoint = pos;
      }
      // The live checkpoint counter counts every event written since the subscription began.
      if (filter && ++liveCounted >= filter.interval) {
        liveCounted = 0;
        if (!before(pos, checkpoint ?? pos)) {
          await sendCheckpoint(pos);
          checkpoint = pos;
        }
      }
    }
    await Promise.race([log.changed(), sink.ended]);
    if (sink.closed) return;
  }
}

export async function subscribeToStream(log: FakeLog, sink: SubscriptionSink, stream: string, start: StreamStart): Promise<void> {
  const liveFrom = log.events.length;
  const lastAtConfirmation = log.lastRevision(stream);
  await sink.confirm();
  let checkpoint = start === 'start' ? -1n : start === 'end' ? lastAtConfirmation : start;
  if (checkpoint < lastAtConfirmation) {
    // Catch-up is a stream read, so the stream's metadata applies to it (not to live events).
    for (;;) {
      const page = log.readStream(stream, checkpoint + 1n, false, READ_BATCH_SIZE) ?? [];
      for (const e of page) {
        if (sink.closed) return;
        await sink.event(e);
        checkpoint = e.revision;
      }
      if (page.length < READ_BATCH_SIZE) break;
    }
  }
  await sink.caughtUp();
  for (let i = liveFrom; ; ) {
    for (; i < log.events.length; i++) {
      if (sink.closed) return;
      const e = log.events[i]!;
      if (e.stream !== stream || e.revision <= checkpoint) continue;
      await sink.event(e);
      checkpoint = e.revision;
    }
    await Promise.race([log.changed(), sink.ended]);
    if (sink.closed) return;
  }
}
