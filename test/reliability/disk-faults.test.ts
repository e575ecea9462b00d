import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it, type TestContext } from 'node:test';
import { Api, sandboxSendsPerDelivery } from '../support/app.js';
import { immutableUnavailable, setImmutable } from '../support/immutable.js';
import { freePort, spawnHerald } from '../support/process.js';
import { eventually, tempDir } from '../support/temp.js';
import { report } from './report.js';

/**
 * The data directory stops taking writes while requests arrive, then recovers. Both faults are
 * made by the kernel under Herald's real SQLite connections, so the errors are the engine's own:
 *
 * - read-only: `chattr +i` on the event log and its WAL. A disk that goes read-only under a
 *   running process (ext4 remounting itself read-only after an error) refuses writes through the
 *   descriptors already open, and SQLite answers SQLITE_IOERR_WRITE; the immutable flag refuses
 *   them the same way, root or not. `chmod` cannot do this: permissions are checked when a file
 *   is opened, and Herald's connections stay open (tried: writes went on through a read-only
 *   mode and directory, as root and as `nobody`). The shared-memory index is left alone: it is
 *   mapped, and a refused write to a mapping kills the process with SIGBUS, a different fault.
 * - full: RLIMIT_FSIZE lowered on the running Herald (`prlimit --pid`): no file may be written
 *   past its first byte, so every SQLite file (event log, queue, read models and sandbox outbox)
 *   fails to grow or be rewritten, as on a full disk. The kernel answers EFBIG where a full disk
 *   answers ENOSPC, so SQLite says SQLITE_IOERR_WRITE rather than SQLITE_FULL; a real
 *   SQLITE_FULL needs a filesystem that is actually full, that is a mount, which a test should
 *   not make. Node ignores the SIGXFSZ that comes with it.
 *
 * In both: every answer is 202 (and the decision is in the log) or 503 (and it is not), never a
 * 500; once the fault clears, the refused requests are retried with their idempotency keys and
 * every accepted notification is delivered.
 */
const USERS = 10;
const HEALTHY_MS = 1500;
const FAULT_MS = 3000;

interface Fault {
  name: string;
  /** Why it cannot be made here, or null. */
  unavailable(dataDir: string): string | null;
  apply(dataDir: string, pid: number): void;
  clear(dataDir: string, pid: number): void;
}

const IMMUTABLE_FILES = ['events.db', 'events.db-wal'];

const readOnly: Fault = {
  name: 'disk read-only (event log immutable)',
  unavailable: immutableUnavailable,
  apply: (dataDir) => setImmutable(IMMUTABLE_FILES.map((f) => join(dataDir, f)), true),
  clear: (dataDir) => setImmutable(IMMUTABLE_FILES.map((f) => join(dataDir, f)), false),
};

const full: Fault = {
  name: 'disk full (file size limit)',
  unavailable() {
    try {
      execFileSync('prlimit', ['--version'], { stdio: 'pipe' });
      return null;
    } catch {
      return 'prlimit (util-linux) is not installed';
    }
  },
  apply: (_dataDir, pid) => execFileSync('prlimit', ['--pid', String(pid), '--fsize=1:unlimited']),
  clear: (_dataDir, pid) => execFileSync('prlimit', ['--pid', String(pid), '--fsize=unlimited:unlimited']),
};

