import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apnsToken, createUser, startApp, type Api } from '../support/app.js';
import { eventually } from '../support/temp.js';

async function userWithEverything(api: Api, userId: string): Promise<void> {
  await createUser(api, userId);
  await api.post(`/v1/users/${userId}/devices`, { platform: 'ios', token: apnsToken(1) });
  await api.post(`/v1/users/${userId}/devices`, { platform: 'android', token: `fcm-${userId}-token-0123456789` });
}

const send = (api: Api, body: Record<string, unknown>) => api.post('/v1/notifications', { category: 'orders', content: { title: 'Hi', body: `msg ${Math.random()}` }, ...body });

describe('notification requests over HTTP', () => {
  it('accepts a request with one delivery per target, and shows it', async (t) => {
    const { api } = await startApp(t);
    await userWithEverything(api, 'u1');
    const res = await send(api, { userId: 'u1', priority: 'high' });
    assert.equal(res.status, 202);
    assert.equal(res.body.status, 'accepted');
    assert.deepEqual(res.body.deliveries.map((d: { queue: string }) => d.queue), ['apns', 'fcm', 'sms', 'email']);
    const got = await api.get(`/v1/notifications/${res.body.notificationId}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.priority, 'high');
    assert.equal(got.body.requestedBy, api.credentials!.appKey);
    assert.equal(got.body.deliveries.length, 4);
    // Without provider credentials every channel goes to the sandbox outbox.
    const done = await eventually(async () => {
      const view = (await api.get(`/v1/notifications/${res.body.notificationId}`)).body;
      return view.status === 'sent' ? view : undefined;
    });
    assert.deepEqual(done.deliveries.map((d: { provider: string }) => d.provider), ['sandbox', 'sandbox', 'sandbox', 'sandbox']);
    const outbox = await api.get(`/v1/sandbox/outbox?notificationId=${res.body.notificationId}`);
    assert.equal(outbox.body.entries.length, 4);
    assert.equal((await api.get('/v1/notifications/00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await api.get('/v1/notifications/not-a-uuid')).status, 400);
  });

  it('accepts a scheduled template request', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'u1');
    assert.equal((await api.post('/v1/templates', { id: 'order-shipped', defaultLocale: 'en', channels: { email: { en: { subject: 'Order {{ order }}' } } } })).status, 201);
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await api.post('/v1/notifications', { userId: 'u1', category: 'orders', channels: ['email'], template: { id: 'order-shipped', params: { order: 42 } }, sendAt });
    assert.equal(res.status, 202);
    const got = await api.get(`/v1/notifications/${res.body.notificationId}`);
    assert.equal(got.body.templateId, 'order-shipped');
    assert.equal(got.body.sendAt, sendAt);
    assert.equal(got.body.deliveries[0].status, 'scheduled');
  });

  it('refuses content and template together, or neither', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'u1');
    const both = await api.post('/v1/notifications', { userId: 'u1', category: 'x', content: { text: 'a' }, template: { id: 't' } });
    assert.equal(both.status, 400);
    const neither = await api.post('/v1/notifications', { userId: 'u1', category: 'x' });
    assert.equal(neither.status, 400);
    assert.equal(neither.body.errors[0].field, 'content');
  });

  it('404 for an unknown user', async (t) => {
    const { api } = await startApp(t);
    const res = await send(api, { userId: 'ghost' });
    assert.equal(res.status, 404);
  });

  it('suppresses with each reason: opted_out, no_target, duplicate, rate_limited', async (t) => {
    const { api } = await startApp(t, { RATE_LIMIT_EMAIL: '2/1h' });
    await createUser(api, 'u1', { email: 'u1@example.com' });
    await api.put('/v1/users/u1/preferences', { categories: [{ category: 'marketing', channels: { email: false } }] });

    const optedOut = await send(api, { userId: 'u1', category: 'marketing', channels: ['email'] });
    assert.equal(optedOut.status, 202);
    assert.equal(optedOut.body.status, 'suppressed');
    assert.deepEqual(optedOut.body.suppressed, [{ channel: 'email', reason: 'opted_out', detail: { level: 'category_channel', category: 'marketing' } }]);

    const noTarget = await send(api, { userId: 'u1', channels: ['sms', 'email'] });
    assert.equal(noTarget.body.status, 'accepted', 'partly suppressed delivers the rest');
    assert.deepEqual(noTarget.body.suppressed.map((s: { reason: string }) => s.reason), ['no_target']);
    assert.deepEqual(noTarget.body.deliveries.map((d: { channel: string }) => d.channel), ['email']);

    const content = { title: 'same', body: 'same' };
    const original = await api.post('/v1/notifications', { userId: 'u1', category: 'orders', channels: ['email'], content });
    assert.equal(original.body.status, 'accepted');
    const dup = await api.post('/v1/notifications', { userId: 'u1', category: 'orders', channels: ['email'], content });
    assert.deepEqual(dup.body.suppressed, [{ channel: 'email', reason: 'duplicate', detail: { duplicateOf: original.body.notificationId, windowSeconds: 300 } }]);

    const limited = await send(api, { userId: 'u1', channels: ['email'] });
    assert.equal(limited.body.status, 'suppressed');
    assert.deepEqual(limited.body.suppressed[0], { channel: 'email', reason: 'rate_limited', detail: { limit: 2, windowSeconds: 3600, count: 2 } });

    const shown = await api.get(`/v1/notifications/${limited.body.notificationId}`);
    assert.equal(shown.body.status, 'suppressed');
    assert.equal(shown.body.suppressed[0].reason, 'rate_limited');
  });

  it('critical categories bypass rate limits', async (t) => {
    const { api } = await startApp(t, { RATE_LIMIT_SMS: '1/1d', CATEGORY_POLICIES: JSON.stringify({ security: { critical: true } }) });
    await createUser(api, 'u1');
    assert.equal((await send(api, { userId: 'u1', channels: ['sms'] })).body.status, 'accepted');
    assert.equal((await send(api, { userId: 'u1', channels: ['sms'] })).body.status, 'suppressed');
    assert.equal((await send(api, { userId: 'u1', category: 'security', channels: ['sms'] })).body.status, 'accepted');
  });

  it('a repeated idempotency key answers 200 with the original', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'u1');
    const first = await send(api, { userId: 'u1', idempotencyKey: 'order-42-shipped' });
    assert.equal(first.status, 202);
    const second = await send(api, { userId: 'u1', idempotencyKey: 'order-42-shipped' });
    assert.equal(second.status, 200);
    assert.equal(second.body.duplicate, true);
    assert.equal(second.body.notificationId, first.body.notificationId);
    assert.deepEqual(second.body.deliveries, first.body.deliveries);
  });

  it('a batch decides each item on its own; 1,001 items is refused whole', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'u1');
    const res = await api.post('/v1/notifications/batch', {
      notifications: [
        { userId: 'u1', category: 'a', channels: ['email'], content: { text: 'one' } },
        { userId: 'u1', category: 'a', channels: ['carrier-pigeon'], content: { text: 'two' } },
        { userId: 'ghost', category: 'a', content: { text: 'three' } },
        { userId: 'u1', category: 'a', channels: ['sms'], content: { text: 'four' } },
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.results.map((r: { statusCode: number }) => r.statusCode), [202, 400, 404, 202]);
    assert.equal(res.body.results[1].errors[0].field, 'channels');
    const tooMany = await api.post('/v1/notifications/batch', { notifications: Array.from({ length: 1001 }, () => ({ userId: 'u1', category: 'a', content: { text: 'x' } })) });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.errors[0].field, 'notifications');
    const notArray = await api.post('/v1/notifications/batch', { notifications: 'x' });
    assert.equal(notArray.status, 400);
  });

  it('1,000 concurrent requests for one user never exceed its rate limit nor duplicate a key', async (t) => {
    const { api, baseUrl } = await startApp(t, { RATE_LIMIT_PUSH: '20/1h', CLIENT_RATE_LIMIT: '100000' });
    await createUser(api, 'hot', { email: null });
    await api.post('/v1/users/hot/devices', { platform: 'ios', token: apnsToken(7) });
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        send(api, { userId: 'hot', channels: ['push'], idempotencyKey: `key-${i % 100}`, content: { title: 'n', body: `distinct ${i % 100}` } }),
      ),
    );
    assert.ok(results.every((r) => r.status === 202 || r.status === 200), `statuses: ${[...new Set(results.map((r) => r.status))]}`);
    const accepted = new Set(results.filter((r) => r.body.status === 'accepted').map((r) => r.body.notificationId));
    assert.equal(accepted.size, 20, 'exactly the rate limit got through');
    // One notification per idempotency key, whatever the interleaving.
    const byKey = new Map<string, Set<string>>();
    results.forEach((r, i) => {
      const key = `key-${i % 100}`;
      byKey.set(key, (byKey.get(key) ?? new Set()).add(r.body.notificationId));
    });
    assert.ok([...byKey.values()].every((ids) => ids.size === 1), 'one notification id per key');
    assert.equal(results.filter((r) => r.status === 202).length, 100);
    void baseUrl;
    await eventually(async () => ((await api.get(`/v1/notifications/${[...accepted][0]}`)).status === 200 ? true : undefined));
  });
});
