import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import {
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  matchesFilter,
  type AppendResult,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './event-store.port.js';
import { SqliteAppendWriter, isSqliteUnavailable, type AppendOutcome, type AppendRequest, type BatchFailure } from './sqlite-append-writer.js';

export interface SqliteEventStoreOptions {
  /** FULL (default) fsyncs every commit: an accepted notification survives a power cut. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a writer waits for another process's lock before giving up. */
  busyTimeoutMs?: number;
  /** How often an idle subscription looks for events written by other processes. */
  pollIntervalMs?: number;
}

interface PendingAppend {
  streamName: string;
  events: EventData[];
  expected: ExpectedRevision;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

interface EventRow {
  position: number;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  created_at: number;
}

/** Events kept parsed for subscriptions a little behind the one that read them first. */
const TAIL_WINDOW = 8192;

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamName: row.stream,
    type: row.type,
    revision: row.revision,
    position: BigInt(row.position),
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    createdAt: new Date(row.created_at),
  };
}

/**
 * The embedded event store: one SQLite file in WAL mode. Appends are committed together in one
 * transaction (group commit), on a writer thread, so a synchronous=FULL fsync is paid once for
 * many users' decisions and never blocks the event loop; reads stay on this thread's own
 * connection. Several processes may share the file: writers serialise on SQLite's lock, and
 * positions only grow, so readers polling by position never miss an event.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: DatabaseSync;
  private readonly statements: {
    readForwards: StatementSync;
    readBackwards: StatementSync;
    allForwards: StatementSync;
    allBackwards: StatementSync;
    head: StatementSync;
  };
  private readonly committer: Committer;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> | null = null;
  private readonly listeners = new Set<() => void>();
  private closed = false;
  private readonly pollIntervalMs: number;

  constructor(readonly file: string, options: SqliteEventStoreOptions = {}) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.db = new DatabaseSync(file, { timeout: options.busyTimeoutMs ?? 5000 });
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous ?? 'FULL'};`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        position   INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id   TEXT    NOT NULL UNIQUE,
        stream     TEXT    NOT NULL,
        revision   INTEGER NOT NULL,
        type       TEXT    NOT NULL,
        data       TEXT    NOT NULL,
        metadata   TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (stream, revision)
      ) STRICT;
    `);
    const db = this.db;
    this.statements = {
      readForwards: db.prepare('SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?'),
      readBackwards: db.prepare('SELECT * FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?'),
      allForwards: db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?'),
      allBackwards: db.prepare('SELECT * FROM events WHERE position < ? ORDER BY position DESC LIMIT ?'),
      head: db.prepare('SELECT MAX(position) AS position FROM events'),
    };
    // An in-memory database is private to its connection, so it cannot be written from a thread.
    this.committer =
      file === ':memory:'
        ? new InlineCommitter(new SqliteAppendWriter(db))
        : new ThreadCommitter({ file, synchronous: options.synchronous ?? 'FULL', busyTimeoutMs: options.busyTimeoutMs ?? 5000 });
  }

  append(streamName: string, events: EventData[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('event store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ streamName, events, expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          void this.flush();
        });
      }
    });
  }

  /**
   * Group commit: appends that arrive while a commit is being written go together in the next
   * one, so under load one fsync serves many users' decisions.
   */
  private flush(): Promise<void> {
    this.flushing ??= this.flushPending().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async flushPending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch: PendingAppend[] = [];
      const requests: AppendRequest[] = [];
      for (const item of this.pending.splice(0)) {
        try {
          requests.push({
            streamName: item.streamName,
            events: item.events.map((e) => ({ id: e.id, type: e.type, data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata ?? {}) })),
            expected: item.expected,
          });
          batch.push(item);
        } catch (error) {
          item.reject(error); // not serialisable: this append is wrong, the others go on
        }
      }
      if (batch.length === 0) continue;
      let outcomes: AppendOutcome[];
      try {
        outcomes = await this.committer.commit(requests);
      } catch (error) {
        const failure = this.unavailable(error);
        for (const item of batch) item.reject(failure);
        continue;
      }
      batch.forEach((item, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) item.resolve({ nextRevision: outcome.nextRevision, position: outcome.position });
        else if (outcome.error.kind === 'wrong_expected') item.reject(new WrongExpectedRevisionError(outcome.error.streamName, outcome.error.expected, outcome.error.actual));
        else item.reject(toError(outcome.error));
      });
      for (const listener of this.listeners) listener();
    }
  }

  private unavailable(error: unknown): unknown {
    return isSqliteUnavailable(error) || !(error instanceof Error)
      ? new EventStoreUnavailableError(`event store cannot write: ${(error as Error)?.message ?? String(error)}`, { cause: error })
      : error;
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const rows =
      options.direction === 'backwards'
        ? this.statements.readBackwards.all(streamName, options.fromRevision ?? Number.MAX_SAFE_INTEGER, maxCount)
        : this.statements.readForwards.all(streamName, options.fromRevision ?? 0, maxCount);
    return (rows as unknown as EventRow[]).map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllNow(options);
  }

  private readAllNow(options: ReadAllOptions): RecordedEvent[] {
    const maxCount = options.maxCount ?? 1000;
    if (options.direction === 'backwards') {
      return (this.statements.allBackwards.all(Number(options.after ?? BigInt(Number.MAX_SAFE_INTEGER)), maxCount) as unknown as EventRow[]).map(toRecorded);
    }
    return this.readForwardsShared(options.after ?? 0n, maxCount);
  }

  /**
   * Every projection tails the same end of the log: the first to read an event parses it and
   * the others, a moment behind, take it from here. The window holds every event after
   * `tailAfter` up to its last one (it only grows by a read that started at its end), so a read
   * served from it is the read the database would have answered.
   */
  private tail: RecordedEvent[] = [];
  private tailAfter = -1n;

  private readForwardsShared(after: bigint, maxCount: number): RecordedEvent[] {
    const tail = this.tail;
    const last = tail.length > 0 ? tail[tail.length - 1]!.position : -1n;
    if (after >= this.tailAfter && after < last) {
      let lo = 0;
      let hi = tail.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (tail[mid]!.position <= after) lo = mid + 1;
        else hi = mid;
      }
      const cached = tail.slice(lo, lo + maxCount);
      // Short of the page only because the window ends here: the rest comes from the database.
      return cached.length < maxCount ? cached.concat(this.readForwardsShared(last, maxCount - cached.length)) : cached;
    }
    const events = (this.statements.allForwards.all(Number(after), maxCount) as unknown as EventRow[]).map(toRecorded);
    if (events.length === 0) return events;
    let window: RecordedEvent[];
    let windowAfter: bigint;
    if (tail.length > 0 && after === last) {
      window = tail.concat(events);
      windowAfter = this.tailAfter;
    } else {
      window = events;
      windowAfter = after;
    }
    if (window.length > TAIL_WINDOW) {
      windowAfter = window[window.length - TAIL_WINDOW - 1]!.position;
      window = window.slice(window.length - TAIL_WINDOW);
    }
    this.tail = window;
    this.tailAfter = windowAfter;
    return events;
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    let after = options.after ?? 0n;
    let stopped = false;
    let dirty = false;
    let wake: (() => void) | null = null;
    const onAppend = (): void => {
      dirty = true;
      wake?.();
    };
    this.listeners.add(onAppend);
    const events = async function* (this: SqliteEventStore): AsyncGenerator<RecordedEvent> {
      try {
        while (!stopped && !this.closed) {
          dirty = false;
          const batch = this.readAllNow({ after, maxCount: 512 });
          if (batch.length === 0) {
            if (dirty) continue;
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, this.pollIntervalMs);
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
        this.listeners.delete(onAppend);
      }
    };
    const iterator = events.call(this);
    return {
      [Symbol.asyncIterator]: () => iterator,
      scannedPosition: () => after,
      close: async () => {
        stopped = true;
        wake?.();
        await iterator.return(undefined);
      },
    };
  }

  async headPosition(): Promise<bigint> {
    return BigInt((this.statements.head.get() as { position: number | null }).position ?? 0);
  }

  async ping(): Promise<void> {
    try {
      this.statements.head.get();
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Appends already accepted reach the disk first.
    while (this.flushing || this.pending.length > 0) await (this.flushing ?? this.flush());
    await this.committer.close();
    for (const listener of this.listeners) listener();
    this.db.close();
  }
}

