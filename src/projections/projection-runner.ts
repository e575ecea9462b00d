import { Logger } from '@nestjs/common';
import { matchesFilter, type EventStore, type RecordedEvent, type SubscriptionFilter, type Subscription } from '../modules/event-store/event-store.port.js';

/** Where a projection's output goes, committed together with its checkpoint. */
export interface CheckpointedSink {
  readonly name: string;
  readonly filter?: SubscriptionFilter;
  /** Position of the last event already applied (0n: none). */
  checkpoint(): Promise<bigint>;
  /** Applies a batch and records `last` as the checkpoint, atomically or output-first. */
  commit(events: RecordedEvent[], last: bigint): Promise<void>;
}

/** A commit runs on the event loop (node:sqlite is synchronous): small ones keep the loop prompt under a backlog. */
const BATCH = 100;
const HIGH_WATER = 10_000;
/** How many events past what it has seen waitFor reads to settle whether a filtered projection has reached a position. */
const READ_AHEAD = 256;
const READ_AHEAD_EVERY_MS = 200;
/** How long a read-model query waits for the projection to apply the writes before it. */
const READ_YOUR_WRITES_MS = 2000;

/**
 * Feeds a sink from a catch-up subscription, in batches. A crash replays at most the batch
 * that was not committed, and sinks are written so that replay changes nothing.
 */
export class ProjectionRunner {
  private readonly logger: Logger;
  private subscription: Subscription | null = null;
  private buffer: RecordedEvent[] = [];
  private processing: Promise<void> | null = null;
  private drained: (() => void) | null = null;
  private waiters: { position: bigint; resolve: () => void }[] = [];
  private stopped = false;
  running = false;
  position = 0n;
  /** How far a read of the log itself (readAhead) found nothing for this projection. */
  private readPast = 0n;

  constructor(
    private readonly store: EventStore,
    readonly sink: CheckpointedSink,
    /** The dispatcher keeps it short (it delays sends); read models can batch longer. */
    private readonly minCommitIntervalMs = 20,
  ) {
    this.logger = new Logger(`Projection:${sink.name}`);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.buffer = [];
    this.position = await this.sink.checkpoint();
    this.running = true;
    this.subscribe();
  }

  private subscribe(): void {
    this.subscription = this.store.subscribeToAll({ after: this.position, filter: this.sink.filter });
    void this.pump(this.subscription);
  }

  private async pump(subscription: Subscription): Promise<void> {
    try {
      for await (const event of subscription) {
        this.buffer.push(event);
        this.kick();
        if (this.buffer.length >= HIGH_WATER) await new Promise<void>((resolve) => (this.drained = resolve));
      }
    } catch (error) {
      if (this.stopped) return;
      this.logger.error({ msg: 'subscription dropped; resubscribing', err: String(error) });
      await new Promise((r) => setTimeout(r, 1000));
      if (this.stopped) return;
      await this.processing;
      this.buffer = [];
      this.subscribe();
    }
  }

  private kick(): void {
    this.processing ??= this.process().finally(() => {
      this.processing = null;
      if (this.buffer.length > 0 && !this.stopped) this.kick();
    });
  }

  private lastCommitAt = 0;

