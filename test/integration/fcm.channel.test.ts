import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { FcmChannel } from '../../src/modules/channels/fcm.channel.js';
import { ProviderError, type OutboundMessage } from '../../src/modules/channels/provider.port.js';
import { fcmTestServiceAccount, startFcmFake } from '../fakes/fcm-fake.js';

const TOKEN = 'fcm-token-0123456789abcdef:APA91b';
const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  deliveryId: 'n1.1', notificationId: 'n1', userId: 'u1', category: 'orders', priority: 'high',
  target: { channel: 'push', deviceId: 'd1', platform: 'android', provider: 'fcm', token: TOKEN },
  message: { title: 'Shipped', body: 'Order 42', data: { order: '42' } }, ...overrides,
});

async function setup(t: TestContext, opts: { timeoutMs?: number; wrongProject?: boolean } = {}) {
  const account = fcmTestServiceAccount('herald-test');
  const fake = await startFcmFake({ projectId: 'herald-test', publicKey: account.publicKey, clientEmail: account.serviceAccount.client_email });
  const serviceAccount = opts.wrongProject ? { ...account.serviceAccount, project_id: 'someone-else' } : account.serviceAccount;
  const channel = new FcmChannel({ serviceAccount, endpoint: fake.url, tokenUrl: fake.tokenUrl, timeoutMs: opts.timeoutMs ?? 3000 });
  t.after(async () => {
    await channel.close();
    await fake.close();
  });
  return { fake, channel };
}

const rejects = (kind: string, code: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ProviderError, String(e));
  assert.equal(e.kind, kind, `${e.code}: ${e.message}`);
  assert.match(e.code, code);
  return true;
};

describe('FcmChannel through firebase-admin against the FCM fake (OAuth exchange + messages:send)', () => {
  it('exchanges the service-account JWT for a token and sends notification, data, android and webpush options', async (t) => {
    const { fake, channel } = await setup(t);
    const result = await channel.send(message({ ttlSeconds: 600, collapseKey: 'order-42' }));
    assert.match(result.providerMessageId!, /^projects\/herald-test\/messages\//);
    assert.equal(fake.tokenRequests(), 1);
    const sent = fake.requests[0]!;
    assert.equal(sent.token, TOKEN);
    assert.equal(sent.deliveryId, 'n1.1');
    const m = sent.message as { notification: object; data: Record<string, string>; android: Record<string, unknown>; webpush: { headers: Record<string, string> } };
    assert.deepEqual(m.notification, { title: 'Shipped', body: 'Order 42' });
    assert.deepEqual(m.data, { order: '42', deliveryId: 'n1.1', notificationId: 'n1' });
    assert.equal(m.android.priority, 'high');
    assert.equal(m.android.ttl, '600s');
    assert.equal(m.android.collapse_key, 'order-42');
    assert.equal(m.webpush.headers.TTL, '600');
    await channel.send(message());
    assert.equal(fake.tokenRequests(), 1, 'the access token is reused');
  });

  it('UNREGISTERED and an invalid token are dead tokens', async (t) => {
    const { fake, channel } = await setup(t);
    fake.invalidTokens.add(TOKEN);
    await assert.rejects(channel.send(message()), rejects('invalid_token', /registration-token-not-registered/));
    await assert.rejects(channel.send(message({ target: { channel: 'push', deviceId: 'd', platform: 'android', provider: 'fcm', token: 'bad token!' } })), rejects('invalid_token', /invalid/));
  });

  it('QUOTA_EXCEEDED, UNAVAILABLE and INTERNAL are retryable; THIRD_PARTY_AUTH_ERROR is permanent', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { status: 429, errorCode: 'QUOTA_EXCEEDED' });
    await assert.rejects(channel.send(message()), rejects('retryable', /rate-exceeded/));
    // firebase-admin itself retries a 503 with backoff: one UNAVAILABLE is absorbed by the SDK.
    const before = fake.requests.length;
    fake.failNext(1, { status: 503, errorCode: 'UNAVAILABLE' });
    await channel.send(message());
    assert.equal(fake.requests.length - before, 2);
    fake.failNext(1, { status: 500, errorCode: 'INTERNAL' });
    await assert.rejects(channel.send(message()), rejects('retryable', /internal-error/));
    fake.failNext(1, { status: 401, errorCode: 'THIRD_PARTY_AUTH_ERROR' });
    await assert.rejects(channel.send(message()), rejects('permanent', /third-party-auth-error/));
  });

  it('a server slower than the timeout is retryable', async (t) => {
    const { fake, channel } = await setup(t, { timeoutMs: 300 });
    await channel.send(message());
    fake.setDelay(1500);
    await assert.rejects(channel.send(message()), rejects('retryable', /timeout/));
  });
});
