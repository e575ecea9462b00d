import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Api } from '../support/app.js';
import { startProviderFakes } from '../support/fakes.js';
import { freePort, spawnHerald } from '../support/process.js';
import { queueProfiles } from '../support/profiles.js';
import { eventually, tempDir } from '../support/temp.js';
import { report } from './report.js';

for (const profile of queueProfiles()) {
  describe(`graceful shutdown (${profile.name})`, () => {
    it('SIGTERM during load finishes in-flight provider calls, records them, and exits within the grace period', { timeout: 120_000 }, async (t) => {
      const fakes = await startProviderFakes(t);
      fakes.mailgun.setDelay(800);
      const dataDir = tempDir(t);
      const port = await freePort();
      const env = { ...fakes.env, ...profile.env(), DATA_DIR: dataDir, PORT: String(port), SHUTDOWN_GRACE: '10s', RATE_LIMIT_EMAIL: '10000/1h', CONTENT_DEDUP_WINDOW: '0s', EMAIL_CONCURRENCY: '8' };
      const herald = await spawnHerald(t, env);
      const anonymous = new Api(`http://127.0.0.1:${port}`);
      // A cold start on a machine busy with other test files has taken over 20 s.
      const ready = () => eventually(async () => ((await anonymous.get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 45_000, 'herald to be ready');
      await ready();
      const api = anonymous.as(JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8')));
      await api.put('/v1/users/ada', { email: 'ada@example.com' });
      const res = await api.post('/v1/notifications/batch', { notifications: Array.from({ length: 60 }, (_, i) => ({ userId: 'ada', category: 'c', channels: ['email'], content: { subject: `s${i}`, text: 't' } })) });
      const ids: string[] = res.body.results.map((r: { notificationId: string }) => r.notificationId);
      await eventually(() => (fakes.mailgun.requests.length >= 8 ? true : undefined), 20_000, 'calls in flight');
      const signalled = Date.now();
      herald.child.kill('SIGTERM');
      const code = await herald.exited;
      const took = Date.now() - signalled;
      assert.ok(took < 10_000, `exited in ${took} ms`);
      assert.notEqual(code, 1, 'a clean close (Nest re-raises SIGTERM), not the grace-period watchdog');
      const atExit = fakes.mailgun.requests.length;

      await spawnHerald(t, env);
      await ready();
      await eventually(async () => {
        const views = await Promise.all(ids.map((id) => api.get(`/v1/notifications/${id}`)));
        return views.every((v) => v.body.status === 'sent') ? true : undefined;
      }, 60_000, 'every notification sent after the restart');
      const counts = new Map<string, number>();
      for (const r of fakes.mailgun.requests) counts.set(r.deliveryId!, (counts.get(r.deliveryId!) ?? 0) + 1);
      const duplicates = [...counts.values()].filter((c) => c > 1).length;
      assert.equal(counts.size, 60);
      assert.equal(duplicates, 0, 'in-flight calls were recorded before exit, so none was repeated');
      report({ scenario: 'graceful shutdown (SIGTERM)', profile: profile.name, notifications: 60, lost: 0, duplicates, fiveXx: 0, maxLatencyMs: took, note: `${atExit} provider calls before exit; exit took ${took} ms` });
    });
  });
}
