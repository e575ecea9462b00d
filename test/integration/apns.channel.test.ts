import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { ApnsChannel } from '../../src/modules/channels/apns.channel.js';
import { ProviderError, type OutboundMessage } from '../../src/modules/channels/provider.port.js';
import { apnsTestKey, startApnsFake } from '../fakes/apns-fake.js';

const TOKEN = 'ab'.repeat(32);
const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  deliveryId: 'n1.1', notificationId: 'n1', userId: 'u1', category: 'orders', priority: 'high',
  target: { channel: 'push', deviceId: 'd1', platform: 'ios', provider: 'apns', token: TOKEN },
  message: { title: 'Shipped', body: 'Order 42', data: { order: '42' } }, ...overrides,
});

async function setup(t: TestContext, opts: { wrongKey?: boolean; topic?: string; timeoutMs?: number } = {}) {
  const key = apnsTestKey();
  const fake = await startApnsFake({ publicKey: key.publicKey, teamId: 'TEAM123456', keyId: 'KEY1234567', topic: 'com.example.app' });
  const channel = new ApnsChannel({ teamId: 'TEAM123456', keyId: 'KEY1234567', signingKey: opts.wrongKey ? apnsTestKey().privateKeyPem : key.privateKeyPem, topic: opts.topic ?? 'com.example.app', endpoint: fake.url, timeoutMs: opts.timeoutMs ?? 2000 });
  t.after(async () => {
    await channel.close();
    await fake.close();
  });
  return { fake, channel };
}

const rejects = (kind: string, code: string) => (e: unknown) => {
  assert.ok(e instanceof ProviderError, String(e));
  assert.equal(e.kind, kind);
  assert.equal(e.code, code);
  return true;
};

describe('ApnsChannel through apns2 over HTTP/2 + TLS against the APNs fake', () => {
  it('signs an ES256 token, sends alert, data, topic, priority, collapse id, expiration and apns-id', async (t) => {
    const { fake, channel } = await setup(t);
    const result = await channel.send(message({ collapseKey: 'order-42', ttlSeconds: 3600, badge: 3 }));
    const r = fake.requests[0]!;
    assert.equal(r.status, 200);
    assert.equal(r.token, TOKEN);
    assert.equal(r.headers['apns-topic'], 'com.example.app');
    assert.equal(r.headers['apns-priority'], undefined, 'priority 10 is the default and is not sent');
    assert.equal(r.headers['apns-collapse-id'], 'order-42');
    assert.ok(Number(r.headers['apns-expiration']) > Date.now() / 1000);
    assert.match(r.apnsId!, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(result.providerMessageId, r.apnsId);
    assert.deepEqual(r.body.aps, { alert: { title: 'Shipped', body: 'Order 42' }, sound: 'default', badge: 3 });
    assert.equal(r.deliveryId, 'n1.1');
    assert.equal(r.body.order, '42');
    await channel.send(message({ priority: 'normal' }));
    assert.equal(fake.requests[1]!.headers['apns-priority'], '5');
  });

  it('410 Unregistered and BadDeviceToken invalidate the token', async (t) => {
    const { fake, channel } = await setup(t);
    fake.invalidTokens.add(TOKEN);
    await assert.rejects(channel.send(message()), rejects('invalid_token', 'Unregistered'));
    fake.invalidTokens.clear();
    fake.failNext(1, { status: 400, reason: 'BadDeviceToken' });
    await assert.rejects(channel.send(message()), rejects('invalid_token', 'BadDeviceToken'));
  });

  it('429 and 5xx are retryable; BadTopic and a wrong signing key are permanent', async (t) => {
    const { fake, channel } = await setup(t);
    fake.failNext(1, { status: 429, reason: 'TooManyRequests' });
    await assert.rejects(channel.send(message()), rejects('retryable', 'TooManyRequests'));
    fake.failNext(1, { status: 503, reason: 'ServiceUnavailable' });
    await assert.rejects(channel.send(message()), rejects('retryable', 'ServiceUnavailable'));
    fake.failNext(1, { status: 500, reason: 'InternalServerError' });
    await assert.rejects(channel.send(message()), rejects('retryable', 'InternalServerError'));
    const wrongTopic = await setup(t, { topic: 'com.other.app' });
    await assert.rejects(wrongTopic.channel.send(message()), rejects('permanent', 'BadTopic'));
    const wrongKey = await setup(t, { wrongKey: true });
    await assert.rejects(wrongKey.channel.send(message()), rejects('permanent', 'InvalidProviderToken'));
  });

  it('a server slower than the timeout is retryable', async (t) => {
    const { fake, channel } = await setup(t, { timeoutMs: 300 });
    fake.setDelay(1500);
    await assert.rejects(channel.send(message()), (e: unknown) => e instanceof ProviderError && e.kind === 'retryable');
  });
});