async function startHerald(t: TestContext, dataDir: string) {
  const port = await freePort();
  const herald = await spawnHerald(t, { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'error', RATE_LIMIT_EMAIL: '100000/1h', CONTENT_DEDUP_WINDOW: '0s', CLIENT_RATE_LIMIT: '100000', RETRY_BASE_DELAY: '200ms', RETRY_MAX_DELAY: '2s' });
  const anonymous = new Api(`http://127.0.0.1:${port}`);
  await eventually(async () => ((await anonymous.get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 30_000, 'herald to start');
  return { herald, api: anonymous.as(JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8'))) };
}

/** The notifications the log holds a decision for. */
function decidedInLog(dataDir: string): Set<string> {
  const db = new DatabaseSync(join(dataDir, 'events.db'), { readOnly: true });
  try {
    const rows = db.prepare(`SELECT data FROM events WHERE type = 'NotificationRequested'`).all() as { data: string }[];
    assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    return new Set(rows.map((r) => (JSON.parse(r.data) as { notificationId: string }).notificationId));
  } finally {
    db.close();
  }
}

describe('disk faults (embedded): the data directory stops taking writes during requests', () => {
  for (const fault of [readOnly, full]) {
    it(`${fault.name}: 503 while it lasts (never 500, never a 2xx for what was not stored), then service resumes with nothing lost`, { timeout: 120_000 }, async (t) => {
      const dataDir = tempDir(t);
      const reason = fault.unavailable(dataDir);
      if (reason) {
        console.log(`# SKIPPED: ${fault.name}: ${reason}`);
        t.skip(reason);
        return;
      }
      const { herald, api } = await startHerald(t, dataDir);
      let stopping = false;
      void herald.exited.then((code) => {
        if (!stopping) console.log(`# herald exited during the test (code ${code}):\n${herald.output().slice(-3000)}`);
      });
      let faulty = false;
      // Never leave an immutable file behind: the temp directory could not be removed.
      t.after(() => {
        if (faulty) fault.clear(dataDir, herald.child.pid!);
      });
      for (let u = 0; u < USERS; u++) assert.equal((await api.put(`/v1/users/d${u}`, { email: `d${u}@example.com` })).status, 201);

      const statuses = new Map<number, number>();
      const accepted = new Map<string, string>(); // idempotency key -> notification id
      const refused = new Set<string>();
      let storedDespite503 = 0;
      let profileUpdatesDuringFault = 0;
      let maxLatency = 0;
      const send = async (n: number) => {
        const key = `k${n}`;
        const began = performance.now();
        const res = await api.post('/v1/notifications', { userId: `d${n % USERS}`, category: 'orders', channels: ['email'], idempotencyKey: key, content: { subject: `n${n}`, text: `n${n}` } });
        maxLatency = Math.max(maxLatency, performance.now() - began);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 202) accepted.set(key, res.body.notificationId);
        else if (res.status === 503) refused.add(key);
        else assert.fail(`unexpected ${res.status}: ${JSON.stringify(res.body)}`);
      };

      // Four clients in a loop, through healthy, faulty and healthy again.
      let n = 0;
      let running = true;
      const clients = Array.from({ length: 4 }, async () => {
        while (running) await send(n++);
      });
      await new Promise((r) => setTimeout(r, HEALTHY_MS));
      fault.apply(dataDir, herald.child.pid!);
      faulty = true;
      const faultStarted = Date.now();
      // A write of another kind while the fault lasts: a profile change is refused the same way.
      while (Date.now() - faultStarted < FAULT_MS) {
        const res = await api.put('/v1/users/d0', { email: 'd0@example.com', phone: `+4477009${String(profileUpdatesDuringFault).padStart(5, '0')}` });
        assert.equal(res.status, 503, `a profile change during the fault: ${res.status} ${JSON.stringify(res.body)}`);
        profileUpdatesDuringFault += 1;
        await new Promise((r) => setTimeout(r, 200));
      }
      fault.clear(dataDir, herald.child.pid!);
      faulty = false;
      await eventually(async () => ((await api.get('/v1/users/d1')).status === 200 && (await api.put('/v1/users/d1', { email: 'd1@example.com', phone: '+447700900001' })).status === 200 ? true : undefined), 10_000, 'writes to be taken again');
      await new Promise((r) => setTimeout(r, HEALTHY_MS));
      running = false;
      await Promise.all(clients);

      // The careful client retries what was refused, with the same idempotency keys.
      for (const key of refused) {
        const res = await api.post('/v1/notifications', { userId: `d${Number(key.slice(1)) % USERS}`, category: 'orders', channels: ['email'], idempotencyKey: key, content: { subject: key, text: key } });
        // 200 would mean the refused request was stored after all: allowed (the retry finds it), and counted.
        assert.ok(res.status === 202 || res.status === 200, `retry of ${key}: ${res.status} ${JSON.stringify(res.body)}`);
        if (res.status === 200) storedDespite503 += 1;
        accepted.set(key, res.body.notificationId);
      }
      const ids = [...accepted.values()];
      const views = await eventually(async () => {
        const all = await Promise.all(ids.map((id) => api.get(`/v1/notifications/${id}`)));
        return all.every((v) => v.status === 200 && v.body.status === 'sent') ? all : undefined;
      }, 60_000, 'every accepted notification to be sent').catch(async (error: Error) => {
        const unsent = (await Promise.all(ids.map((id) => api.get(`/v1/notifications/${id}`)))).filter((v) => v.status !== 200 || v.body.status !== 'sent');
        throw new Error(`${error.message}; ${unsent.length} not sent, first: ${JSON.stringify(unsent.slice(0, 2).map((v) => v.body))}\n${herald.output().slice(-3000)}`);
      });
      const lost = views.filter((v) => v.status !== 200 || v.body.status !== 'sent').length;
      const errorsLogged = herald.output().match(/disk I\/O error|database or disk is full|readonly database/g) ?? [];
      const duplicates = [...(await sandboxSendsPerDelivery(api)).values()].filter((n) => n > 1).length;

      stopping = true;
      herald.child.kill('SIGTERM');
      assert.notEqual(await herald.exited, 1, `a clean close (Nest re-raises SIGTERM), not the grace-period watchdog: ${herald.output().slice(-2000)}`);
      // What was answered 202 is exactly what the log holds; nothing refused is there.
      assert.deepEqual(decidedInLog(dataDir), new Set(ids));
      assert.equal(new Set(ids).size, accepted.size, 'one notification per idempotency key');
      assert.ok(refused.size > 0, 'requests during the fault were refused');
      assert.ok(profileUpdatesDuringFault > 0);
      assert.ok(errorsLogged.length > 0, 'the 503s came from SQLite refusing the write');
      const fiveXx = [...statuses].filter(([s]) => s >= 500 && s !== 503).reduce((sum, [, c]) => sum + c, 0);
      report({
        scenario: fault.name,
        profile: 'embedded',
        notifications: accepted.size,
        lost,
        duplicates,
        fiveXx,
        maxLatencyMs: Math.round(maxLatency),
        note: `answers ${[...statuses].map(([s, c]) => `${s}×${c}`).join(', ')}; refused then retried ${refused.size} (stored despite the 503: ${storedDespite503}); SQLite said "${errorsLogged[0]}"`,
      });
    });
  }
});
