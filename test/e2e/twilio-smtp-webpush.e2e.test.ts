import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createUser, notificationFinished, startApp } from '../support/app.js';
import { startTwilioSmtpWebPushFakes } from '../support/fakes.js';
import { eventually } from '../support/temp.js';

const FAST_RETRIES = { RETRY_BASE_DELAY: '100ms', RETRY_MAX_DELAY: '2s', PROVIDER_TIMEOUT: '3s', BREAKER_MIN_CALLS: '1000', LOG_LEVEL: 'error' };

/** Herald on the embedded profile with Twilio for SMS, SMTP for email and Web Push, and a user with a browser subscribed. */
async function setup(t: TestContext) {
  const fakes = await startTwilioSmtpWebPushFakes(t);
  const { api } = await startApp(t, { ...fakes.env, ...FAST_RETRIES });
  await createUser(api, 'ada', { email: 'ada@example.com', phone: '+447700900123' });
  const subscription = fakes.webpush.subscribe();
  const device = await api.post('/v1/users/ada/devices', { platform: 'web', provider: 'webpush', subscription: { ...subscription, expirationTime: null } });
  assert.equal(device.status, 201, JSON.stringify(device.body));
  return { api, fakes, subscription, deviceId: device.body.deviceId as string };
}

const byQueue = (view: { deliveries: { queue: string }[] }) => Object.fromEntries(view.deliveries.map((d) => [d.queue, d])) as Record<string, any>;

describe('Twilio, SMTP and Web Push through their real SDKs (embedded profile)', () => {
  it('one notification goes out through each, every one carrying its delivery id', async (t) => {
    const { api, fakes } = await setup(t);
    const res = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', content: { title: 'Shipped', body: 'Order 42 is on its way', subject: 'Your order', text: 'It is on its way' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const view = await notificationFinished(api, res.body.notificationId);
    const d = byQueue(view);
    assert.deepEqual(Object.keys(d).sort(), ['email', 'sms', 'webpush']);
    assert.deepEqual(['webpush', 'sms', 'email'].map((q) => [d[q].status, d[q].provider]), [['sent', 'webpush'], ['sent', 'twilio'], ['sent', 'smtp']]);

    assert.deepEqual(fakes.twilio.requests.map((r) => [r.to, r.body, r.status]), [['+447700900123', 'It is on its way', 201]]);
    assert.equal(d.sms.providerMessageId, fakes.twilio.requests[0]!.sid);

    const mail = fakes.smtp.messages[0]!;
    assert.deepEqual([fakes.smtp.messages.length, mail.secure, mail.user, mail.to, mail.subject], [1, true, 'herald', ['ada@example.com'], 'Your order']);
    assert.equal(mail.headers['x-herald-delivery-id'], d.email.deliveryId);
    assert.equal(mail.messageId, `<${d.email.deliveryId}@mail.example.com>`);

    const push = fakes.webpush.requests[0]!;
    assert.equal(push.status, 201, push.error);
    const payload = JSON.parse(push.payload!);
    assert.deepEqual([payload.title, payload.body, payload.deliveryId, payload.notificationId], ['Shipped', 'Order 42 is on its way', d.webpush.deliveryId, res.body.notificationId]);
    assert.deepEqual([push.urgency, push.ttl], ['normal', String(7 * 24 * 3600)]);
    assert.match(d.webpush.providerMessageId, new RegExp(`^${fakes.webpush.url}/message/`));
  });

  it('a subscription the push service says is gone (410) is invalidated like an APNs 410, and cannot be registered again', async (t) => {
    const { api, fakes, subscription } = await setup(t);
    fakes.webpush.unsubscribe(subscription.endpoint);
    const res = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['push'], content: { title: 'Hi', body: 'There' } });
    const view = await notificationFinished(api, res.body.notificationId);
    assert.deepEqual([view.deliveries[0].status, view.deliveries[0].failureReason], ['failed', 'token_invalidated']);
    await eventually(async () => ((await api.get('/v1/users/ada')).body.devices.length === 0 ? true : undefined), 5000, 'the device to be dropped');
    const again = await api.post('/v1/users/ada/devices', { platform: 'web', subscription });
    assert.equal(again.status, 409);
    assert.deepEqual(again.body.errors.map((e: { field: string }) => e.field), ['token']);
  });

  it('a browser that subscribes again with new keys before a scheduled push goes gets it encrypted for the new keys', async (t) => {
    const { api, fakes, subscription, deviceId } = await setup(t);
    const sendAt = new Date(Date.now() + 2000).toISOString();
    const res = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['push'], sendAt, content: { title: 'Later', body: 'Still readable' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const renewed = fakes.webpush.resubscribe(subscription.endpoint);
    const again = await api.post('/v1/users/ada/devices', { platform: 'web', provider: 'webpush', subscription: renewed });
    assert.deepEqual([again.status < 300, again.body.deviceId], [true, deviceId]);
    const view = await notificationFinished(api, res.body.notificationId);
    assert.equal(view.deliveries[0].status, 'sent');
    const push = fakes.webpush.requests[0]!;
    assert.deepEqual([push.status, push.error, JSON.parse(push.payload!).body], [201, undefined, 'Still readable']);
  });

  it('a retryable Twilio answer (429 with Retry-After) is tried again and sent', async (t) => {
    const { api, fakes } = await setup(t);
    fakes.twilio.failNext(1, { status: 429, code: 20429, retryAfterSeconds: 1 });
    const res = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['sms'], content: { text: 'Code 1234' } });
    const view = await notificationFinished(api, res.body.notificationId);
    assert.deepEqual([view.deliveries[0].status, view.deliveries[0].attempts], ['sent', 2]);
    assert.ok(fakes.twilio.requests[1]!.at - fakes.twilio.requests[0]!.at >= 900, 'after Retry-After');
  });

  it('a bad subscription is a 400 naming each bad field', async (t) => {
    const { api, subscription } = await setup(t);
    const bad = await api.post('/v1/users/ada/devices', { platform: 'web', subscription: { endpoint: 'http://push.example.net/x', keys: { p256dh: 'BAAA', auth: 'short' } } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['subscription.endpoint', 'subscription.keys.auth', 'subscription.keys.p256dh']);
    const offCurve = Buffer.alloc(65, 1);
    offCurve[0] = 4;
    const notAPoint = await api.post('/v1/users/ada/devices', { platform: 'web', subscription: { ...subscription, keys: { ...subscription.keys, p256dh: offCurve.toString('base64url') } } });
    assert.deepEqual([notAPoint.status, notAPoint.body.errors.map((e: { field: string }) => e.field)], [400, ['subscription.keys.p256dh']]);
    const noKeys = await api.post('/v1/users/ada/devices', { platform: 'web', subscription: { endpoint: subscription.endpoint } });
    assert.deepEqual([noKeys.status, noKeys.body.errors.map((e: { field: string }) => e.field)], [400, ['subscription.keys']]);
    const mixed = await api.post('/v1/users/ada/devices', { platform: 'ios', provider: 'webpush', token: 'a'.repeat(64) });
    assert.deepEqual([mixed.status, mixed.body.errors.map((e: { field: string }) => e.field)], [400, ['platform', 'token', 'subscription']]);
    const wrongProvider = await api.post('/v1/users/ada/devices', { platform: 'web', provider: 'fcm', subscription });
    assert.deepEqual([wrongProvider.status, wrongProvider.body.errors.map((e: { field: string }) => e.field)], [400, ['subscription', 'token']]);
  });
});
