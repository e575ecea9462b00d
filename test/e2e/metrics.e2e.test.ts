import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser, startApp, type Api } from '../support/app.js';
import { queueProfiles, startProviderFakes } from '../support/fakes.js';
import { sample } from '../support/metrics.js';
import { eventually } from '../support/temp.js';

const scrape = async (api: Api) => (await api.as(undefined).get<string>('/metrics')).body;

for (const profile of queueProfiles()) {
  describe(`/metrics (${profile.name} profile)`, () => {
    it('the SMS queue depth rises while Vonage is down and falls back to 0 after; counters, breaker and lag are there', { timeout: 60_000 }, async (t) => {
      const fakes = await startProviderFakes(t);
      const { api } = await startApp(t, {
        ...fakes.env,
        ...profile.env(),
        RETRY_BASE_DELAY: '100ms',
        RETRY_MAX_DELAY: '500ms',
        SMS_MAX_ATTEMPTS: '100',
        BREAKER_MIN_CALLS: '1000',
        RATE_LIMIT_SMS: '100/1d',
        CONTENT_DEDUP_WINDOW: '0s',
        SMS_RATE_LIMIT: '0',
      });
      await createUser(api, 'ada');
      fakes.vonage.down({ httpStatus: 503 });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['sms'], content: { text: `code ${i}` } })).body.notificationId);

      const backlog = await eventually(async () => {
        const text = await scrape(api);
        return (sample(text, 'herald_queue_depth', { queue: 'sms' }) ?? 0) >= 5 && (sample(text, 'herald_deliveries_total', { channel: 'sms', outcome: 'retried' }) ?? 0) > 0 ? text : undefined;
      }, 15_000, 'five SMS jobs held in the queue while Vonage is down');
      assert.equal(sample(backlog, 'herald_queue_depth', { queue: 'email' }), 0, 'other queues are empty');
      assert.ok((sample(backlog, 'herald_provider_request_seconds_count', { provider: 'vonage', result: 'retryable' }) ?? 0) > 0, 'provider latency by result');
      assert.equal(sample(backlog, 'herald_circuit_state', { provider: 'vonage' }), 0, 'the breaker gauge is there (closed: BREAKER_MIN_CALLS not reached)');
      assert.notEqual(sample(backlog, 'herald_queue_oldest_job_age_seconds', { queue: 'sms' }), undefined);
      assert.ok((sample(backlog, 'herald_http_request_seconds_count', { route: '/v1/notifications', status: '202' }) ?? 0) >= 5, 'API latency per route');
      assert.match(backlog, /^# TYPE herald_webhooks_total counter$/m, 'webhook outcomes are declared');
      assert.match(backlog, /^# TYPE herald_heap_live_bytes gauge$/m, 'the live heap gauge is declared (its value comes with the first full collection)');

      fakes.vonage.up();
      const drained = await eventually(async () => {
        const text = await scrape(api);
        return sample(text, 'herald_queue_depth', { queue: 'sms' }) === 0 && sample(text, 'herald_deliveries_total', { channel: 'sms', provider: 'vonage', outcome: 'sent' }) === 5 ? text : undefined;
      }, 20_000, 'the SMS queue to drain once Vonage is back');
      assert.equal(sample(drained, 'herald_enqueued_total', { queue: 'sms', channel: 'sms' }), 5);
      // Filtered projections count as caught up once they have read past the events they skip.
      const projections = ['dispatch', 'notification_status', 'webhooks', 'digest_schedule'];
      const caughtUp = await eventually(async () => {
        const text = await scrape(api);
        return projections.every((projection) => sample(text, 'herald_projection_lag', { projection }) === 0) ? text : undefined;
      }, 5000, 'every projection at the head of the log');
      for (const projection of projections) assert.equal(sample(caughtUp, 'herald_projection_lag_seconds', { projection }), 0);
    });
  });
}

describe('herald_notification_decisions_total', () => {
  it('counts accepted, suppressed and repeated decisions', async (t) => {
    const { api } = await startApp(t, { CONTENT_DEDUP_WINDOW: '0s' });
    await createUser(api, 'ada');
    await api.put('/v1/users/ada/preferences', { channels: { sms: false } });
    const send = (n: number, extra: Record<string, unknown> = {}) => api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['email'], content: { subject: `n${n}`, text: `n${n}` }, ...extra });
    // Fewer than the default email rate limit, so every one of these is accepted.
    for (let n = 0; n < 6; n++) assert.equal((await send(n)).body.status, 'accepted');
    for (let n = 0; n < 4; n++) assert.equal((await send(100 + n, { channels: ['sms'] })).body.status, 'suppressed');
    assert.equal((await send(0, { idempotencyKey: 'once' })).status, 202);
    assert.equal((await send(0, { idempotencyKey: 'once' })).status, 200);
    const text = await scrape(api);
    assert.equal(sample(text, 'herald_notification_decisions_total', { outcome: 'accepted' }), 7);
    assert.equal(sample(text, 'herald_notification_decisions_total', { outcome: 'suppressed' }), 4);
    assert.equal(sample(text, 'herald_notification_decisions_total', { outcome: 'duplicate' }), 1);
  });
});

for (const profile of queueProfiles()) {
  describe(`queue depth after a cancel (${profile.name} profile)`, () => {
    it('a canceled scheduled notification leaves the delayed depth', { timeout: 60_000 }, async (t) => {
      const { api } = await startApp(t, profile.env());
      await createUser(api, 'ada');
      const sendAt = new Date(Date.now() + 3_600_000).toISOString();
      const ids: string[] = [];
      for (let n = 0; n < 3; n++) ids.push((await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['email'], content: { subject: `s${n}`, text: `s${n}` }, sendAt })).body.notificationId);
      await eventually(async () => (sample(await scrape(api), 'herald_queue_depth', { queue: 'email', state: 'delayed' }) === 3 ? true : undefined), 15_000, 'three delayed email jobs');
      assert.equal((await api.request('DELETE', `/v1/notifications/${ids[0]}`)).status, 200);
      assert.equal((await api.request('DELETE', `/v1/notifications/${ids[1]}`)).status, 200);
      await eventually(async () => (sample(await scrape(api), 'herald_queue_depth', { queue: 'email', state: 'delayed' }) === 1 ? true : undefined), 15_000, 'the two canceled jobs to leave the delayed depth');
      const kept = (await api.get(`/v1/notifications/${ids[2]}`)).body;
      assert.equal(kept.deliveries[0].status, 'scheduled');
    });
  });
}
