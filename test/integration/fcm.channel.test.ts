import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { FcmChannel } from '../../src/modules/channels/fcm.channel.js';
import { type OutboundMessage } from '../../src/modules/channels/provider.port.js';
import { fcmTestServiceAccount, startFcmFake } from '../fakes/fcm-fake.js';
import { rejectsWith } from '../support/provider-errors.js';

const PROJECT = 'herald-test';
const TOKEN = 'fcm-token-0123456789abcdef:APA91b';
const target = (token = TOKEN, platform: 'android' | 'web' | 'ios' = 'android') => ({ channel: 'push' as const, deviceId: 'd1', platform, provider: 'fcm' as const, token });
const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  deliveryId: 'n1.1', notificationId: 'n1', userId: 'u1', category: 'orders', priority: 'high',
  target: target(), message: { title: 'Shipped', body: 'Order 42', data: { order: '42' } }, ...overrides,
});

/** A fresh fake and channel per test, both closed when it ends. */
async function setup(t: TestContext, opts: { timeoutMs?: number; projectId?: string; privateKey?: string } = {}) {
  const account = fcmTestServiceAccount(PROJECT);
  const fake = await startFcmFake({ projectId: PROJECT, publicKey: account.publicKey, clientEmail: account.serviceAccount.client_email });
  const serviceAccount = { ...account.serviceAccount, project_id: opts.projectId ?? PROJECT, private_key: opts.privateKey ?? account.serviceAccount.private_key };
  const channel = new FcmChannel({ serviceAccount, endpoint: fake.url, tokenUrl: fake.tokenUrl, timeoutMs: opts.timeoutMs ?? 3000 });
  t.after(async () => {
    await channel.close();
    await fake.close();
  });
  return { fake, channel };
}