const toError = (e: BatchFailure): Error => Object.assign(new Error(e.message), e.errcode === undefined ? {} : { errcode: e.errcode });

interface Committer {
  commit(batch: AppendRequest[]): Promise<AppendOutcome[]>;
  close(): Promise<void>;
}

class InlineCommitter implements Committer {
  constructor(private readonly writer: SqliteAppendWriter) {}

  async commit(batch: AppendRequest[]): Promise<AppendOutcome[]> {
    return this.writer.commit(batch);
  }

  async close(): Promise<void> {}
}

/**
 * Commits on the writer thread. Started on the first append (a store only read, by the CLI
 * say, starts none), and holding the process open only while a commit is outstanding.
 */
class ThreadCommitter implements Committer {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (o: AppendOutcome[]) => void; reject: (e: unknown) => void }>();

  constructor(private readonly workerData: { file: string; synchronous: 'FULL' | 'NORMAL'; busyTimeoutMs: number }) {}

  commit(batch: AppendRequest[]): Promise<AppendOutcome[]> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    if (this.waiting.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, batch });
    });
  }

  private start(): Worker {
    const worker = new Worker(new URL('./sqlite-append-thread.js', import.meta.url), { workerData: this.workerData });
    worker.unref();
    worker.on('message', (m: { id: number; outcomes?: AppendOutcome[]; failure?: BatchFailure }) => {
      const waiter = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) worker.unref();
      if (m.outcomes) waiter?.resolve(m.outcomes);
      else waiter?.reject(toError(m.failure!));
    });
    // A writer thread that dies takes its answers with it: whether those commits landed is
    // unknown, as after a lost connection, so they fail as "unavailable" and the next starts a new thread.
    const lost = (reason: string) => {
      if (this.worker === worker) this.worker = null;
      for (const waiter of this.waiting.values()) waiter.reject(new EventStoreUnavailableError(`event store writer stopped: ${reason}`));
      this.waiting.clear();
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    const exited = new Promise((r) => worker.once('exit', r));
    worker.ref();
    worker.postMessage({ close: true });
    await exited;
  }
}
