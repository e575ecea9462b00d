import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { ownerOnlyDatabaseFile } from '../data-dir/owner-only.js';
import type { AppendResult, EventData, EventStore, ExpectedRevision, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeOptions, Subscription } from './event-store.port.js';
import { GroupCommit } from './group-commit.js';
import { PollingSubscriptions } from './polling-subscriptions.js';
import type { AppendRequest } from './sqlite-append-writer.js';
import { SqliteCommitter, sqliteStoreError } from './sqlite-committer.js';
import { recordedFromRow, type EventRow } from './sql-event-row.js';
import { TailCache } from './tail-cache.js';

export interface SqliteEventStoreOptions {
  /** FULL (default) fsyncs every commit: an accepted notification survives a power cut. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a writer waits for another process's lock before giving up. */
  busyTimeoutMs?: number;
  /** How often an idle subscription looks for events written by other processes. */
  pollIntervalMs?: number;
}

type SqliteEventRow = EventRow<string, number>;

const decoding = { json: (text: string): unknown => JSON.parse(text), time: (ms: number) => new Date(ms) };
const toRecorded = (row: SqliteEventRow): RecordedEvent => recordedFromRow(row, decoding);

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
  private readonly committer: SqliteCommitter;
  private readonly appends: GroupCommit<AppendRequest>;
  private readonly tail: TailCache;
  private readonly subscriptions: PollingSubscriptions;
  private closing: Promise<void> | null = null;

  constructor(readonly file: string, options: SqliteEventStoreOptions = {}) {
    if (file !== ':memory:') ownerOnlyDatabaseFile(file);
    const synchronous = options.synchronous ?? 'FULL';
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.db = new DatabaseSync(file, { timeout: busyTimeoutMs });
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous};`);
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
    this.tail = new TailCache((after, maxCount) => (this.statements.allForwards.all(Number(after), maxCount) as unknown as SqliteEventRow[]).map(toRecorded));
    this.subscriptions = new PollingSubscriptions({ readAfter: (after, maxCount) => this.tail.read(after, maxCount), pollIntervalMs: options.pollIntervalMs ?? 50 });
    this.committer = new SqliteCommitter(db, { file, synchronous, busyTimeoutMs });
    this.appends = new GroupCommit(this.committer, { onCommitted: () => this.logGrew() });
  }

  /** Events were appended here, or announced: the tail's known end is stale, and idle subscriptions read again. */
  private logGrew(): void {
    this.tail.logGrew();
    this.subscriptions.wakeAll();
  }

  append(streamName: string, events: EventData[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.appends.append({ streamName, events, expected });
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const rows =
      options.direction === 'backwards'
        ? this.statements.readBackwards.all(streamName, options.fromRevision ?? Number.MAX_SAFE_INTEGER, maxCount)
        : this.statements.readForwards.all(streamName, options.fromRevision ?? 0, maxCount);
    return (rows as unknown as SqliteEventRow[]).map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? 1000;
    if (options.direction === 'backwards') {
      return (this.statements.allBackwards.all(Number(options.after ?? BigInt(Number.MAX_SAFE_INTEGER)), maxCount) as unknown as SqliteEventRow[]).map(toRecorded);
    }
    return this.tail.read(options.after ?? 0n, maxCount);
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    return this.subscriptions.subscribe(options);
  }

  async headPosition(): Promise<bigint> {
    return BigInt((this.statements.head.get() as { position: number | null }).position ?? 0);
  }

  async ping(): Promise<void> {
    try {
      this.statements.head.get();
    } catch (error) {
      throw sqliteStoreError(error);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.subscriptions.close();
      // Appends already accepted reach the disk first.
      await this.appends.close();
      await this.committer.close();
      this.db.close();
    })();
    return this.closing;
  }
}
