import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Api } from '../support/app.js';
import { queueProfiles, startProviderFakes } from '../support/fakes.js';
import { freePort, spawnHerald } from '../support/process.js';
import { eventually, tempDir } from '../support/temp.js';

const USERS = 100;
const PER_USER = 20;

for (const profile of queueProfiles()) {
  describe(`a worker killed mid-run loses nothing (${profile.name} profile)`, () => {
    it(`SIGKILL of the worker process during ${USERS * PER_USER} notifications, then restart`, { timeout: 180_000 }, async (t) => {
      const fakes = await startProviderFakes(t);
      fakes.mailgun.setDelay(2);
      const dataDir = tempDir(t);
      const apiPort = await freePort();
      const env = {
        ...fakes.env,
        ...profile.env(),
        DATA_DIR: dataDir,
        RATE_LIMIT_EMAIL: '1000/1h',
        RATE_LIMIT_SMS: '1000/1d',
        CONTENT_DEDUP_WINDOW: '0s',
        RETRY_BASE_DELAY: '100ms',
        CLIENT_RATE_LIMIT: '100000',
      };
      await spawnHerald(t, { ...env, PORT: String(apiPort), HERALD_ROLES: 'api,dispatcher,projector' });
      const anonymous = new Api(`http://127.0.0.1:${apiPort}`);
      await eventually(async () => ((await anonymous.get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 20_000);
      const api = anonymous.as(JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8')));
      for (let u = 0; u < USERS; u++) await api.put(`/v1/users/user-${u}`, { email: `user-${u}@example.com`, phone: '+447700900123' });

      // A short job lease: the killed worker's in-flight jobs are taken over seconds after the kill.
      const workerEnv = { ...env, HERALD_ROLES: 'worker', JOB_LEASE: '3s' };
      const worker = await spawnHerald(t, { ...workerEnv, PORT: String(await freePort()) });

      const accepted: { notificationId: string; deliveryIds: string[] }[] = [];
      for (let batch = 0; batch < (USERS * PER_USER) / 1000; batch++) {
        const notifications = Array.from({ length: 1000 }, (_, i) => {
          const n = batch * 1000 + i;
          return { userId: `user-${n % USERS}`, category: 'orders', channels: n % 10 === 0 ? ['sms'] : ['email'], content: { subject: `Order ${n}`, text: `Order ${n} shipped` } };
        });
        const res = await api.post('/v1/notifications/batch', { notifications });
        assert.equal(res.status, 200);
        for (const r of res.body.results) {
          assert.equal(r.statusCode, 202, JSON.stringify(r));
          accepted.push({ notificationId: r.notificationId, deliveryIds: r.deliveries.map((d: { deliveryId: string }) => d.deliveryId) });
        }
      }
      const total = accepted.length;
      const received = () => new Set([...fakes.mailgun.requests.map((r) => r.deliveryId), ...fakes.vonage.requests.map((r) => r.clientRef)]).size;

      // Kill the worker once some, but not all, deliveries reached the providers.
      await eventually(() => (received() >= total / 4 ? true : undefined), 60_000, 'a quarter delivered');
      worker.child.kill('SIGKILL');
      await worker.exited;
      const atKill = received();
      assert.ok(atKill < total, `the kill came mid-run (${atKill}/${total})`);
      const killedAt = Date.now();
      await spawnHerald(t, { ...workerEnv, PORT: String(await freePort()) });

      await eventually(() => (received() === total ? true : undefined), 120_000, 'every delivery at a provider');
      const recoveredInMs = Date.now() - killedAt;
      // Every notification ends sent, as the read model reports.
      const statuses = await eventually(async () => {
        const views = await Promise.all(accepted.map((a) => api.get(`/v1/notifications/${a.notificationId}`)));
        const done = views.filter((v) => v.body.status === 'sent').length;
        return done === total ? views : undefined;
      }, 60_000, 'every notification sent');
      assert.equal(statuses.length, total);
      // At most twice at the provider, and a duplicate carries the same delivery id.
      const counts = new Map<string, number>();
      for (const id of [...fakes.mailgun.requests.map((r) => r.deliveryId), ...fakes.vonage.requests.map((r) => r.clientRef)]) counts.set(id!, (counts.get(id!) ?? 0) + 1);
      const duplicates = [...counts.values()].filter((c) => c > 1).length;
      assert.ok([...counts.values()].every((c) => c <= 2), 'no delivery reached a provider more than twice');
      const expected = new Set(accepted.flatMap((a) => a.deliveryIds));
      assert.deepEqual(new Set(counts.keys()), expected, 'exactly the accepted deliveries, no stranger');
      console.log(`# worker crash (${profile.name}): ${total} notifications, killed at ${atKill} delivered, lost 0, duplicates ${duplicates}, all delivered ${recoveredInMs} ms after the kill (JOB_LEASE 3s)`);
    });
  });
}
