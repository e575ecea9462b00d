import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { Api, sandboxSendsPerDelivery } from '../support/app.js';
import { freePort, runCli, spawnHerald } from '../support/process.js';
import { queueProfiles } from '../support/profiles.js';
import { eventually, tempDir } from '../support/temp.js';
import { report } from './report.js';

const TOTAL = 5000;
const KILLS = 5;
const BATCH = 100;
const USERS = 50;

function rows(file: string) {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return {
      notifications: db.prepare('SELECT notification_id, user_id, category, status, suppressed, stream_revision FROM notifications ORDER BY notification_id').all(),
      deliveries: db.prepare('SELECT delivery_id, status, attempts, provider, failure_reason FROM deliveries ORDER BY delivery_id').all(),
    };
  } finally {
    db.close();
  }
}

for (const profile of queueProfiles()) {
  describe(`crash anywhere (${profile.name})`, () => {
    it(`${TOTAL} notifications while Herald is SIGKILLed ${KILLS} times: every one ends, none lost, duplicates at most twice with the same delivery id`, { timeout: 300_000 }, async (t) => {
      const dataDir = tempDir(t);
      const port = await freePort();
      const env = { ...profile.env(), DATA_DIR: dataDir, PORT: String(port), RATE_LIMIT_EMAIL: '100000/1h', RATE_LIMIT_SMS: '100000/1d', CONTENT_DEDUP_WINDOW: '0s', CLIENT_RATE_LIMIT: '100000', RETRY_BASE_DELAY: '100ms' };
      let herald = await spawnHerald(t, env);
      const anonymous = new Api(`http://127.0.0.1:${port}`);
      const ready = () => eventually(async () => ((await anonymous.get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 30_000, 'herald to start');
      await ready();
      const api = anonymous.as(JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8')));
      for (let u = 0; u < USERS; u++) await api.put(`/v1/users/c${u}`, { email: `c${u}@example.com`, phone: '+447700900123' });

      // The client retries a failed batch with the same idempotency keys, as a careful service would.
      const accepted = new Map<string, string>();
      let fiveXx = 0;
      let maxLatency = 0;
      const load = (async () => {
        for (let start = 0; start < TOTAL; start += BATCH) {
          const notifications = Array.from({ length: BATCH }, (_, i) => {
            const n = start + i;
            return { userId: `c${n % USERS}`, category: 'orders', channels: [n % 5 === 0 ? 'sms' : 'email'], content: { subject: `n${n}`, text: `n${n}` }, idempotencyKey: `k${n}` };
          });
          for (;;) {
            const began = performance.now();
            const res = await api.post('/v1/notifications/batch', { notifications }).catch(() => null);
            maxLatency = Math.max(maxLatency, performance.now() - began);
            if (res?.status === 200 && res.body.results.every((r: { statusCode: number }) => r.statusCode === 202 || r.statusCode === 200)) {
              res.body.results.forEach((r: { notificationId: string }, i: number) => accepted.set(notifications[i]!.idempotencyKey, r.notificationId));
              break;
            }
            if (res && res.status >= 500 && res.status !== 503) fiveXx += 1;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      })();

      for (let k = 0; k < KILLS; k++) {
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
        herald.child.kill('SIGKILL');
        await herald.exited;
        herald = await spawnHerald(t, env);
        await ready();
      }
      await load;
      assert.equal(accepted.size, TOTAL);
      const ids = [...new Set(accepted.values())];
      assert.equal(ids.length, TOTAL, 'one notification per idempotency key, across crashes');

      const views = await eventually(async () => {
        const all = await Promise.all(ids.map((id) => api.get(`/v1/notifications/${id}`)));
        return all.every((v) => ['sent', 'failed', 'partially_sent'].includes(v.body.status)) ? all : undefined;
      }, 180_000, 'every notification to reach a terminal outcome');
      const lost = views.filter((v) => v.status !== 200).length;

      const perDelivery = await sandboxSendsPerDelivery(api);
      const expected = new Set(views.flatMap((v) => v.body.deliveries.map((d: { deliveryId: string }) => d.deliveryId)));
      assert.deepEqual(new Set(perDelivery.keys()), expected, 'every delivery reached the provider');
      assert.ok([...perDelivery.values()].every((n) => n <= 2), 'no delivery reached the provider more than twice');
      const duplicates = [...perDelivery.values()].filter((n) => n > 1).length;

      // The read model equals a rebuild from the log.
      herald.child.kill('SIGTERM');
      await herald.exited;
      const file = join(dataDir, 'read-models.db');
      const before = rows(file);
      const rebuilt = await runCli(['projections', 'rebuild', 'notification_status'], { DATA_DIR: dataDir });
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      assert.deepEqual(rows(file), before);
      assert.equal(lost, 0);
      assert.equal(fiveXx, 0);
      report({ scenario: `crash anywhere (${KILLS} x SIGKILL)`, profile: profile.name, notifications: TOTAL, lost, duplicates, fiveXx, maxLatencyMs: Math.round(maxLatency) });
    });
  });
}
