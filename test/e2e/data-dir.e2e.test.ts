import assert from 'node:assert/strict';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { createUser, notificationFinished, startApp } from '../support/app.js';
import { runCli } from '../support/process.js';
import { tempDir } from '../support/temp.js';

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8);

/** Every file in the directory, with its permission bits in octal. */
const fileModes = (dir: string): Record<string, string> => Object.fromEntries(readdirSync(dir).sort().map((name) => [name, modeOf(join(dir, name))]));

const HERALD_FILES = ['admin-credentials.json', 'events.db', 'queue.db', 'read-models.db', 'tracking-secret'];

describe('the data directory is owner-only', () => {
  it('a new DATA_DIR is created 0700 and every file Herald writes in it, SQLite’s -wal and -shm included, 0600', { timeout: 60_000 }, async (t) => {
    const dataDir = join(tempDir(t), 'data');
    const { api } = await startApp(t, { DATA_DIR: dataDir });
    await createUser(api, 'ada');
    const sent = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', content: { subject: 'Hi', text: 'Hello' } });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    await notificationFinished(api, sent.body.notificationId);

    assert.equal(modeOf(dataDir), '700');
    const modes = fileModes(dataDir);
    for (const name of [...HERALD_FILES, 'events.db-wal', 'events.db-shm', 'queue.db-wal', 'read-models.db-wal']) assert.ok(name in modes, `${name} is there`);
    assert.deepEqual(modes, Object.fromEntries(Object.keys(modes).map((name) => [name, '600'])));
  });

  it('a start narrows a DATA_DIR and files left readable by others, leftover -wal and -shm included', { timeout: 60_000 }, async (t) => {
    const dataDir = tempDir(t);
    const first = await startApp(t, { DATA_DIR: dataDir });
    await first.close();
    chmodSync(dataDir, 0o755);
    for (const name of readdirSync(dataDir)) chmodSync(join(dataDir, name), 0o644);
    // A connection still open keeps the log's -wal and -shm, created with the (now wider) database mode.
    const open = new DatabaseSync(join(dataDir, 'events.db'));
    t.after(() => open.close());
    open.exec('PRAGMA journal_mode = WAL; SELECT COUNT(*) FROM events;');
    assert.equal(modeOf(join(dataDir, 'events.db-wal')), '644');

    await startApp(t, { DATA_DIR: dataDir });
    assert.equal(modeOf(dataDir), '700');
    const modes = fileModes(dataDir);
    for (const name of [...HERALD_FILES, 'events.db-wal', 'events.db-shm']) assert.ok(name in modes, `${name} is there`);
    assert.deepEqual(modes, Object.fromEntries(Object.keys(modes).map((name) => [name, '600'])));
  });

  it('the CLI creates the data directory and the event log owner-only too', { timeout: 30_000 }, async (t) => {
    const dataDir = join(tempDir(t), 'nested', 'data');
    const created = await runCli(['clients', 'create', '--name', 'billing', '--scopes', 'notifications:send'], { DATA_DIR: dataDir });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(modeOf(dataDir), '700');
    assert.equal(modeOf(join(dataDir, '..')), '700', 'a missing parent is created owner-only as well');
    assert.equal(fileModes(dataDir)['events.db'], '600');
  });
});