  private async process(): Promise<void> {
    // Under load events arrive a few at a time, and a commit per arrival costs every projection
    // a transaction per event (and the dispatcher a queue claim per job). So commits come at
    // most every `minCommitIntervalMs`, each taking all that arrived meanwhile; after a quiet
    // spell the first event goes at once, so a lone notification is not held up.
    const wait = this.lastCommitAt + this.minCommitIntervalMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (this.buffer.length > 0 && !this.stopped) {
      this.lastCommitAt = Date.now();
      const batch = this.buffer.slice(0, BATCH);
      const last = batch[batch.length - 1]!.position;
      try {
        await this.sink.commit(batch, last);
      } catch (error) {
        // Never skip an event: log, wait, and try the same batch again.
        this.logger.error({ msg: 'projection batch failed; retrying', err: error instanceof Error ? error.stack : String(error) });
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      this.buffer.splice(0, batch.length);
      this.position = last;
      if (this.buffer.length < HIGH_WATER / 2 && this.drained) {
        this.drained();
        this.drained = null;
      }
      this.waiters = this.waiters.filter((w) => (w.position <= last ? (w.resolve(), false) : true));
      // A backlog is worked off between other callbacks, not in one run of commits ahead of them.
      if (this.buffer.length > 0) await new Promise((r) => setImmediate(r));
    }
  }

  /** Where this projection stands in the whole log: past the events its filter skips once it has applied all it was given. */
  get seenPosition(): bigint {
    if (!this.idle) return this.position;
    const scanned = this.subscription?.scannedPosition() ?? 0n;
    return [this.position, scanned, this.readPast].reduce((a, b) => (b > a ? b : a));
  }

  private get idle(): boolean {
    return this.buffer.length === 0 && this.processing === null;
  }

  /**
   * Whether the projection has in fact reached `position` though its subscription does not say
   * so yet: EventStoreDB reports how far a filtered subscription has scanned only every so many
   * events, so on a quiet log a projection can stay short of a head it has reached. A short read
   * of the log after what it has seen settles it: nothing for this projection up to `position`.
   */
  private async readAhead(position: bigint): Promise<boolean> {
    if (!this.idle || this.sink.filter === undefined) return false;
    const events = await this.store.readAll({ after: this.seenPosition, maxCount: READ_AHEAD });
    for (const event of events) {
      if (event.position > position) break;
      if (matchesFilter(event, this.sink.filter)) return false;
      if (event.position > this.readPast) this.readPast = event.position;
    }
    return this.seenPosition >= position;
  }

  /** Seconds since the oldest event not yet applied was written; 0 when caught up. */
  lagSeconds(now: number): number {
    const oldest = this.buffer[0];
    return oldest ? Math.max(0, (now - oldest.createdAt.getTime()) / 1000) : 0;
  }

  /**
   * Resolves true once the projection has applied the log up to `position` (false at the
   * timeout). For a filtered projection, the log's head is usually an event it skips: it has
   * reached it once it has applied all it was given and scanned past it (`seenPosition`).
   */
  async waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.seenPosition >= position) return true;
    if (!this.running) return this.pollCheckpoint(position, timeoutMs);
    return new Promise<boolean>((resolve) => {
      const waiter = { position, resolve: () => done(true) };
      const done = (reached: boolean) => {
        clearTimeout(timer);
        clearInterval(scan);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(reached);
      };
      const timer = setTimeout(() => done(this.seenPosition >= position), timeoutMs);
      let lastReadAhead = 0;
      const scan = setInterval(() => {
        if (this.seenPosition >= position) return done(true);
        if (Date.now() - lastReadAhead < READ_AHEAD_EVERY_MS) return;
        lastReadAhead = Date.now();
        this.readAhead(position).then((reached) => reached && done(true), () => undefined);
      }, 10);
      this.waiters.push(waiter);
    });
  }

  /**
   * Waits (up to `timeoutMs`) until the projection has applied everything in the log now: what
   * a query of its read model does first, so that a caller reads its own writes.
   */
  async caughtUpWithLog(timeoutMs = READ_YOUR_WRITES_MS): Promise<boolean> {
    return this.waitFor(await this.store.headPosition(), timeoutMs);
  }

  /** The projection runs in another process (or this one stands by): watch its checkpoint. */
  private async pollCheckpoint(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.sink.checkpoint().catch(() => 0n)) >= position) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Starts over from the sink's checkpoint, e.g. after the sink lost its state. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    this.drained?.();
    await this.subscription?.close();
    // A sink that cannot be reached (queue backend down) must not hold up shutdown: the batch
    // in hand was not checkpointed and is replayed on the next start.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.processing, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
  }
}
