import { EventStoreUnavailableError, type AppendResult, type EventData, type ExpectedRevision } from './event-store.port.js';

/** One stream's append, as the store was asked for it. */
export interface Append {
  streamName: string;
  events: EventData[];
  expected: ExpectedRevision;
}

/** A backend's half of group commit: how one append is encoded and how a batch is committed. */
export interface BatchCommitter<Prepared> {
  /** Encodes one append for the batch; a throw (data that cannot be serialised) fails that append alone. */
  prepare(append: Append): Prepared;
  /**
   * Commits the batch in one transaction, each append with its own expected-revision check,
   * and answers one outcome per append, in order: its result, or the Error that failed it alone.
   * Throws when the batch as a whole could not be written. Resolves only once the commit is
   * durable, since the caller's answer (202) is sent on it.
   */
  commitBatch(batch: Prepared[]): Promise<(AppendResult | Error)[]>;
}

interface Queued<Prepared> {
  streamName: string;
  prepared: Prepared;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: appends that arrive while a commit is in flight go together in the next one, so
 * under load one transaction (and one fsync) serves many users' decisions. One batch is in
 * flight at a time, so batches commit in the order their appends arrived.
 */
export class GroupCommit<Prepared> {
  private queue: Queued<Prepared>[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly committer: BatchCommitter<Prepared>,
    private readonly options: {
      /** Called after every batch the backend committed, to wake the subscriptions. */
      onCommitted: () => void;
      /** Most appends in one batch. */
      maxBatch?: number;
    },
  ) {}

  append(append: Append): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('event store is closed'));
    let prepared: Prepared;
    try {
      prepared = this.committer.prepare(append);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ streamName: append.streamName, prepared, resolve, reject });
      // Waiting for the next turn of the event loop lets a burst of appends form one batch.
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          void this.flush();
        });
      }
    });
  }

  private flush(): Promise<void> {
    this.flushing ??= this.flushQueue().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async flushQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch ?? Number.POSITIVE_INFINITY);
      let outcomes: (AppendResult | Error)[];
      try {
        outcomes = await this.committer.commitBatch(batch.map((item) => item.prepared));
      } catch (error) {
        for (const item of batch) item.reject(error);
        continue;
      }
      batch.forEach((item, i) => {
        const outcome = outcomes[i];
        // Never leave a caller waiting, even if the backend's answer were short.
        if (outcome === undefined) item.reject(new Error(`no answer for the append to ${item.streamName}`));
        else if (outcome instanceof Error) item.reject(outcome);
        else item.resolve(outcome);
      });
      this.options.onCommitted();
    }
  }

  /** Refuses further appends and resolves once every append already accepted has its answer. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing || this.queue.length > 0) await (this.flushing ?? this.flush());
  }
}
