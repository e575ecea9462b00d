import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { type OutboundMessage } from '../../src/modules/channels/provider.port.js';
import { MAX_PLAINTEXT_BYTES, WebPushChannel } from '../../src/modules/channels/webpush.channel.js';
import { decryptPushMessage, startWebPushFake, vapidTestKeys } from '../fakes/webpush-fake.js';
import { rejectsWith } from '../support/provider-errors.js';

const DELIVERY_ID = '01JQ8ZK7R6V3M2N4P5Q6R7S8T9.push.1';
const SUBJECT = 'mailto:push@example.com';

type Subscription = { endpoint: string; keys: { p256dh: string; auth: string } };

const message = (subscription: Subscription, overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  deliveryId: DELIVERY_ID, notificationId: 'n1', userId: 'u1', category: 'orders', priority: 'normal',
  target: { channel: 'push', deviceId: 'w1', platform: 'web', provider: 'webpush', token: subscription.endpoint, keys: subscription.keys },
  message: { title: 'Shipped', body: 'Your order is on its way', data: { orderId: '42' } },
  ...overrides,
});

/** A push service of its own, with one subscription, closed when the test ends, and a channel with the VAPID keys it expects. */
async function setup(t: TestContext, { timeoutMs = 2000 } = {}) {
  const vapid = vapidTestKeys();
  const fake = await startWebPushFake({ applicationServerKey: vapid.publicKey });
  const channel = new WebPushChannel({ ...vapid, subject: SUBJECT, timeoutMs });
  t.after(async () => {
    await channel.close();
    await fake.close();
  });
  return { fake, channel, vapid, subscription: fake.subscribe() };
}

describe('the push service fake', () => {
  it('decrypts the example message of RFC 8291 section 5 with the user agent’s keys', () => {
    const b64 = (text: string) => Buffer.from(text, 'base64url');
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(b64('q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94'));
    const body = b64(
      'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
    );
    const subscriber = { ecdh, publicKey: ecdh.getPublicKey(), auth: b64('BTBZMqHH6r4Tts7J_aSIgg') };
    assert.equal(decryptPushMessage(body, subscriber), 'When I grow up, I want to be a watermelon');
    const tampered = Buffer.from(body);
    tampered[tampered.length - 20]! ^= 1;
    assert.throws(() => decryptPushMessage(tampered, subscriber), /authenticate/);
  });
});

