import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser, startApp, type Api } from '../support/app.js';
import { queueProfiles } from '../support/fakes.js';
import { sample } from '../support/metrics.js';
import { eventually } from '../support/temp.js';

/** Short, so a window ends within the test; the flush job is delayed by the queue, not by the test. */
const POLICIES = JSON.stringify({
  orders: { digest: { window: '2s', channels: ['email'], template: 'orders-digest' } },
  social: { digest: { window: '1h', channels: ['email'], template: 'orders-digest', maxItems: 2 } },
});
const DIGEST_TEMPLATE = {
  id: 'orders-digest',
  defaultLocale: 'en',
  channels: { email: { en: { subject: '{{ count }} order updates', text: '{% for item in items %}[{{ item.content.text }}]{% endfor %} from {{ firstAt }} to {{ lastAt }}' } } },
};

interface OutboxEntry {
  deliveryId: string;
  notificationId: string;
  message: { subject?: string; text?: string };
}

const send = (api: Api, text: string, category = 'orders') => api.post('/v1/notifications', { userId: 'ada', category, content: { subject: text, text } });

async function outbox(api: Api): Promise<OutboxEntry[]> {
  const page = await api.get<{ entries: OutboxEntry[] }>('/v1/sandbox/outbox?limit=1000&userId=ada');
  return page.body.entries;
}

/** Polls an item's status view until `done` says so. */
const viewUntil = (api: Api, id: string, done: (view: any) => boolean, what: string, timeoutMs = 15_000) =>
  eventually(async () => {
    const view = (await api.get(`/v1/notifications/${id}`)).body;
    return done(view) ? view : undefined;
  }, timeoutMs, what);

