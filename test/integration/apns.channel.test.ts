import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { ApnsChannel } from '../../src/modules/channels/apns.channel.js';
import { uuidFromDeliveryId, type OutboundMessage } from '../../src/modules/channels/provider.port.js';
import { apnsTestKey, startApnsFake } from '../fakes/apns-fake.js';
import { rejectsWith } from '../support/provider-errors.js';

const TEAM = 'TEAM123456';
const KEY_ID = 'KEY1234567';
const TOPIC = 'com.example.app';
const TOKEN = 'ab'.repeat(32);
const apnsIdOf = (deliveryId: string) => uuidFromDeliveryId(deliveryId, (s) => createHash('sha256').update(s).digest('hex'));

const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  deliveryId: 'n1.1', notificationId: 'n1', userId: 'u1', category: 'orders', priority: 'high',
  target: { channel: 'push', deviceId: 'd1', platform: 'ios', provider: 'apns', token: TOKEN },
  message: { title: 'Shipped', body: 'Order 42', data: { order: '42' } }, ...overrides,
});

/** A fresh fake and channel per test, both closed when it ends. */
async function setup(t: TestContext, opts: { signingKey?: string; topic?: string; timeoutMs?: number } = {}) {
  const key = apnsTestKey();
  const fake = await startApnsFake({ publicKey: key.publicKey, teamId: TEAM, keyId: KEY_ID, topic: TOPIC });
  const channel = new ApnsChannel({ teamId: TEAM, keyId: KEY_ID, signingKey: opts.signingKey ?? key.privateKeyPem, topic: opts.topic ?? TOPIC, endpoint: fake.url, timeoutMs: opts.timeoutMs ?? 2000 });
  t.after(async () => {
    await channel.close();
    await fake.close();
  });
  return { fake, channel };
}

