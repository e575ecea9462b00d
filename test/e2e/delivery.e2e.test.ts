import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startAlertSink } from '../support/alert-sink.js';
import { apnsToken, createUser, notificationFinished, startApp, type Api } from '../support/app.js';
import { queueProfiles, startProviderFakes } from '../support/fakes.js';
import { eventually } from '../support/temp.js';

const FAST_RETRIES = { RETRY_BASE_DELAY: '100ms', RETRY_MAX_DELAY: '2s', PROVIDER_TIMEOUT: '3s', BREAKER_MIN_CALLS: '1000', LOG_LEVEL: 'error' };
const FCM_TOKEN = 'fcm-device-token-0123456789abcdef:APA91b';


async function setup(t: TestContext, profileEnv: Record<string, string>, extra: Record<string, string> = {}) {
  const fakes = await startProviderFakes(t);
  const { api } = await startApp(t, { ...fakes.env, ...FAST_RETRIES, ...profileEnv, ...extra });
  await createUser(api, 'ada', { email: 'ada@example.com', phone: '+447700900123', locale: 'en-GB' });
  await api.post('/v1/users/ada/devices', { platform: 'ios', token: apnsToken(1) });
  await api.post('/v1/users/ada/devices', { platform: 'android', token: FCM_TOKEN });
  return { api, fakes };
}

const send = (api: Api, body: Record<string, unknown>) =>
  api.post('/v1/notifications', { userId: 'ada', category: 'orders', content: { title: 'Shipped', body: `Order ${Math.random()}`, subject: 'Your order', text: 'It is on its way' }, ...body });

