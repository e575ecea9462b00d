import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createUser, notificationFinished, startApp, type Api } from '../support/app.js';
import { queueProfiles, startProviderFakes, startTwilioSmtpWebPushFakes } from '../support/fakes.js';
import { sample } from '../support/metrics.js';
import { eventually } from '../support/temp.js';

const FAST = { RETRY_BASE_DELAY: '100ms', RETRY_MAX_DELAY: '1s', PROVIDER_TIMEOUT: '1s', BREAKER_MIN_CALLS: '1000', CONTENT_DEDUP_WINDOW: '0s', LOG_LEVEL: 'error' };

/** Herald with Vonage first and Twilio as its backup for SMS, and a user with a phone. */
async function setup(t: TestContext, env: Record<string, string> = {}) {
  const primary = await startProviderFakes(t);
  const backup = await startTwilioSmtpWebPushFakes(t);
  const { api } = await startApp(t, { ...primary.env, ...backup.env, SMS_PROVIDERS: 'vonage,twilio', EMAIL_PROVIDERS: 'mailgun,smtp', ...FAST, ...env });
  await createUser(api, 'ada', { phone: '+447700900123' });
  return { api, vonage: primary.vonage, twilio: backup.twilio };
}

const sendSms = async (api: Api, text: string) => {
  const res = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['sms'], content: { text } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.notificationId as string;
};

for (const profile of queueProfiles()) {
  describe(`SMS failover from Vonage to Twilio (${profile.name} profile)`, () => {
    it('a 5xx from Vonage hands the delivery to Twilio at once; explain, metrics and analytics show the failover', async (t) => {
      const { api, vonage, twilio } = await setup(t, profile.env());
      vonage.down({ httpStatus: 503 });
      const id = await sendSms(api, 'code 1234');
      const view = await notificationFinished(api, id);
      const [delivery] = view.deliveries;
      assert.deepEqual([delivery.status, delivery.provider, delivery.attempts], ['sent', 'twilio', 2]);
      assert.deepEqual(vonage.requests.map((r) => r.httpStatus), [503]);
      assert.deepEqual(twilio.requests.map((r) => [r.body, r.status]), [['code 1234', 201]]);

      const explained = (await api.get(`/v1/notifications/${id}/explain`)).body;
      const [explainedDelivery] = explained.channels[0].deliveries;
      assert.equal(explainedDelivery.sentBy, 'twilio');
      assert.deepEqual(explainedDelivery.failovers.map((f: { from: string; to: string }) => [f.from, f.to]), [['vonage', 'twilio']]);

      const metrics = (await api.as(undefined).get<string>('/metrics')).body;
      assert.equal(sample(metrics, 'herald_provider_failovers_total', { channel: 'sms', from: 'vonage', to: 'twilio' }), 1);
      const today = new Date().toISOString().slice(0, 10);
      await eventually(async () => ((await api.get(`/v1/analytics/summary?from=${today}&to=${today}&channel=sms`)).body.groups[0]?.failedOver === 1 ? true : undefined), 10_000, 'analytics to count the failover');
    });
  });
}

describe('SMS failover after a timeout (embedded profile)', () => {
  it('by default a call that timed out (it may have been delivered) is retried on the same healthy provider, not handed over', async (t) => {
    const { api, vonage, twilio } = await setup(t);
    vonage.setDelay(1500);
    const id = await sendSms(api, 'late');
    // The first call is answered (accepted) only after Herald stopped waiting; the next ones at once.
    await eventually(() => (vonage.requests.length > 0 ? true : undefined), 5000, 'the first call at Vonage');
    vonage.setDelay(0);
    const view = await notificationFinished(api, id);
    assert.deepEqual([view.deliveries[0].status, view.deliveries[0].provider], ['sent', 'vonage']);
    assert.equal(vonage.requests.length, 2, 'tried twice at Vonage (the first may have been delivered too, with the same client-ref)');
    assert.deepEqual(new Set(vonage.requests.map((r) => r.clientRef)).size, 1);
    assert.equal(twilio.requests.length, 0, 'nothing went to the backup');
  });

  it('with FAILOVER_AFTER_TIMEOUT=true a call that timed out goes to the next provider at once', async (t) => {
    const { api, vonage, twilio } = await setup(t, { FAILOVER_AFTER_TIMEOUT: 'true' });
    vonage.setDelay(3000);
    const id = await sendSms(api, 'now');
    const view = await notificationFinished(api, id);
    assert.deepEqual([view.deliveries[0].status, view.deliveries[0].provider], ['sent', 'twilio']);
    assert.equal(twilio.requests.length, 1);
    const explained = (await api.get(`/v1/notifications/${id}/explain`)).body.channels[0].deliveries[0];
    assert.match(explained.failovers[0].error, /timeout/);
  });
});
