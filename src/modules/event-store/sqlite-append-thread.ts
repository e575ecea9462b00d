/**
 * The embedded event store's writer thread: commits (and their fsync) happen here, so the
 * event loop that serves requests and runs deliveries is not blocked for them. It holds its own
 * connection to the file; SQLite's lock serialises it with any other writer.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteAppendWriter, describe, type AppendRequest } from './sqlite-append-writer.js';

const { file, synchronous, busyTimeoutMs } = workerData as { file: string; synchronous: 'FULL' | 'NORMAL'; busyTimeoutMs: number };
const db = new DatabaseSync(file, { timeout: busyTimeoutMs });
db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous};`);
const writer = new SqliteAppendWriter(db);

parentPort!.on('message', (message: { id: number; batch: AppendRequest[] } | { close: true }) => {
  if ('close' in message) {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    parentPort!.postMessage({ id: message.id, outcomes: writer.commit(message.batch) });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, failure: describe(error) });
  }
});