for (const profile of queueProfiles()) {
  describe(`delivery through the real SDKs to the provider fakes (${profile.name} profile)`, () => {
    it('delivers on every channel, one push per device, each carrying its delivery id', async (t) => {
      const { api, fakes } = await setup(t, profile.env());
      const res = await send(api, {});
      assert.equal(res.status, 202);
      const view = await notificationFinished(api, res.body.notificationId);
      assert.equal(view.status, 'sent');
      const ids = Object.fromEntries(view.deliveries.map((d: { queue: string; deliveryId: string }) => [d.queue, d.deliveryId]));
      assert.deepEqual(fakes.apns.requests.filter((r) => r.status === 200).map((r) => r.deliveryId), [ids.apns]);
      assert.deepEqual(fakes.fcm.requests.filter((r) => r.status === 200).map((r) => r.deliveryId), [ids.fcm]);
      assert.deepEqual(fakes.vonage.requests.map((r) => r.clientRef), [ids.sms]);
      assert.deepEqual(fakes.mailgun.requests.map((r) => r.deliveryId), [ids.email]);
      assert.equal(fakes.vonage.requests[0]!.to, '447700900123');
      assert.deepEqual(fakes.mailgun.requests[0]!.to, ['ada@example.com']);
      for (const d of view.deliveries) assert.ok(d.providerMessageId, `${d.queue} has a provider message id`);
    });

    it('a retryable error that clears succeeds on attempt 3: three requests at the fake, one NotificationSent', async (t) => {
      const { api, fakes } = await setup(t, profile.env());
      fakes.vonage.failNext(2, { httpStatus: 500 });
      const res = await send(api, { channels: ['sms'] });
      const view = await notificationFinished(api, res.body.notificationId);
      assert.equal(view.deliveries[0].status, 'sent');
      assert.equal(view.deliveries[0].attempts, 3);
      assert.equal(fakes.vonage.requests.length, 3);
      assert.ok(fakes.vonage.requests.every((r) => r.clientRef === view.deliveries[0].deliveryId), 'every attempt carries the same delivery id');
    });

    it('a permanent error fails at once with the provider’s reason', async (t) => {
      const { api, fakes } = await setup(t, profile.env());
      fakes.mailgun.failNext(1, { status: 400, message: 'to parameter is not a valid address' });
      const res = await send(api, { channels: ['email'] });
      const view = await notificationFinished(api, res.body.notificationId);
      assert.equal(view.deliveries[0].status, 'failed');
      assert.equal(view.deliveries[0].failureReason, 'permanent');
      assert.equal(fakes.mailgun.requests.length, 1);
    });

    it('an unregistered token is invalidated and never targeted again', async (t) => {
      const { api, fakes } = await setup(t, profile.env());
      fakes.apns.invalidTokens.add(apnsToken(1));
      const res = await send(api, { channels: ['push'] });
      const view = await notificationFinished(api, res.body.notificationId);
      const apnsDelivery = view.deliveries.find((d: { queue: string }) => d.queue === 'apns');
      assert.equal(apnsDelivery.status, 'failed');
      assert.equal(apnsDelivery.failureReason, 'token_invalidated');
      const user = await eventually(async () => {
        const u = (await api.get('/v1/users/ada')).body;
        return u.devices.length === 1 ? u : undefined;
      });
      assert.equal(user.devices[0].provider, 'fcm');
      const next = await send(api, { channels: ['push'] });
      assert.deepEqual(next.body.deliveries.map((d: { queue: string }) => d.queue), ['fcm']);
      assert.equal((await api.post('/v1/users/ada/devices', { platform: 'ios', token: apnsToken(1) })).status, 409);
    });

    it('honours Retry-After on a 429', async (t) => {
      const { api, fakes } = await setup(t, profile.env());
      fakes.vonage.failNext(1, { httpStatus: 429, retryAfterSeconds: 2 });
      const res = await send(api, { channels: ['sms'] });
      const view = await notificationFinished(api, res.body.notificationId);
      assert.equal(view.deliveries[0].status, 'sent');
      const attempts = fakes.vonage.requests.filter((r) => r.clientRef === view.deliveries[0].deliveryId);
      assert.equal(attempts.length, 2);
      assert.ok(attempts[1]!.at - attempts[0]!.at >= 1900, `retried after ${attempts[1]!.at - attempts[0]!.at} ms`);
    });

    it('a provider down for a while does not hold up the other channels', async (t) => {
      const { api, fakes } = await setup(t, profile.env(), { SMS_MAX_ATTEMPTS: '50' });
      fakes.vonage.down({ httpStatus: 503 });
      const res = await send(api, { channels: ['sms', 'email'] });
      const emailSent = await eventually(async () => {
        const d = (await api.get(`/v1/notifications/${res.body.notificationId}`)).body.deliveries.find((x: { queue: string }) => x.queue === 'email');
        return d?.status === 'sent' ? d : undefined;
      }, 5000, 'email while SMS is down');
      assert.ok(emailSent);
      const sms = (await api.get(`/v1/notifications/${res.body.notificationId}`)).body.deliveries.find((x: { queue: string }) => x.queue === 'sms');
      assert.notEqual(sms.status, 'sent');
      fakes.vonage.up();
      const view = await notificationFinished(api, res.body.notificationId, 20_000);
      assert.equal(view.status, 'sent');
    });

    it('sendAt delivers then, not before; cancel stops a scheduled delivery', async (t) => {
      const { api, fakes } = await setup(t, profile.env());
      const sendAt = new Date(Date.now() + 1500).toISOString();
      const scheduled = await send(api, { channels: ['email'], sendAt });
      const later = await send(api, { channels: ['sms'], sendAt: new Date(Date.now() + 3_600_000).toISOString() });
      assert.equal((await api.get(`/v1/notifications/${scheduled.body.notificationId}`)).body.deliveries[0].status, 'scheduled');
      const canceled = await api.delete(`/v1/notifications/${later.body.notificationId}`);
      assert.equal(canceled.status, 200);
      assert.deepEqual(canceled.body.canceled, [later.body.deliveries[0].deliveryId]);
      assert.equal((await api.delete(`/v1/notifications/${later.body.notificationId}`)).status, 409);
      const view = await notificationFinished(api, scheduled.body.notificationId);
      assert.ok(Date.parse(view.deliveries[0].sentAt) >= Date.parse(sendAt), 'not before sendAt');
      assert.equal(fakes.mailgun.requests.length, 1);
      assert.equal((await api.get(`/v1/notifications/${later.body.notificationId}`)).body.status, 'canceled');
      assert.equal(fakes.vonage.requests.length, 0);
      assert.equal((await api.delete(`/v1/notifications/${scheduled.body.notificationId}`)).status, 409, 'nothing left to cancel once sent');
    });

    it('renders templates in the user’s locale, falling back to the default', async (t) => {
      const { api, fakes } = await setup(t, profile.env());
      await createUser(api, 'jean', { email: 'jean@example.com', locale: 'fr-CA' });
      const published = await api.post('/v1/templates', {
        id: 'shipped',
        defaultLocale: 'en',
        channels: { email: { en: { subject: 'Order {{ order }} shipped', text: 'Hi {{ name }}' }, fr: { subject: 'Commande {{ order }} expédiée', text: 'Bonjour {{ name }}' } } },
      });
      assert.equal(published.status, 201);
      for (const userId of ['ada', 'jean']) {
        const res = await api.post('/v1/notifications', { userId, category: 'orders', channels: ['email'], template: { id: 'shipped', params: { order: 7, name: userId } } });
        assert.equal(res.status, 202, JSON.stringify(res.body));
        await notificationFinished(api, res.body.notificationId);
      }
      const subjects = Object.fromEntries(fakes.mailgun.requests.map((r) => [r.to[0], r.subject]));
      assert.deepEqual(subjects, { 'ada@example.com': 'Order 7 shipped', 'jean@example.com': 'Commande 7 expédiée' });
      const missing = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', template: { id: 'shipped', params: { order: 7 } } });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.errors[0].field, 'template.params');
    });

    it('alerts the developers once per kind when a provider keeps failing', async (t) => {
      const hook = await startAlertSink(t);
      const { api, fakes } = await setup(t, profile.env(), {
        ALERT_WEBHOOK_URL: hook.url,
        BREAKER_MIN_CALLS: '3',
        BREAKER_OPEN: '300ms',
        SMS_MAX_ATTEMPTS: '2',
        RATE_LIMIT_SMS: '100/1d',
      });
      fakes.vonage.down({ httpStatus: 500 });
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await send(api, { channels: ['sms'], content: { text: `code ${i}` } })).body.notificationId);
      for (const id of ids) {
        const view = await notificationFinished(api, id, 20_000);
        assert.equal(view.deliveries[0].failureReason, 'exhausted');
      }
      await eventually(() => (hook.alerts.some((b) => b.kind === 'delivery_exhausted') ? true : undefined));
      const kinds = hook.alerts.map((b) => b.kind);
      assert.equal(kinds.filter((k) => k === 'provider_unhealthy').length, 1, `alerts: ${kinds}`);
      assert.equal(kinds.filter((k) => k === 'delivery_exhausted').length, 1, `alerts: ${kinds}`);
    });

    it('an outage’s probes are spread over the waiting deliveries, not spent from one delivery’s attempts', async (t) => {
      const { api, fakes } = await setup(t, profile.env(), { BREAKER_MIN_CALLS: '3', BREAKER_OPEN: '300ms', EMAIL_MAX_ATTEMPTS: '5', RATE_LIMIT_EMAIL: '100/1h' });
      fakes.mailgun.down({ status: 500 });
      // One batch, so the ten are queued together and each fails once, opening the circuit; then
      // six probes. Were they all the same delivery's, it would be exhausted (1 + 4 attempts)
      // while the circuit was doing its job. Spread at random, one delivery still draws three of
      // six probes now and then; it takes four to exhaust it, which chance all but never deals.
      const notifications = Array.from({ length: 10 }, (_, i) => ({ userId: 'ada', category: 'orders', channels: ['email'], content: { subject: `s${i}`, text: `t${i}` } }));
      const batch = await api.post('/v1/notifications/batch', { notifications });
      const ids: string[] = batch.body.results.map((r: { notificationId: string }) => r.notificationId);
      await eventually(() => (fakes.mailgun.requests.length >= 16 ? true : undefined), 20_000, 'six probes of the circuit');
      fakes.mailgun.up();
      for (const id of ids) {
        const view = await notificationFinished(api, id, 20_000);
        assert.equal(view.deliveries[0].status, 'sent', `${view.deliveries[0].attempts} attempts: ${view.deliveries[0].lastError}`);
      }
    });

    it('an opt-out after the decision stops a queued delivery at send time', async (t) => {
      const { api, fakes } = await setup(t, profile.env());
      const res = await send(api, { channels: ['email'], sendAt: new Date(Date.now() + 1000).toISOString() });
      await api.put('/v1/users/ada/preferences', { channels: { email: false } });
      const view = await notificationFinished(api, res.body.notificationId);
      assert.equal(view.deliveries[0].status, 'failed');
      assert.equal(view.deliveries[0].failureReason, 'opted_out');
      assert.equal(fakes.mailgun.requests.length, 0);
    });
  });
}
