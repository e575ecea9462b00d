import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ExpectedRevision } from './event-store.port.js';

/** One stream's append, its events already serialised. */
export interface AppendRequest {
  streamName: string;
  events: { id: string; type: string; data: string; metadata: string }[];
  expected: ExpectedRevision;
}

/** What became of one append; errors as plain data, so they cross a thread boundary. */
export type AppendOutcome =
  | { ok: true; nextRevision: number; position: bigint }
  | { ok: false; error: { kind: 'wrong_expected'; streamName: string; expected: ExpectedRevision; actual: number | 'no_stream' } | { kind: 'error'; message: string; errcode?: number } };

/** A failed batch as plain data: the SQLite error code decides whether it means "cannot write now". */
export interface BatchFailure {
  message: string;
  errcode?: number;
}

/** SQLite result codes that mean "cannot write now", not "this request is wrong". */
const UNAVAILABLE_CODES = new Set([5, 6, 8, 10, 13, 14]);

export function isSqliteUnavailable(error: unknown): boolean {
  const code = (error as { errcode?: number } | null)?.errcode;
  return typeof code === 'number' && UNAVAILABLE_CODES.has(code & 0xff);
}

class WrongExpected {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {}
}

/**
 * Commits a group of appends in one transaction, each in its own savepoint so that one
 * append's conflict leaves the others standing. Synchronous and free of the rest of the store,
 * so it runs on the writer thread (or inline for an in-memory database).
 */
export class SqliteAppendWriter {
  private readonly statements: Record<'streamHead' | 'findById' | 'insert' | 'head' | 'begin' | 'commit' | 'savepoint' | 'release' | 'rollbackTo', StatementSync>;

  constructor(private readonly db: DatabaseSync) {
    const p = (sql: string) => db.prepare(sql);
    this.statements = {
      streamHead: p('SELECT MAX(revision) AS revision FROM events WHERE stream = ?'),
      findById: p('SELECT stream, revision, position FROM events WHERE event_id = ?'),
      insert: p('INSERT INTO events (event_id, stream, revision, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      head: p('SELECT MAX(position) AS position FROM events'),
      begin: p('BEGIN IMMEDIATE'),
      commit: p('COMMIT'),
      savepoint: p('SAVEPOINT one_append'),
      release: p('RELEASE one_append'),
      rollbackTo: p('ROLLBACK TO one_append'),
    };
  }

  /** Throws (the raw SQLite error) when the batch as a whole could not be written. */
  commit(batch: AppendRequest[]): AppendOutcome[] {
    const outcomes: AppendOutcome[] = [];
    this.statements.begin.run();
    try {
      for (const item of batch) {
        this.statements.savepoint.run();
        try {
          outcomes.push({ ok: true, ...this.appendOne(item) });
          this.statements.release.run();
        } catch (error) {
          this.statements.rollbackTo.run();
          this.statements.release.run();
          if (isSqliteUnavailable(error)) throw error;
          outcomes.push({ ok: false, error: error instanceof WrongExpected ? { kind: 'wrong_expected', ...error } : describe(error) });
        }
      }
      this.statements.commit.run();
    } catch (error) {
      try {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
      } catch {
        // The transaction may already be gone (SQLite rolls back itself on some I/O errors).
      }
      throw error;
    }
    return outcomes;
  }

  private appendOne({ streamName, events, expected }: AppendRequest): { nextRevision: number; position: bigint } {
    const current = (this.statements.streamHead.get(streamName) as { revision: number | null }).revision;
    if (events.length > 0) {
      const first = this.statements.findById.get(events[0]!.id) as { stream: string; revision: number; position: number } | undefined;
      if (first) return this.replayed(streamName, events, first);
    }
    const matches =
      expected === 'any' ||
      (expected === 'no_stream' && current === null) ||
      (expected === 'stream_exists' && current !== null) ||
      (typeof expected === 'number' && current === expected);
    if (!matches) throw new WrongExpected(streamName, expected, current ?? 'no_stream');
    const now = Date.now();
    let revision = current ?? -1;
    let position = 0n;
    for (const event of events) {
      revision += 1;
      position = BigInt(this.statements.insert.run(event.id, streamName, revision, event.type, event.data, event.metadata, now).lastInsertRowid);
    }
    if (events.length === 0) position = BigInt((this.statements.head.get() as { position: number | null }).position ?? 0);
    return { nextRevision: revision, position };
  }

  /** The same events appended again (a retry after a lost answer): answer as the first time. */
  private replayed(streamName: string, events: AppendRequest['events'], first: { stream: string; revision: number; position: number }): { nextRevision: number; position: bigint } {
    let last = first;
    for (const [i, event] of events.entries()) {
      const found = this.statements.findById.get(event.id) as typeof first | undefined;
      if (!found || found.stream !== streamName || found.revision !== first.revision + i) {
        throw new WrongExpected(streamName, first.revision - 1, first.revision + i);
      }
      last = found;
    }
    return { nextRevision: last.revision, position: BigInt(last.position) };
  }
}

export function describe(error: unknown): { kind: 'error'; message: string; errcode?: number } {
  const errcode = (error as { errcode?: number } | null)?.errcode;
  return { kind: 'error', message: error instanceof Error ? error.message : String(error), ...(typeof errcode === 'number' ? { errcode } : {}) };
}
