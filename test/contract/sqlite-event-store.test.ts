import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../src/modules/event-store/sqlite-event-store.js';
import { tempDir } from '../support/temp.js';
import { eventStoreContract } from './event-store.contract.js';

eventStoreContract(
  'sqlite',
  async (t) => {
    const store = new SqliteEventStore(join(tempDir(t), 'events.db'), { pollIntervalMs: 20 });
    t.after(() => store.close());
    return store;
  },
  {
    openShared: async (t) => {
      const file = join(tempDir(t), 'events.db');
      const stores = [new SqliteEventStore(file, { pollIntervalMs: 20 }), new SqliteEventStore(file, { pollIntervalMs: 20 })] as const;
      t.after(() => Promise.all(stores.map((s) => s.close())));
      return [...stores];
    },
  },
);

const appender = fileURLToPath(new URL('../support/sqlite-appender.js', import.meta.url));

function runAppender(file: string, worker: string, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [appender, file, worker, String(count)], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`appender ${worker} exited with ${code}`))));
  });
}

it('two processes appending to one SQLite file never corrupt it or lose an event', async (t) => {
  const file = join(tempDir(t), 'shared.db');
  new SqliteEventStore(file).close();
  const perProcess = 400;
  await Promise.all([runAppender(file, 'a', perProcess), runAppender(file, 'b', perProcess)]);

  const db = new DatabaseSync(file);
  t.after(() => db.close());
  assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
  const store = new SqliteEventStore(file);
  t.after(() => store.close());
  // Each process wrote its own stream and also raced the other on one shared stream.
  for (const worker of ['a', 'b']) {
    const own = await store.readStream(`own-${worker}`);
    assert.equal(own.length, perProcess);
    assert.deepEqual(own.map((e) => (e.data as { n: number }).n), [...Array(perProcess).keys()]);
  }
  const shared = await store.readStream('shared-counter');
  assert.equal(shared.length, 2 * perProcess, 'every optimistic append on the shared stream landed exactly once');
  assert.deepEqual(shared.map((e) => e.revision), [...Array(2 * perProcess).keys()]);
  const all = await store.readAll({ maxCount: 10_000 });
  assert.equal(all.length, 4 * perProcess);
  assert.equal(new Set(all.map((e) => e.position)).size, all.length);
});

it('reads of the log served from the parsed tail equal the database, from any position, with another writer on the file', async (t) => {
  const file = join(tempDir(t), 'events.db');
  const store = new SqliteEventStore(file, { pollIntervalMs: 20 });
  const other = new SqliteEventStore(file, { pollIntervalMs: 20 });
  t.after(() => Promise.all([store.close(), other.close()]));
  const db = new DatabaseSync(file, { readOnly: true });
  t.after(() => db.close());
  const positionsInDb = (after: number, limit: number) =>
    (db.prepare('SELECT position FROM events WHERE position > ? ORDER BY position LIMIT ?').all(after, limit) as { position: number }[]).map((r) => BigInt(r.position));
  let n = 0;
  const write = (s: SqliteEventStore, count: number) =>
    Promise.all(Array.from({ length: count }, () => s.append(`s-${n++ % 7}-${n}`, [{ id: `e-${n}`, type: 'T', data: { n } }], 'any')));
  await write(store, 40);
  // A subscriber reads to the head: the window now holds those events.
  assert.equal((await store.readAll({ after: 0n, maxCount: 1000 })).length, 40);
  // Another process appends; the window knows nothing of these.
  await write(other, 25);
  await write(store, 10);
  for (const [after, limit] of [[0, 10], [13, 50], [39, 3], [40, 100], [0, 1000], [64, 5], [75, 10]] as const) {
    const read = await store.readAll({ after: BigInt(after), maxCount: limit });
    assert.deepEqual(read.map((e) => e.position), positionsInDb(after, limit), `after ${after}, limit ${limit}`);
  }
  // The same event read twice is the same data.
  const [a] = await store.readAll({ after: 4n, maxCount: 1 });
  assert.deepEqual(a!.data, { n: (JSON.parse((db.prepare('SELECT data FROM events WHERE position = 5').get() as { data: string }).data) as { n: number }).n });
});
