/** Raw limits of the parts Herald is built on, each measured alone on this machine. */
import { Queue, Worker } from 'bullmq';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { SqliteEventStore } from '../src/modules/event-store/sqlite-event-store.js';
import { round } from './stats.js';

export function sqliteAppend(events: number, batch: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
  const db = new DatabaseSync(join(dir, 'e.db'));
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
    CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL, revision INTEGER NOT NULL,
      type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, created_at INTEGER NOT NULL, UNIQUE (stream, revision)) STRICT;`);
  const insert = db.prepare('INSERT INTO events (event_id, stream, revision, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const data = JSON.stringify({ notificationId: randomUUID(), userId: 'user-1', deliveries: [{ channel: 'push' }] });
  const start = performance.now();
  for (let i = 0; i < events; i += batch) {
    db.exec('BEGIN');
    for (let j = 0; j < batch; j++) insert.run(randomUUID(), `s-${i + j}`, 0, 'NotificationRequested', data, '{}', Date.now());
    db.exec('COMMIT');
  }
  const perSecond = events / ((performance.now() - start) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return round(perSecond);
}

/** Herald's own adapter: concurrent appends to distinct streams, group-committed with synchronous=FULL. */
export async function eventStoreAppend(events: number, concurrency: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const store = new SqliteEventStore(join(dir, 'e.db'));
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events) {
        const i = next++;
        await store.append(`recipient-${i}`, [{ id: randomUUID(), type: 'NotificationRequested', data: { i } }], 'no_stream');
      }
    }),
  );
  const perSecond = events / ((performance.now() - start) / 1000);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return round(perSecond);
}

export async function bullmqNoop(redisUrl: string, jobs: number): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `bench-${randomUUID()}`;
  const queue = new Queue('noop', { connection, prefix });
  let done = 0;
  let finish: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const start = performance.now();
  const worker = new Worker('noop', async () => undefined, { connection: connection.duplicate({ maxRetriesPerRequest: null }), prefix, concurrency: 100 });
  worker.on('completed', () => {
    if (++done === jobs) finish();
  });
  for (let i = 0; i < jobs; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, jobs - i) }, (_, j) => ({ name: 'noop', data: { i: i + j }, opts: { jobId: `j${i + j}`, removeOnComplete: true } })));
  }
  await finished;
  const perSecond = jobs / ((performance.now() - start) / 1000);
  await worker.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  connection.disconnect();
  return round(perSecond);
}

export async function bareFastify(seconds: number): Promise<number> {
  const server = spawn(process.execPath, [fileURLToPath(new URL('./fastify-server.js', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => server.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  const result = await autocannon({ url: `http://127.0.0.1:${port}/ping`, connections: 50, duration: seconds, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":"world"}' });
  server.kill();
  return round(result.requests.average);
}
