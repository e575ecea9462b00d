import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser, startApp } from '../support/app.js';
import { queueProfiles } from '../support/profiles.js';
import { eventually } from '../support/temp.js';
import { report } from './report.js';

/**
 * "After" the opt-out means: any delivery whose provider call starts after the
 * PreferencesUpdated event is in the log. Workers re-read the user's stream right before each
 * provider call, so such a delivery ends failed/opted_out instead of being sent.
 */
for (const profile of queueProfiles()) {
  describe(`opt-out race (${profile.name})`, () => {
    it('a user opts out while 1,000 of their notifications are queued: none is sent on that channel', { timeout: 120_000 }, async (t) => {
      const { api } = await startApp(t, { ...profile.env(), RATE_LIMIT_EMAIL: '100000/1h', CONTENT_DEDUP_WINDOW: '0s', CLIENT_RATE_LIMIT: '100000' });
      await createUser(api, 'ada', { email: 'ada@example.com' });
      // Far enough ahead that the batch and the opt-out are both in before it, even on a loaded machine (8 s was not, once).
      const sendAt = new Date(Date.now() + 20_000).toISOString();
      const res = await api.post('/v1/notifications/batch', {
        notifications: Array.from({ length: 1000 }, (_, i) => ({ userId: 'ada', category: 'news', channels: ['email'], content: { subject: `n${i}`, text: 'x' }, sendAt })),
      });
      const ids = res.body.results.map((r: { notificationId: string }) => r.notificationId);
      assert.equal(ids.length, 1000);
      assert.equal((await api.put('/v1/users/ada/preferences', { channels: { email: false } })).status, 200);
      assert.ok(Date.now() < Date.parse(sendAt), 'the opt-out landed before the scheduled time');
      const views = await eventually(async () => {
        const all = await Promise.all(ids.map((id: string) => api.get(`/v1/notifications/${id}`)));
        return all.every((v) => ['sent', 'failed'].includes(v.body.status)) ? all : undefined;
      }, 90_000, 'every delivery to end');
      assert.deepEqual([...new Set(views.map((v) => v.body.status))], ['failed']);
      assert.ok(views.every((v) => v.body.deliveries[0].failureReason === 'opted_out'));
      const outbox = await api.get('/v1/sandbox/outbox?userId=ada&limit=1000');
      assert.equal(outbox.body.entries.length, 0, 'nothing reached the provider');
      report({ scenario: 'opt-out race', profile: profile.name, notifications: 1000, lost: 0, duplicates: 0, fiveXx: 0, maxLatencyMs: 0, note: 'sent after opt-out: 0' });
    });
  });
}