describe('WebPushChannel through web-push against a push service that decrypts', () => {
  it('the browser decrypts the payload; VAPID signed for the endpoint origin; Location is the message id', async (t) => {
    const { fake, channel, subscription } = await setup(t);
    const result = await channel.send(message(subscription));
    assert.equal(fake.requests.length, 1);
    const r = fake.requests[0]!;
    assert.equal(r.status, 201, r.error);
    assert.deepEqual(JSON.parse(r.payload!), { title: 'Shipped', body: 'Your order is on its way', data: { orderId: '42' }, deliveryId: DELIVERY_ID, notificationId: 'n1' });
    assert.equal(r.contentEncoding, 'aes128gcm');
    assert.deepEqual([r.vapid!.aud, r.vapid!.sub], [new URL(fake.url).origin, SUBJECT]);
    assert.match(result.providerMessageId!, new RegExp(`^${fake.url}/message/`));
  });

  it('TTL and Urgency follow the priority; a TTL of the message’s own wins; a collapse key becomes the Topic', async (t) => {
    const { fake, channel, subscription } = await setup(t);
    for (const priority of ['high', 'normal', 'low'] as const) await channel.send(message(subscription, { priority }));
    await channel.send(message(subscription, { priority: 'high', ttlSeconds: 60, collapseKey: 'order-42' }));
    assert.deepEqual(fake.requests.map((r) => [r.urgency, r.ttl, r.topic, r.status]), [
      ['high', '86400', undefined, 201], ['normal', '604800', undefined, 201], ['low', '2419200', undefined, 201], ['high', '60', 'order-42', 201],
    ]);
  });

  it('a payload encrypted to the wrong keys does not decrypt, and the send fails', async (t) => {
    const { fake, channel, subscription } = await setup(t);
    const other = fake.subscribe();
    await assert.rejects(channel.send(message({ endpoint: subscription.endpoint, keys: other.keys })), rejectsWith('permanent', 'http 400'));
    assert.equal(fake.requests[0]!.payload, undefined);
    assert.match(fake.requests[0]!.error!, /authenticate|decrypt/i);
  });

  it('a VAPID key the subscription was not made with is refused (403, permanent: the configuration, not the device)', async (t) => {
    const { fake, subscription } = await setup(t);
    const stranger = new WebPushChannel({ ...vapidTestKeys(), subject: SUBJECT, timeoutMs: 2000 });
    t.after(() => stranger.close());
    await assert.rejects(stranger.send(message(subscription)), rejectsWith('permanent', 'http 403', { httpStatus: 403 }));
    assert.match(fake.requests[0]!.error!, /not the key this subscription was made with/);
  });

  it('an unknown subscription (404) and an unsubscribed one (410) invalidate the device', async (t) => {
    const { fake, channel, subscription } = await setup(t);
    await assert.rejects(channel.send(message({ ...subscription, endpoint: `${fake.url}/push/unknown` })), rejectsWith('invalid_token', 'http 404', { httpStatus: 404 }));
    fake.unsubscribe(subscription.endpoint);
    await assert.rejects(channel.send(message(subscription)), rejectsWith('invalid_token', 'http 410', { httpStatus: 410 }));
  });

  it('413 is permanent; 429 is retryable with Retry-After; 500 and 503 are retryable', async (t) => {
    const { fake, channel, subscription } = await setup(t);
    fake.failNext(1, { status: 413 });
    await assert.rejects(channel.send(message(subscription)), rejectsWith('permanent', 'http 413', { httpStatus: 413 }));
    fake.failNext(1, { status: 429, retryAfterSeconds: 6 });
    await assert.rejects(channel.send(message(subscription)), rejectsWith('retryable', 'http 429', { retryAfterMs: 6000, httpStatus: 429 }));
    for (const status of [500, 503]) {
      fake.failNext(1, { status });
      await assert.rejects(channel.send(message(subscription)), rejectsWith('retryable', `http ${status}`, { httpStatus: status }));
    }
    assert.ok((await channel.send(message(subscription))).providerMessageId, 'and the next send goes through');
  });

  it('a payload that fits exactly is 4096 bytes encrypted; one byte more is refused before the call', async (t) => {
    const { fake, channel, subscription } = await setup(t);
    const bare = message(subscription, { message: { body: '' } });
    const overhead = Buffer.byteLength(JSON.stringify({ body: '', deliveryId: DELIVERY_ID, notificationId: 'n1' }));
    await channel.send({ ...bare, message: { body: 'x'.repeat(MAX_PLAINTEXT_BYTES - overhead) } });
    assert.deepEqual([fake.requests[0]!.status, fake.requests[0]!.bodyBytes], [201, 4096]);
    await assert.rejects(channel.send({ ...bare, message: { body: 'x'.repeat(MAX_PLAINTEXT_BYTES - overhead + 1) } }), rejectsWith('permanent', 'payload_too_large'));
    assert.equal(fake.requests.length, 1);
  });

  it('keys the payload cannot be encrypted to fail permanently without a request', async (t) => {
    const { fake, channel, subscription } = await setup(t);
    // The right shape (0x04 and 64 bytes) but not a point on P-256.
    const offCurve = Buffer.alloc(65, 1);
    offCurve[0] = 4;
    await assert.rejects(channel.send(message({ ...subscription, keys: { ...subscription.keys, p256dh: offCurve.toString('base64url') } })), rejectsWith('permanent', 'unsendable'));
    assert.equal(fake.requests.length, 0);
  });

  it('a service that does not answer in time, a reset and a refused connection are retryable', async (t) => {
    const { fake, channel, subscription } = await setup(t, { timeoutMs: 200 });
    fake.failNext(1, { status: 0, hang: true });
    await assert.rejects(channel.send(message(subscription)), rejectsWith('retryable', 'timeout', { answered: false }));
    fake.failNext(1, { status: 0, reset: true });
    await assert.rejects(channel.send(message(subscription)), rejectsWith('retryable', 'ECONNRESET'));
    await fake.close();
    await assert.rejects(channel.send(message(subscription)), rejectsWith('retryable', 'ECONNREFUSED', { answered: true }));
  });

  it('refuses a target that is not a webpush device without calling anything', async (t) => {
    const { fake, channel, subscription } = await setup(t);
    await assert.rejects(channel.send(message(subscription, { target: { channel: 'push', deviceId: 'd1', platform: 'android', provider: 'fcm', token: 'fcm-token-0123456789' } })), rejectsWith('permanent', 'wrong_target'));
    await assert.rejects(channel.send(message(subscription, { target: { channel: 'push', deviceId: 'w1', platform: 'web', provider: 'webpush', token: subscription.endpoint } })), rejectsWith('permanent', 'missing_keys'));
    assert.equal(fake.requests.length, 0);
  });
});