describe('FcmChannel: firebase-admin over HTTPS to the FCM fake (OAuth JWT exchange + messages:send)', () => {
  it('exchanges the service-account JWT once and sends notification, data, android and webpush options', async (t) => {
    const { fake, channel } = await setup(t);
    const result = await channel.send(message({ ttlSeconds: 600, collapseKey: 'order-42' }));
    assert.equal(fake.tokenRequests, 1);
    assert.equal(fake.requests.length, 1);
    const sent = fake.requests[0]!;
    assert.equal(sent.status, 200);
    assert.match(sent.name!, /^projects\/herald-test\/messages\/[0-9a-f-]{36}$/);
    assert.equal(result.providerMessageId, sent.name);
    assert.equal(sent.deliveryId, 'n1.1');
    assert.deepEqual(sent.message, {
      token: TOKEN,
      notification: { title: 'Shipped', body: 'Order 42' },
      data: { order: '42', deliveryId: 'n1.1', notificationId: 'n1' },
      android: { priority: 'high', ttl: '600s', collapse_key: 'order-42', notification: { sound: 'default' } },
      webpush: { headers: { Urgency: 'high', TTL: '600' }, notification: { title: 'Shipped', body: 'Order 42' } },
    });
    await channel.send(message({ deliveryId: 'n1.2', priority: 'low', message: { data: { silent: '1' } } }));
    assert.equal(fake.tokenRequests, 1, 'the access token is cached');
    assert.deepEqual(fake.requests[1]!.message, {
      token: TOKEN,
      data: { silent: '1', deliveryId: 'n1.2', notificationId: 'n1' },
      android: { priority: 'normal' },
      webpush: { headers: { Urgency: 'low' } },
    });
  });

  it('adds APNs headers and aps fields only for an Apple device', async (t) => {
    const { fake, channel } = await setup(t);
    await channel.send(message({ target: target(TOKEN, 'ios'), priority: 'normal', badge: 2, collapseKey: 'k' }));
    const apns = fake.requests[0]!.message.apns as { headers: Record<string, string>; payload: { aps: Record<string, unknown> } };
    assert.deepEqual(apns, { headers: { 'apns-priority': '5', 'apns-collapse-id': 'k' }, payload: { aps: { sound: 'default', badge: 2 } } });
  });

  it('UNREGISTERED and INVALID_ARGUMENT about the token are invalid_token; other INVALID_ARGUMENT and SENDER_ID_MISMATCH are permanent', async (t) => {
    const { fake, channel } = await setup(t);
    fake.invalidTokens.add(TOKEN);
    await assert.rejects(channel.send(message()), rejectsWith('invalid_token', 'messaging/registration-token-not-registered', { httpStatus: 404 }));
    await assert.rejects(channel.send(message({ target: target('bad token!') })), rejectsWith('invalid_token', 'messaging/invalid-argument', { httpStatus: 400 }));
    fake.invalidTokens.clear();
    fake.failNext(1, { status: 400, errorCode: 'INVALID_ARGUMENT', message: 'Invalid value at \'message.android.ttl\'' });
    await assert.rejects(channel.send(message()), rejectsWith('permanent', 'messaging/invalid-argument', { httpStatus: 400 }));
    fake.failNext(1, { status: 403, errorCode: 'SENDER_ID_MISMATCH' });
    await assert.rejects(channel.send(message()), rejectsWith('permanent', 'messaging/mismatched-credential', { httpStatus: 403 }));
  });

  it('QUOTA_EXCEEDED with Retry-After, INTERNAL and a long UNAVAILABLE are retryable; a single 503 is retried by the SDK', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { status: 429, errorCode: 'QUOTA_EXCEEDED', retryAfterSeconds: 30 });
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'messaging/message-rate-exceeded', { httpStatus: 429, retryAfterMs: 30_000 }));
    fake.failNext(1, { status: 500, errorCode: 'INTERNAL' });
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'messaging/internal-error', { httpStatus: 500 }));
    // firebase-admin gives up at once when Retry-After exceeds its 60 s cap, and hands it to us.
    fake.failNext(1, { status: 503, errorCode: 'UNAVAILABLE', retryAfterSeconds: 120 });
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'messaging/server-unavailable', { httpStatus: 503, retryAfterMs: 120_000 }));
    const before = fake.requests.length;
    fake.failNext(1, { status: 503, errorCode: 'UNAVAILABLE' });
    await channel.send(message());
    assert.deepEqual(fake.requests.slice(before).map((r) => r.status), [503, 200]);
  });

  it('THIRD_PARTY_AUTH_ERROR, a project we may not send for and a key Google rejects are permanent', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { status: 401, errorCode: 'THIRD_PARTY_AUTH_ERROR' });
    await assert.rejects(channel.send(message()), rejectsWith('permanent', 'messaging/third-party-auth-error', { httpStatus: 401 }));
    const otherProject = await setup(t, { projectId: 'someone-else' });
    await assert.rejects(otherProject.channel.send(message()), rejectsWith('permanent', 'messaging/mismatched-credential', { httpStatus: 403 }));
    // A wrong or revoked key fails the token exchange; no retry fixes it, so nothing reaches FCM.
    const wrongKey = await setup(t, { privateKey: fcmTestServiceAccount(PROJECT).serviceAccount.private_key });
    await assert.rejects(wrongKey.channel.send(message()), rejectsWith('permanent', 'oauth/invalid_grant', { httpStatus: 400 }));
    assert.equal(wrongKey.fake.tokenRequests, 1);
    assert.equal(wrongKey.fake.requests.length, 0);
  });

  it('an outage fails every send until the fake is up again; failWhen fails one token only', async (t) => {
    const { fake, channel } = await setup(t);
    fake.down({ status: 500, errorCode: 'INTERNAL' });
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'messaging/internal-error'));
    fake.up();
    await channel.send(message());
    const other = 'other-token-0123456789';
    fake.failWhen((r) => (r.token === other ? { status: 404, errorCode: 'UNREGISTERED' } : undefined));
    await assert.rejects(channel.send(message({ target: target(other) })), rejectsWith('invalid_token', 'messaging/registration-token-not-registered'));
    await channel.send(message());
    assert.deepEqual(fake.requests.map((r) => r.status), [500, 200, 404, 200]);
  });

  it('a server slower than the timeout is retryable', async (t) => {
    const { fake, channel } = await setup(t, { timeoutMs: 300 });
    await channel.send(message());
    fake.setDelay(1500);
    const started = Date.now();
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'timeout'));
    assert.ok(Date.now() - started < 1000, `gave up after ${Date.now() - started} ms`);
  });
});