describe('ApnsChannel: apns2 over HTTP/2 + TLS to the APNs fake', () => {
  it('sends the alert, data, topic, priority, collapse id, expiration and our apns-id under a valid ES256 token', async (t) => {
    const { fake, channel } = await setup(t);
    const before = Math.floor(Date.now() / 1000);
    const result = await channel.send(message({ collapseKey: 'order-42', ttlSeconds: 3600, badge: 3 }));
    assert.equal(fake.requests.length, 1);
    const r = fake.requests[0]!;
    assert.equal(r.status, 200, 'the fake accepted the provider token');
    assert.equal(r.token, TOKEN);
    assert.deepEqual(r.body, { aps: { alert: { title: 'Shipped', body: 'Order 42' }, sound: 'default', badge: 3 }, order: '42', herald: { deliveryId: 'n1.1', notificationId: 'n1' } });
    assert.equal(r.deliveryId, 'n1.1');
    assert.equal(r.headers['apns-topic'], TOPIC);
    assert.equal(r.headers['apns-push-type'], 'alert');
    assert.equal(r.headers['apns-priority'], undefined, 'apns2 leaves out 10, the APNs default');
    assert.equal(r.headers['apns-collapse-id'], 'order-42');
    const expiration = Number(r.headers['apns-expiration']);
    assert.ok(expiration >= before + 3600 && expiration <= before + 3602, `expiration ${expiration}`);
    assert.equal(r.apnsId, apnsIdOf('n1.1'));
    assert.equal(result.providerMessageId, r.apnsId);

    await channel.send(message({ deliveryId: 'n1.2', priority: 'normal', message: { body: 'no title' } }));
    await channel.send(message({ deliveryId: 'n1.3', priority: 'low' }));
    assert.equal(fake.requests[1]!.headers['apns-priority'], '5');
    assert.deepEqual(fake.requests[1]!.body.aps, { alert: 'no title', sound: 'default' });
    assert.equal(fake.requests[1]!.headers['apns-expiration'], undefined);
    assert.equal(fake.requests[2]!.headers['apns-priority'], '1');
  });

  it('gives each of many concurrent sends its own apns-id', async (t) => {
    const { fake, channel } = await setup(t);
    const ids = Array.from({ length: 40 }, (_, i) => `n2.${i}`);
    const results = await Promise.all(ids.map((deliveryId) => channel.send(message({ deliveryId }))));
    assert.deepEqual(results.map((r) => r.providerMessageId), ids.map(apnsIdOf));
    for (const r of fake.requests) assert.equal(r.apnsId, apnsIdOf(r.deliveryId!));
  });

  it('a dead token (410 Unregistered, BadDeviceToken, DeviceTokenNotForTopic) is invalid_token', async (t) => {
    const { fake, channel } = await setup(t);
    fake.invalidTokens.add(TOKEN);
    await assert.rejects(channel.send(message()), rejectsWith('invalid_token', 'Unregistered', { httpStatus: 410 }));
    fake.invalidTokens.clear();
    await assert.rejects(channel.send(message({ target: { channel: 'push', deviceId: 'd2', platform: 'ios', provider: 'apns', token: 'not-hex' } })), rejectsWith('invalid_token', 'BadDeviceToken', { httpStatus: 400 }));
    fake.failNext(1, { status: 400, reason: 'DeviceTokenNotForTopic' });
    await assert.rejects(channel.send(message()), rejectsWith('invalid_token', 'DeviceTokenNotForTopic'));
  });

  it('429 with Retry-After, 500 and 503 are retryable', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { status: 429, reason: 'TooManyRequests', retryAfterSeconds: 30 });
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'TooManyRequests', { httpStatus: 429, retryAfterMs: 30_000 }));
    fake.failNext(1, { status: 500, reason: 'InternalServerError' });
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'InternalServerError', { httpStatus: 500, retryAfterMs: undefined }));
    fake.failNext(1, { status: 503, reason: 'ServiceUnavailable' });
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'ServiceUnavailable', { httpStatus: 503 }));
    await channel.send(message());
  });

  it('ExpiredProviderToken is retryable and the next attempt carries a freshly signed token', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { status: 403, reason: 'ExpiredProviderToken' });
    await assert.rejects(channel.send(message()), rejectsWith('retryable', 'ExpiredProviderToken', { httpStatus: 403 }));
    await channel.send(message());
    const [expired, fresh] = fake.requests;
    assert.equal(fresh!.status, 200);
    assert.notEqual(fresh!.headers.authorization, expired!.headers.authorization);
  });

  it('BadTopic, PayloadTooLarge and a provider token signed by the wrong key are permanent', async (t) => {
    const wrongTopic = await setup(t, { topic: 'com.other.app' });
    await assert.rejects(wrongTopic.channel.send(message()), rejectsWith('permanent', 'BadTopic', { httpStatus: 400 }));
    const { channel } = await setup(t);
    await assert.rejects(channel.send(message({ message: { body: 'x'.repeat(5000) } })), rejectsWith('permanent', 'PayloadTooLarge', { httpStatus: 413 }));
    // A key APNs does not know will not start working on a retry: an operator has to fix it.
    const wrongKey = await setup(t, { signingKey: apnsTestKey().privateKeyPem });
    await assert.rejects(wrongKey.channel.send(message()), rejectsWith('permanent', 'InvalidProviderToken', { httpStatus: 403 }));
    assert.equal(wrongKey.fake.requests[0]!.status, 403);
  });

  it('an outage fails every request until the fake is up again; failWhen fails one token only', async (t) => {
    const { fake, channel } = await setup(t);
    fake.down({ status: 503, reason: 'Shutdown' });
    for (const deliveryId of ['n3.1', 'n3.2']) await assert.rejects(channel.send(message({ deliveryId })), rejectsWith('retryable', 'Shutdown'));
    fake.up();
    await channel.send(message({ deliveryId: 'n3.3' }));
    const other = 'cd'.repeat(32);
    fake.failWhen((r) => (r.token === other ? { status: 400, reason: 'BadCollapseId' } : undefined));
    await assert.rejects(channel.send(message({ target: { channel: 'push', deviceId: 'd3', platform: 'ios', provider: 'apns', token: other } })), rejectsWith('permanent', 'BadCollapseId'));
    await channel.send(message({ deliveryId: 'n3.4' }));
    assert.deepEqual(fake.requests.map((r) => r.status), [503, 503, 200, 400, 200]);
  });

  it('a server slower than the timeout, and a dropped connection, are retryable', async (t) => {
    const { fake, channel } = await setup(t, { timeoutMs: 200 });
    fake.setDelay(1000);
    const started = Date.now();
    await assert.rejects(channel.send(message()), rejectsWith('retryable', /TIMEOUT/));
    assert.ok(Date.now() - started < 900, `gave up after ${Date.now() - started} ms`);
    fake.setDelay(0);
    fake.failNext(1, { status: 0, reason: '', reset: true });
    await assert.rejects(channel.send(message()), rejectsWith('retryable', /.+/));
    await channel.send(message());
  });
});
