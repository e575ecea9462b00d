import assert from 'node:assert/strict';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { EVENT_STORE, type EventStore } from '../../src/modules/event-store/event-store.port.js';
import { createUser, startApp, type Api, type Credentials, type RunningApp } from '../support/app.js';
import { queueProfiles } from '../support/profiles.js';
import { eventually } from '../support/temp.js';

interface Received {
  headers: IncomingHttpHeaders;
  text: string;
  body: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
}

/** A client's webhook receiver on loopback; answers with the queued statuses, then 200. */
async function startReceiver(t: TestContext) {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      received.push({ headers: req.headers, text, body: JSON.parse(text) });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/herald`, received, answerNext: (...s: number[]) => statuses.push(...s) };
}

/** The receiver's side of the contract, written from the README recipe rather than Herald's code. */
function verifySignature(secret: string, r: Received): boolean {
  const header = String(r.headers['herald-signature']);
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  if (Math.abs(Date.now() / 1000 - Number(match[1])) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${r.text}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

const FAST = { WEBHOOK_RETRY_BASE_DELAY: '100ms', WEBHOOK_RETRY_MAX_DELAY: '500ms', WEBHOOK_TIMEOUT: '2s', LOG_LEVEL: 'error' };

async function client(admin: Api, name: string): Promise<Api> {
  const res = await admin.post('/v1/clients', { name, scopes: ['notifications:send', 'users:write'] });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return admin.as({ appKey: res.body.appKey, appSecret: res.body.appSecret } as Credentials);
}

async function email(api: Api, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['email'], content: { subject: 'Hi', text: `n ${randomUUID()}` }, ...extra });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.notificationId;
}

async function sent(api: Api, notificationId: string): Promise<{ deliveryId: string; status: string }> {
  return eventually(async () => {
    const d = (await api.get(`/v1/notifications/${notificationId}`)).body.deliveries?.[0];
    return d && ['sent', 'failed'].includes(d.status) ? d : undefined;
  }, 10_000, `notification ${notificationId} to end`);
}

async function webhooksEnqueued(app: RunningApp): Promise<number> {
  const text = (await app.api.as(undefined).get<string>('/metrics')).body;
  const match = /^herald_enqueued_total\{[^}]*queue="webhooks"[^}]*\} (\d+)$/m.exec(text);
  return match ? Number(match[1]) : 0;
}

for (const profile of queueProfiles()) {
  describe(`client webhooks (${profile.name} profile)`, () => {
    it('signed webhooks reach the requesting client only; a client without a webhook gets none', async (t) => {
      const app = await startApp(t, { ...profile.env(), ...FAST });
      await createUser(app.api, 'ada');
      const [a, b, c] = [await client(app.api, 'a'), await client(app.api, 'b'), await client(app.api, 'c')];
      const [receiverA, receiverB] = [await startReceiver(t), await startReceiver(t)];
      const hookA = await a.put(`/v1/clients/${a.credentials!.appKey}/webhook`, { url: receiverA.url });
      assert.equal(hookA.status, 200, JSON.stringify(hookA.body));
      assert.match(hookA.body.signingSecret, /^whsec_/);
      assert.deepEqual(hookA.body.events, ['notification.sent', 'notification.failed', 'notification.opened', 'notification.clicked']);
      assert.equal((await b.put(`/v1/clients/${b.credentials!.appKey}/webhook`, { url: receiverB.url, events: ['notification.sent'] })).status, 200);

      const fromC = await email(c);
      const fromA = await email(a);
      const fromB = await email(b);
      const deliveryA = await sent(a, fromA);
      assert.equal(deliveryA.status, 'sent');
      await sent(c, fromC);

      const got = await eventually(() => receiverA.received.find((r) => r.body.data.notificationId === fromA), 10_000, 'the webhook for A');
      assert.ok(verifySignature(hookA.body.signingSecret, got), `signature ${String(got.headers['herald-signature'])} verifies`);
      assert.ok(!verifySignature('whsec_wrong', got), 'and only with the right secret');
      assert.equal(got.headers['herald-webhook-id'], got.body.id);
      assert.equal(got.headers['content-type'], 'application/json');
      assert.equal(got.body.type, 'notification.sent');
      assert.equal(got.body.data.deliveryId, deliveryA.deliveryId);
      await eventually(() => receiverB.received.find((r) => r.body.data.notificationId === fromB), 10_000, 'the webhook for B');

      // Outcomes reach the webhook projection in log order: once B's is enqueued, C's was decided.
      assert.equal(await webhooksEnqueued(app), 2, 'one webhook for A and one for B; none for C');
      assert.deepEqual(receiverA.received.map((r) => r.body.data.notificationId), [fromA]);
      assert.deepEqual(receiverB.received.map((r) => r.body.data.notificationId), [fromB]);
    });

    it('a receiver that answers 500 twice then 200 gets the same webhook three times', async (t) => {
      const app = await startApp(t, { ...profile.env(), ...FAST });
      await createUser(app.api, 'ada');
      const a = await client(app.api, 'a');
      const receiver = await startReceiver(t);
      receiver.answerNext(500, 500);
      const secret = (await a.put(`/v1/clients/${a.credentials!.appKey}/webhook`, { url: receiver.url })).body.signingSecret;
      await email(a);
      await eventually(() => (receiver.received.length >= 3 ? true : undefined), 10_000, 'three attempts');
      const ids = receiver.received.map((r) => r.headers['herald-webhook-id']);
      assert.equal(new Set(ids).size, 1, `one webhook id: ${ids}`);
      assert.equal(new Set(receiver.received.map((r) => r.text)).size, 1, 'the same payload each time');
      assert.ok(receiver.received.every((r) => verifySignature(secret, r)));
      const metrics = (await app.api.as(undefined).get<string>('/metrics')).body;
      assert.match(metrics, /herald_webhooks_total\{outcome="retried"\} 2/);
      assert.match(metrics, /herald_webhooks_total\{outcome="delivered"\} 1/);
    });

    it('sends failures and opens (an event type the tracking module writes) when subscribed, not sends', async (t) => {
      const app = await startApp(t, { ...profile.env(), ...FAST });
      await createUser(app.api, 'ada');
      const a = await client(app.api, 'a');
      const receiver = await startReceiver(t);
      await a.put(`/v1/clients/${a.credentials!.appKey}/webhook`, { url: receiver.url, events: ['notification.failed', 'notification.opened'] });

      const opened = await email(a);
      const { deliveryId } = await sent(a, opened);
      const store = app.app.get<EventStore>(EVENT_STORE);
      const at = new Date().toISOString();
      await store.append(`notification-${opened}`, [{ id: randomUUID(), type: 'NotificationOpened', data: { notificationId: opened, deliveryId, channel: 'email', source: 'pixel', at } }], 'any');
      const open = await eventually(() => receiver.received.find((r) => r.body.type === 'notification.opened'), 10_000, 'the open webhook');
      assert.deepEqual(open.body.data, { notificationId: opened, deliveryId, channel: 'email', source: 'pixel', at });

      const failed = await email(a, { sendAt: new Date(Date.now() + 1000).toISOString() });
      assert.equal((await app.api.put('/v1/users/ada/preferences', { channels: { email: false } })).status, 200);
      const failure = await eventually(() => receiver.received.find((r) => r.body.type === 'notification.failed'), 10_000, 'the failure webhook');
      assert.equal(failure.body.data.notificationId, failed);
      assert.equal(failure.body.data.reason, 'opted_out');
      assert.ok(!receiver.received.some((r) => r.body.type === 'notification.sent'), 'not subscribed to sends');
    });
  });
}

describe('client webhook API', () => {
  it('validates, names the bad field, and lets a client manage only its own webhook', async (t) => {
    const app = await startApp(t, FAST);
    const [a, b] = [await client(app.api, 'a'), await client(app.api, 'b')];
    const path = `/v1/clients/${a.credentials!.appKey}/webhook`;
    const bad = async (body: unknown, field: string) => {
      const res = await a.put(path, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.ok(res.body.errors.some((e: { field: string }) => e.field === field), JSON.stringify(res.body.errors));
    };
    await bad({ url: 'ftp://hooks.example.com/x' }, 'url');
    await bad({ url: 'javascript:alert(1)' }, 'url');
    await bad({}, 'url');
    await bad({ url: 'https://hooks.example.com/x', events: ['notification.bounced'] }, 'events');
    await bad({ url: 'https://hooks.example.com/x', events: [] }, 'events');
    assert.equal((await a.as(undefined).put(path, { url: 'https://hooks.example.com/x' })).status, 401);
    assert.equal((await b.put(path, { url: 'https://evil.example.com/x' })).status, 403, 'another client cannot redirect A’s webhooks');
    assert.equal((await a.get(path)).status, 404);

    const set = await a.put(path, { url: 'https://hooks.example.com/x' });
    assert.equal(set.status, 200);
    const rotated = await a.post(`${path}/rotate-secret`);
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.signingSecret, set.body.signingSecret);
    assert.equal((await app.api.get(path)).body.signingSecret, rotated.body.signingSecret, 'an admin sees it too');
    const audit = await app.api.get('/v1/audit/streams/clients-registry');
    assert.ok(!JSON.stringify(audit.body).includes(rotated.body.signingSecret), 'the audit API never shows a signing secret');
    assert.equal((await a.delete(path)).status, 204);
    assert.equal((await a.delete(path)).status, 404);
  });
});
