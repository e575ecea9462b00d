import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { EventStoreDbEventStore } from '../../src/modules/event-store/eventstoredb-event-store.js';
import { startEventStoreDbFake } from '../fakes/eventstoredb-fake.js';
import { apnsToken, createUser, notificationFinished, startApp, type Api } from '../support/app.js';
import { startProviderFakes } from '../support/fakes.js';
import { eventually } from '../support/temp.js';

/**
 * Herald on EVENT_STORE=eventstoredb, over HTTP, end to end: always against the wire-level fake
 * (the real client and adapter over gRPC), and against a real server when EVENTSTORE_URL is set.
 */
interface Target {
  name: string;
  /** Starts (or reaches) an empty node for one test; null when the test cannot run on it. */
  start(t: TestContext): Promise<{ url: string; restart?: (downMs: number) => Promise<void> } | null>;
}

const targets: Target[] = [
  {
    name: 'wire-level fake',
    start: async (t) => {
      const fake = await startEventStoreDbFake();
      t.after(() => fake.stop());
      return { url: fake.url, restart: (downMs) => fake.restart(downMs) };
    },
  },
];
const realUrl = process.env.EVENTSTORE_URL;
if (realUrl) {
  targets.push({
    name: 'EventStoreDB at EVENTSTORE_URL',
    start: async (t) => {
      // Herald's first start creates its admin client only on an empty log.
      const store = new EventStoreDbEventStore(realUrl);
      const [any] = await store.readAll({ maxCount: 1 }).finally(() => store.close());
      if (any) {
        t.skip('EVENTSTORE_URL holds events already: this suite needs an empty node (a fresh container started with --mem-db)');
        return null;
      }
      return { url: realUrl };
    },
  });
} else {
  console.log('# SKIPPED: the EventStoreDB e2e suite against a real server (set EVENTSTORE_URL to an empty node to run it)');
}

const FAST = { RETRY_BASE_DELAY: '100ms', RETRY_MAX_DELAY: '1s', BREAKER_MIN_CALLS: '1000', CONTENT_DEDUP_WINDOW: '0s', RATE_LIMIT_PUSH: '1000/1h', RATE_LIMIT_SMS: '1000/1d', RATE_LIMIT_EMAIL: '1000/1h' };

const finished = (api: Api, id: string, timeoutMs = 20_000) => notificationFinished(api, id, timeoutMs);

for (const target of targets) {
  describe(`Herald on EventStoreDB (${target.name})`, () => {
    it('delivers on every channel, answers a repeated idempotency key with the original, keeps the audit trail and the user’s opt-out across a restart', { timeout: 90_000 }, async (t) => {
      const node = await target.start(t);
      if (!node) return;
      const fakes = await startProviderFakes(t);
      const env = { ...fakes.env, ...FAST, EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: node.url };
      const first = await startApp(t, env);
      const api = first.api;
      const user = `ada-${randomUUID().slice(0, 8)}`;
      await createUser(api, user, { email: 'ada@example.com', phone: '+447700900123' });
      assert.equal((await api.post(`/v1/users/${user}/devices`, { platform: 'ios', token: apnsToken(7) })).status, 201);

      const body = { userId: user, category: 'orders', idempotencyKey: 'order-1', content: { title: 'Shipped', body: 'On its way', subject: 'Your order', text: 'It is on its way' } };
      const sent = await api.post('/v1/notifications', body);
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
      const view = await finished(api, sent.body.notificationId);
      assert.equal(view.status, 'sent');
      assert.deepEqual(view.deliveries.map((d: { queue: string }) => d.queue).sort(), ['apns', 'email', 'sms']);
      assert.equal(fakes.apns.requests.filter((r) => r.status === 200).length, 1);
      assert.equal(fakes.vonage.requests.length, 1);
      assert.equal(fakes.mailgun.requests.length, 1);

      const again = await api.post('/v1/notifications', body);
      assert.equal(again.status, 200, 'a repeated idempotency key is answered with the original');
      assert.equal(again.body.notificationId, sent.body.notificationId);

      const timeline = await api.get(`/v1/notifications/${sent.body.notificationId}/timeline`);
      assert.deepEqual(timeline.body.events.map((e: { type: string }) => e.type).sort(), ['NotificationRequested', 'NotificationSent', 'NotificationSent', 'NotificationSent']);
      const positions = (await api.get(`/v1/users/${user}/timeline`)).body.events.map((e: { position: string }) => BigInt(e.position));
      assert.deepEqual([...positions].sort((a, b) => (a < b ? -1 : 1)), positions, 'the user’s timeline is in log order');

      assert.equal((await api.put(`/v1/users/${user}/preferences`, { channels: { sms: false } })).status, 200);
      await first.close();

      // A new process on the same store: its actors start empty and load the user from the log.
      const second = await startApp(t, { ...env, DATA_DIR: first.dataDir });
      const later = await second.api.post('/v1/notifications', { ...body, idempotencyKey: 'order-2' });
      assert.equal(later.status, 202);
      assert.deepEqual(later.body.suppressed.map((s: { channel: string; reason: string }) => [s.channel, s.reason]), [['sms', 'opted_out']]);
      assert.equal((await finished(second.api, later.body.notificationId)).status, 'sent');
      assert.equal(fakes.vonage.requests.length, 1, 'no SMS after the opt-out');
      assert.equal((await second.api.post('/v1/notifications', body)).body.notificationId, sent.body.notificationId, 'the first key still answers after the restart');
    });

    it('while the node is down, requests get 503 (never a 500), and everything accepted before and after is delivered once', { timeout: 90_000 }, async (t) => {
      const node = await target.start(t);
      if (!node) return;
      if (!node.restart) return t.skip('a real node cannot be stopped from the test');
      const fakes = await startProviderFakes(t);
      const { api } = await startApp(t, { ...fakes.env, ...FAST, EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: node.url });
      await createUser(api, 'grace', { email: 'grace@example.com' });
      const send = (i: number) => api.post('/v1/notifications', { userId: 'grace', category: 'orders', channels: ['email'], content: { subject: `n${i}`, text: `t${i}` } });
      const accepted: string[] = [];
      for (let i = 0; i < 10; i++) accepted.push((await send(i)).body.notificationId);

      const answers: { status: number; body: unknown }[] = [];
      const outage = node.restart(3_000);
      // Requests keep coming while the node is away.
      for (let i = 10; i < 40; i++) {
        const res = await send(i);
        answers.push({ status: res.status, body: res.body });
        if (res.status === 202) accepted.push(res.body.notificationId);
        await new Promise((r) => setTimeout(r, 100));
      }
      await outage;
      const statuses = answers.map((a) => a.status);
      assert.ok(statuses.includes(503), `some requests met the outage: ${statuses.join(',')}`);
      assert.deepEqual(answers.filter((a) => a.status !== 202 && a.status !== 503), [], 'every answer is 202 or 503');

      const after = await eventually(async () => {
        const res = await send(99);
        return res.status === 202 ? res : undefined;
      }, 15_000, 'the API to accept again once the node is back');
      accepted.push(after.body.notificationId);
      for (const id of accepted) assert.equal((await finished(api, id, 30_000)).status, 'sent', `notification ${id}`);
      const delivered = new Set(fakes.mailgun.requests.map((r) => r.deliveryId));
      assert.equal(delivered.size, accepted.length, 'each accepted notification reached Mailgun');
    });
  });
}
