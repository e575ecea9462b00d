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
