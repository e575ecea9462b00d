import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
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

/** SQLite result codes that mean "cannot write now", not "this request is wrong". */
const UNAVAILABLE_CODES = new Set([5, 6, 8, 10, 13, 14]);

export function isSqliteUnavailable(error: unknown): boolean {
  const code = (error as { errcode?: number } | null)?.errcode;
  return typeof code === 'number' && UNAVAILABLE_CODES.has(code & 0xff);
}

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
 * The embedded event store: one SQLite file in WAL mode. Appends arriving in the same tick are
 * committed together in one transaction (group commit), so a synchronous=FULL fsync is paid
 * once for many users' decisions. Several processes may share the file: writers serialise on
 * SQLite's lock, and positions only grow, so readers polling by position never miss an event.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: DatabaseSync;
  private readonly statements: {
    streamHead: StatementSync;
    findById: StatementSync;
    insert: StatementSync;
    readForwards: StatementSync;
    readBackwards: StatementSync;
    allForwards: StatementSync;
    allBackwards: StatementSync;
    head: StatementSync;
    savepoint: StatementSync;
    release: StatementSync;
    rollbackTo: StatementSync;
  };
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
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
      streamHead: db.prepare('SELECT MAX(revision) AS revision FROM events WHERE stream = ?'),
      findById: db.prepare('SELECT stream, revision, position FROM events WHERE event_id = ?'),
      insert: db.prepare(
        'INSERT INTO events (event_id, stream, revision, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      readForwards: db.prepare('SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?'),
      readBackwards: db.prepare('SELECT * FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?'),
      allForwards: db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?'),
      allBackwards: db.prepare('SELECT * FROM events WHERE position < ? ORDER BY position DESC LIMIT ?'),
      head: db.prepare('SELECT MAX(position) AS position FROM events'),
      // Prepared once: each append of a group commit sits in its own savepoint.
      savepoint: db.prepare('SAVEPOINT one_append'),
      release: db.prepare('RELEASE one_append'),
      rollbackTo: db.prepare('ROLLBACK TO one_append'),
    };
  }

  append(streamName: string, events: EventData[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('event store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ streamName, events, expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; value: AppendResult } | { ok: false; error: unknown })[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      const failure = this.unavailable(error);
      for (const item of batch) item.reject(failure);
      return;
    }
    try {
      for (const item of batch) {
        this.statements.savepoint.run();
        try {
          outcomes.push({ ok: true, value: this.appendInTransaction(item) });
          this.statements.release.run();
        } catch (error) {
          this.statements.rollbackTo.run();
          this.statements.release.run();
          if (isSqliteUnavailable(error)) throw error;
          outcomes.push({ ok: false, error });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // The transaction may already be gone (SQLite rolls back itself on some I/O errors).
      }
      const failure = this.unavailable(error);
      for (const item of batch) item.reject(failure);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
    for (const listener of this.listeners) listener();
  }

  private unavailable(error: unknown): unknown {
    return isSqliteUnavailable(error) || !(error instanceof Error)
      ? new EventStoreUnavailableError(`event store cannot write: ${(error as Error)?.message ?? String(error)}`, { cause: error })
      : error;
  }

  private appendInTransaction({ streamName, events, expected }: PendingAppend): AppendResult {
    const head = this.statements.streamHead.get(streamName) as { revision: number | null };
    const current = head.revision;
    if (events.length > 0) {
      const first = this.statements.findById.get(events[0]!.id) as { stream: string; revision: number; position: number } | undefined;
      if (first) return this.replayedAppend(streamName, events, first);
    }
    const matches =
      expected === 'any' ||
      (expected === 'no_stream' && current === null) ||
      (expected === 'stream_exists' && current !== null) ||
      (typeof expected === 'number' && current === expected);
    if (!matches) throw new WrongExpectedRevisionError(streamName, expected, current ?? 'no_stream');
    const now = Date.now();
    let revision = current ?? -1;
    let position = 0n;
    for (const event of events) {
      revision += 1;
      const result = this.statements.insert.run(
        event.id,
        streamName,
        revision,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata ?? {}),
        now,
      );
      position = BigInt(result.lastInsertRowid);
    }
    if (events.length === 0) position = BigInt((this.statements.head.get() as { position: number | null }).position ?? 0);
    return { nextRevision: revision, position };
  }

  /** The same events appended again (a retry after a lost answer): answer as the first time. */
  private replayedAppend(
    streamName: string,
    events: EventData[],
    first: { stream: string; revision: number; position: number },
  ): AppendResult {
    let last = first;
    for (const [i, event] of events.entries()) {
      const found = this.statements.findById.get(event.id) as typeof first | undefined;
      if (!found || found.stream !== streamName || found.revision !== first.revision + i) {
        throw new WrongExpectedRevisionError(streamName, first.revision - 1, first.revision + i);
      }
      last = found;
    }
    return { nextRevision: last.revision, position: BigInt(last.position) };
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
    // Let appends already accepted into the batch reach the disk first.
    if (this.pending.length > 0) this.flush();
    this.closed = true;
    for (const listener of this.listeners) listener();
    this.db.close();
  }
}
