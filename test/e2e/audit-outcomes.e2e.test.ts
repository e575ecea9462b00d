import assert from 'node:assert/strict';
import { it } from 'node:test';
import { apnsToken, createUser, notificationFinished, startApp, type Api } from '../support/app.js';
import { startProviderFakes } from '../support/fakes.js';
import { eventually } from '../support/temp.js';

const FCM_TOKEN = 'fcm-device-token-audit-0123456789:APA91b';

const ended = (api: Api, id: string) => notificationFinished(api, id, 20_000);

const byChannel = (explained: { channels: { channel: string }[] }) => Object.fromEntries(explained.channels.map((c) => [c.channel, c as any]));

/**
 * After each delivery outcome the notification's explain and timeline say what happened and
 * why: sent after a retry, a dead token (which one), a permanent provider error (which), retries
 * exhausted, and a cancel before the send.
 */
it('explain and timeline after each delivery outcome', async (t) => {
  const fakes = await startProviderFakes(t);
  const { api } = await startApp(t, { ...fakes.env, RETRY_BASE_DELAY: '50ms', RETRY_MAX_DELAY: '200ms', SMS_MAX_ATTEMPTS: '2', BREAKER_MIN_CALLS: '1000', LOG_LEVEL: 'error' });
  await createUser(api, 'ada', { email: 'ada@example.com', phone: '+447700900123' });
  await api.post('/v1/users/ada/devices', { platform: 'ios', token: apnsToken(9) });
  await api.post('/v1/users/ada/devices', { platform: 'android', token: FCM_TOKEN });

  fakes.apns.invalidTokens.add(apnsToken(9));
  fakes.fcm.failNext(1, { status: 500, errorCode: 'INTERNAL', message: 'Internal error encountered.' }); // firebase-admin retries a 503 itself
  fakes.mailgun.failNext(1, { status: 400, message: "'to' parameter is not a valid address" });
  fakes.vonage.down({ status: '1', errorText: 'Throttled' });

  const res = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', content: { title: 'Shipped', body: 'On its way', subject: 'Shipped', text: 'On its way' } });
  assert.equal(res.status, 202);
  const id = res.body.notificationId as string;
  await ended(api, id);
  const explained = (await api.get(`/v1/notifications/${id}/explain`)).body;
  const channels = byChannel(explained);

  const push = channels.push.deliveries as { target: { provider: string; tokenSuffix: string }; outcome: string; failureReason?: string; errors: string[]; attempts: number }[];
  const apns = push.find((d) => d.target.provider === 'apns')!;
  assert.equal(apns.outcome, 'NotificationFailed');
  assert.equal(apns.failureReason, 'token_invalidated');
  assert.equal(apns.target.tokenSuffix, apnsToken(9).slice(-6), 'names the token that was invalidated');
  assert.match(apns.errors[0]!, /Unregistered/);
  const fcm = push.find((d) => d.target.provider === 'fcm')!;
  assert.equal(fcm.outcome, 'NotificationSent');
  assert.equal(fcm.attempts, 2, 'one retry, then sent');
  assert.match(fcm.errors[0]!, /internal/i);
  assert.equal(channels.push.delivered, true, 'push reached one of the two devices');

  assert.equal(channels.email.delivered, false);
  assert.equal(channels.email.deliveries[0].failureReason, 'permanent');
  assert.match(channels.email.deliveries[0].errors[0], /not a valid address/, 'names the provider error');

  assert.equal(channels.sms.delivered, false);
  assert.equal(channels.sms.deliveries[0].failureReason, 'exhausted');
  assert.equal(channels.sms.deliveries[0].attempts, 2);
  assert.match(channels.sms.deliveries[0].errors.at(-1), /Throttled/);

  const timeline = (await api.get(`/v1/notifications/${id}/timeline`)).body.events.map((e: { type: string }) => e.type);
  assert.equal(timeline[0], 'NotificationRequested');
  assert.deepEqual(
    [...new Set(timeline.slice(1))].sort(),
    ['NotificationFailed', 'NotificationRetried', 'NotificationSent'],
  );
  const user = (await api.get('/v1/users/ada/timeline')).body.events as { type: string; data: { token?: string } }[];
  const invalidated = user.find((e) => e.type === 'DeviceTokenInvalidated');
  assert.ok(invalidated, 'the dead token is invalidated on the user stream');

  // Canceled before its send time.
  fakes.vonage.up();
  const later = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['sms'], sendAt: new Date(Date.now() + 3_600_000).toISOString(), content: { text: 'Tomorrow' } });
  assert.equal(later.status, 202);
  assert.equal((await api.delete(`/v1/notifications/${later.body.notificationId}`)).status, 200);
  const canceled = await eventually(async () => {
    const body = (await api.get(`/v1/notifications/${later.body.notificationId}/explain`)).body;
    return body.channels?.[0]?.deliveries?.[0]?.outcome === 'NotificationCanceled' ? body : undefined;
  }, 10_000, 'the cancel to show');
  assert.equal(canceled.channels[0].delivered, false);
  assert.deepEqual((await api.get(`/v1/notifications/${later.body.notificationId}/timeline`)).body.events.map((e: { type: string }) => e.type), ['NotificationRequested', 'NotificationCanceled']);
});
