import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { EventStoreUnavailableError, WrongExpectedRevisionError, type AppendResult } from './event-store.port.js';
import type { Append, BatchCommitter } from './group-commit.js';
import { SqliteAppendWriter, isSqliteUnavailable, type AppendOutcome, type AppendRequest, type BatchFailure } from './sqlite-append-writer.js';

export interface SqliteWriterSettings {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
}

/** "Cannot write now" (locked, full, read-only, I/O) becomes EventStoreUnavailableError; a wrong request stays as it is. */
export function sqliteStoreError(error: unknown): unknown {
  return isSqliteUnavailable(error) || !(error instanceof Error)
    ? new EventStoreUnavailableError(`event store cannot write: ${(error as Error)?.message ?? String(error)}`, { cause: error })
    : error;
}

const toError = (e: BatchFailure): Error => Object.assign(new Error(e.message), e.errcode === undefined ? {} : { errcode: e.errcode });

function toResult(outcome: AppendOutcome): AppendResult | Error {
  if (outcome.ok) return { nextRevision: outcome.nextRevision, position: outcome.position };
  const { error } = outcome;
  return error.kind === 'wrong_expected' ? new WrongExpectedRevisionError(error.streamName, error.expected, error.actual) : toError(error);
}

/**
 * Commits the embedded store's batches: on the writer thread, so a synchronous=FULL fsync never
 * blocks the event loop, or inline for an in-memory database, which is private to its
 * connection and so cannot be written from a thread.
 */
export class SqliteCommitter implements BatchCommitter<AppendRequest> {
  private readonly writer: { commit(batch: AppendRequest[]): Promise<AppendOutcome[]>; close(): Promise<void> };

  constructor(db: DatabaseSync, settings: SqliteWriterSettings) {
    if (settings.file === ':memory:') {
      const inline = new SqliteAppendWriter(db);
      this.writer = { commit: async (batch) => inline.commit(batch), close: async () => undefined };
    } else {
      this.writer = new WriterThread(settings);
    }
  }

  prepare({ streamName, events, expected }: Append): AppendRequest {
    return { streamName, expected, events: events.map((e) => ({ id: e.id, type: e.type, data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata ?? {}) })) };
  }

  async commitBatch(batch: AppendRequest[]): Promise<(AppendResult | Error)[]> {
    try {
      return (await this.writer.commit(batch)).map(toResult);
    } catch (error) {
      throw sqliteStoreError(error);
    }
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}

/**
 * The writer thread's client. The thread starts on the first append (a store only read, by the
 * CLI say, starts none), and holds the process open only while a commit is outstanding.
 */
class WriterThread {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (o: AppendOutcome[]) => void; reject: (e: unknown) => void }>();

  constructor(private readonly settings: SqliteWriterSettings) {}

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
    const worker = new Worker(new URL('./sqlite-append-thread.js', import.meta.url), { workerData: this.settings });
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