describe('digests over HTTP', { concurrency: true }, () => {
  for (const profile of queueProfiles()) {
    it(`(${profile.name} queue) items in one window are sent as one digest delivery, a canceled item left out, each item traceable to it`, async (t) => {
      const { api } = await startApp(t, { ...profile.env(), CATEGORY_POLICIES: POLICIES });
      assert.equal((await api.post('/v1/templates', DIGEST_TEMPLATE)).status, 201);
      await createUser(api, 'ada', { email: 'ada@example.com' });

      const receipts = [];
      for (const text of ['first', 'second', 'third']) {
        const res = await send(api, text);
        assert.equal(res.status, 202, JSON.stringify(res.body));
        receipts.push(res.body);
      }
      const digestId: string = receipts[0].digested.digestId;
      assert.match(digestId, /^dg-/);
      for (const r of receipts) {
        assert.equal(r.status, 'accepted');
        assert.deepEqual(r.deliveries, [], 'no delivery of its own');
        assert.deepEqual([r.digested.digestId, r.digested.channels], [digestId, ['email']]);
      }
      const [first, second, third] = receipts.map((r) => r.notificationId as string);

      const waiting = (await api.get(`/v1/notifications/${first}`)).body;
      assert.equal(waiting.status, 'digested');
      assert.equal(waiting.digest.digestId, digestId);
      assert.equal(waiting.digest.status, 'open');
      const canceled = await api.delete(`/v1/notifications/${second}`);
      assert.equal(canceled.status, 200, JSON.stringify(canceled.body));
      assert.deepEqual(canceled.body, { notificationId: second, canceled: [], removedFromDigest: digestId });

      // The window ends 2 s after the first item; the flush job and the delivery follow.
      const sent = await viewUntil(api, first, (v) => v.status === 'sent', 'the digest to be sent');
      assert.equal(sent.digest.status, 'flushed');
      assert.equal(sent.digest.itemCount, 2);
      assert.deepEqual(sent.digest.deliveries.map((d: { deliveryId: string; status: string }) => [d.deliveryId, d.status]), [[`${digestId}.1`, 'sent']]);
      assert.equal((await api.get(`/v1/notifications/${third}`)).body.status, 'sent');
      const removed = (await api.get(`/v1/notifications/${second}`)).body;
      assert.equal(removed.status, 'canceled');
      assert.deepEqual(removed.digest.deliveries, [], 'not carried by the digest');

      const entries = (await outbox(api)).filter((e) => e.notificationId === digestId);
      assert.equal(entries.length, 1, 'one digest delivery');
      assert.equal(entries[0]!.message.subject, '2 order updates');
      assert.match(entries[0]!.message.text!, /^\[first\]\[third\] from \S+ to \S+$/);
      assert.equal((await outbox(api)).length, 1, 'no item was sent on its own');

      // The digest's own id shows its deliveries; the app may report engagement with it.
      const digestView = (await api.get(`/v1/notifications/${digestId}`)).body;
      assert.deepEqual([digestView.status, digestView.deliveries.length, digestView.digest.itemCount], ['sent', 1, 2]);
      const opened = await api.post('/v1/events', { notificationId: digestId, deliveryId: `${digestId}.1`, type: 'opened' });
      assert.equal(opened.status, 202, JSON.stringify(opened.body));

      const explained = (await api.get(`/v1/notifications/${third}/explain`)).body;
      assert.equal(explained.channels.length, 1);
      const channel = explained.channels[0];
      assert.deepEqual([channel.channel, channel.decision, channel.delivered], ['email', 'digested', true]);
      assert.deepEqual([channel.digest.digestId, channel.digest.status, channel.digest.position, channel.digest.itemCount], [digestId, 'flushed', 2, 2]);
      assert.deepEqual(channel.digest.deliveries.map((d: { deliveryId: string; outcome: string }) => [d.deliveryId, d.outcome]), [[`${digestId}.1`, 'NotificationSent']]);
      assert.ok(channel.digest.deliveries[0].engagement.opened, 'the digest delivery’s engagement');
      assert.match(channel.explanation, new RegExp(`sent in digest ${digestId} \\(item 2 of 2`));
      const removedExplained = (await api.get(`/v1/notifications/${second}/explain`)).body.channels[0];
      assert.deepEqual([removedExplained.decision, removedExplained.delivered, removedExplained.digest.status], ['digested', false, 'removed']);

      const timeline = (await api.get(`/v1/notifications/${third}/timeline`)).body;
      assert.deepEqual(timeline.events.map((e: { type: string }) => e.type), ['NotificationRequested', 'DigestFlushed', 'NotificationSent', 'NotificationOpened']);
      const flushedEvent = timeline.events.find((e: { type: string }) => e.type === 'DigestFlushed');
      assert.deepEqual(flushedEvent.digest, { digestId, reason: 'window_ended', count: 2, deliveries: [`${digestId}.1`] });
      const userTimeline = (await api.get('/v1/users/ada/timeline')).body.events.map((e: { type: string }) => e.type);
      assert.deepEqual(userTimeline.filter((type: string) => type.startsWith('Digest') || type === 'NotificationSent'), ['DigestOpened', 'DigestItemRemoved', 'DigestFlushed', 'NotificationSent']);

      const today = new Date().toISOString().slice(0, 10);
      const summary = await eventually(async () => {
        const res = await api.get(`/v1/analytics/summary?from=${today}&to=${today}&groupBy=channel`);
        const email = res.body.groups.find((g: { channel: string }) => g.channel === 'email');
        return email?.sent === 1 ? email : undefined;
      }, 10_000, 'the analytics to count the digest as sent');
      assert.deepEqual([summary.digested, summary.digests, summary.requested], [3, 1, 1]);

      // Counted by the dispatcher as it reads the flush, which may trail the delivery.
      await eventually(async () => {
        const text = (await api.as(undefined).get<string>('/metrics')).body;
        return sample(text, 'herald_digests_flushed_total', { reason: 'window_ended', outcome: 'sent' }) === 1 ? true : undefined;
      }, 10_000, 'the flush to be counted');

      // After the flush, the next item opens a new window; an item of a sent digest cannot be canceled.
      const next = await send(api, 'fourth');
      assert.notEqual(next.body.digested.digestId, digestId);
      assert.equal((await api.delete(`/v1/notifications/${third}`)).status, 409);
    });

    it(`(${profile.name} queue) a window whose items were all canceled sends nothing; a full window is sent at once`, async (t) => {
      const { api } = await startApp(t, { ...profile.env(), CATEGORY_POLICIES: POLICIES });
      assert.equal((await api.post('/v1/templates', DIGEST_TEMPLATE)).status, 201);
      await createUser(api, 'ada', { email: 'ada@example.com' });

      const only = (await send(api, 'only')).body;
      assert.equal((await api.delete(`/v1/notifications/${only.notificationId}`)).status, 200);
      const closed = await viewUntil(api, only.notificationId, (v) => v.digest.status === 'empty', 'the empty digest to close');
      assert.deepEqual([closed.status, closed.digest.itemCount, closed.digest.deliveries], ['canceled', 0, []]);

      // maxItems 2 and an hour's window: the second item sends the digest.
      const a = (await send(api, 'a', 'social')).body;
      const b = (await send(api, 'b', 'social')).body;
      assert.equal(a.digested.digestId, b.digested.digestId);
      const sent = await viewUntil(api, a.notificationId, (v) => v.status === 'sent', 'the full digest to be sent');
      assert.equal(sent.digest.itemCount, 2);
      const entries = await outbox(api);
      assert.deepEqual(entries.map((e) => [e.notificationId, e.message.subject]), [[a.digested.digestId, '2 order updates']], 'only the full digest was sent');
      const metrics = await eventually(async () => {
        const text = (await api.as(undefined).get<string>('/metrics')).body;
        return sample(text, 'herald_digests_flushed_total', { reason: 'max_items', outcome: 'sent' }) === 1 ? text : undefined;
      }, 10_000, 'the full digest to be counted');
      assert.equal(sample(metrics, 'herald_digests_flushed_total', { reason: 'window_ended', outcome: 'empty' }), 1);
    });
  }
});
