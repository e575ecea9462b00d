import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Api, notificationsFinished } from '../support/app.js';
import { startProviderFakes, startTwilioSmtpWebPushFakes } from '../support/fakes.js';
import { percentile, sample } from '../support/metrics.js';
import { freePort, spawnHerald } from '../support/process.js';
import { openLoop } from '../support/load.js';
import { eventually, tempDir } from '../support/temp.js';
import { report } from './report.js';

/**
 * Vonage fails for a minute under steady SMS load, with Twilio as its backup: 30 s of 503s,
 * then 30 s of answers that come after PROVIDER_TIMEOUT (Vonage still sends those: the case
 * where a retry may duplicate). Nothing may be lost; the median accept-to-sent of each fault
 * phase stays within twice the healthy one; an SMS reaches both providers only where the
 * timeout rule allows it (its Vonage call timed out), and each such case is in its timeline.
 */
const RATE_PER_SECOND = 5;
const USERS = 20;
const WARM_UP_MS = 15_000;
const PHASE_MS = 30_000;
const LATENCY_FLOOR_MS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Phase = 'warm-up' | 'errors' | 'timeouts' | 'cleared';

interface DeliveryView {
  deliveryId: string;
  status: string;
  provider: string | null;
  sentAt: string | null;
}

describe('SMS failover: Vonage down for a minute, Twilio as backup', () => {
  it('embedded: nothing lost, latency kept, a delivery at both providers only after a timeout, and traceable', { timeout: 240_000 }, async (t) => {
    const primary = await startProviderFakes(t);
    const backup = await startTwilioSmtpWebPushFakes(t);
    const dataDir = tempDir(t);
    const port = await freePort();
    const herald = await spawnHerald(t, {
      ...primary.env,
      ...backup.env,
      SMS_PROVIDERS: 'vonage,twilio',
      EMAIL_PROVIDERS: 'mailgun,smtp',
      TWILIO_STATUS_CALLBACK_URL: 'https://hooks.example.com/twilio',
      DATA_DIR: dataDir,
      PORT: String(port),
      PROVIDER_TIMEOUT: '2s',
      BREAKER_OPEN: '3s',
      RETRY_BASE_DELAY: '500ms',
      RETRY_MAX_DELAY: '5s',
      SMS_MAX_ATTEMPTS: '20',
      SMS_RATE_LIMIT: '0',
      RATE_LIMIT_SMS: '100000/1d',
      CONTENT_DEDUP_WINDOW: '0s',
      CLIENT_RATE_LIMIT: '100000',
    });
    const anonymous = new Api(`http://127.0.0.1:${port}`);
    await eventually(async () => ((await anonymous.get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 30_000, 'herald to start');
    const api = anonymous.as(JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8')));
    for (let u = 0; u < USERS; u++) assert.equal((await api.put(`/v1/users/u${u}`, { phone: '+447700900123' })).status, 201);

    let phase: Phase = 'warm-up';
    const accepted: { notificationId: string; phase: Phase }[] = [];
    let failedRequests = 0;
    let maxApiLatency = 0;
    // One SMS every 200 ms, whatever the answers take.
    const load = openLoop(RATE_PER_SECOND, async (n) => {
      const sentIn = phase;
      const began = performance.now();
      await api.post('/v1/notifications', { userId: `u${n % USERS}`, category: 'orders', channels: ['sms'], content: { text: `code ${n}` } }).then(
        (res) => {
          maxApiLatency = Math.max(maxApiLatency, performance.now() - began);
          if (res.status === 202) accepted.push({ notificationId: res.body.notificationId, phase: sentIn });
          else failedRequests += 1;
        },
        () => void (failedRequests += 1),
      );
    });

    await sleep(WARM_UP_MS);
    phase = 'errors';
    primary.vonage.down({ httpStatus: 503 });
    await sleep(PHASE_MS);
    phase = 'timeouts';
    primary.vonage.up();
    primary.vonage.setDelay(4000);
    await sleep(PHASE_MS);
    phase = 'cleared';
    primary.vonage.setDelay(0);
    await load.stop();

    const views = await notificationsFinished(api, accepted.map((a) => a.notificationId), 90_000);
    const deliveries = views.map((v) => v.body.deliveries[0] as DeliveryView);
    const lost = deliveries.filter((d) => d.status !== 'sent').length;
    const latencies = (p: Phase) => views.flatMap((v, i) => (accepted[i]!.phase === p && v.body.deliveries[0].sentAt ? [Date.parse(v.body.deliveries[0].sentAt) - Date.parse(v.body.requestedAt)] : []));
    const p50 = Object.fromEntries((['warm-up', 'errors', 'timeouts'] as const).map((p) => [p, percentile(latencies(p), 50)])) as Record<'warm-up' | 'errors' | 'timeouts', number>;

    // Which delivery ids each provider took (Vonage accepted = status '0', even when it answered too late).
    const atVonage = new Set(primary.vonage.requests.filter((r) => r.status === '0').map((r) => r.clientRef));
    const atTwilio = new Set(backup.twilio.requests.filter((r) => r.status === 201).map((r) => new URL(r.statusCallback!).searchParams.get('deliveryId')));
    const ours = new Set(deliveries.map((d) => d.deliveryId));
    const both = [...ours].filter((id) => atVonage.has(id) && atTwilio.has(id));
    // Every delivery sent by both has, in its timeline, a Vonage attempt that got no answer.
    const untraced: string[] = [];
    for (const deliveryId of both) {
      const notificationId = views.find((v) => v.body.deliveries[0].deliveryId === deliveryId)!.body.notificationId;
      const timeline = (await api.get(`/v1/notifications/${notificationId}/timeline`)).body;
      const retries = JSON.stringify(timeline);
      if (!/vonage/.test(retries) || !/timeout|did not answer/i.test(retries)) untraced.push(deliveryId);
    }
    const metrics = (await anonymous.get<string>('/metrics')).body;
    const failovers = sample(metrics, 'herald_provider_failovers_total', { channel: 'sms', from: 'vonage', to: 'twilio' }) ?? 0;
    const sentBy = (provider: string) => deliveries.filter((d) => d.provider === provider).length;
    const limit = 2 * Math.max(p50['warm-up'], LATENCY_FLOOR_MS);

    report({
      scenario: 'SMS failover (Vonage 60 s: 503s, then answers after the timeout; Twilio as backup)',
      profile: 'embedded',
      notifications: accepted.length,
      lost,
      duplicates: both.length,
      fiveXx: failedRequests,
      maxLatencyMs: Math.round(maxApiLatency),
      note: [
        `accept→sent p50 warm-up ${Math.round(p50['warm-up'])} ms, errors ${Math.round(p50.errors)} ms, timeouts ${Math.round(p50.timeouts)} ms (limit ${Math.round(limit)} ms: 2 × max(warm-up, ${LATENCY_FLOOR_MS} ms))`,
        `sent by vonage ${sentBy('vonage')}, twilio ${sentBy('twilio')}`,
        `failovers ${failovers}`,
        `at both providers ${both.length}, each after a Vonage timeout: ${untraced.length === 0 ? 'yes' : `no (${untraced.length})`}`,
      ].join('; '),
    });

    assert.equal(failedRequests, 0, 'every request was accepted');
    assert.equal(lost, 0, 'every accepted SMS was sent');
    assert.ok(sentBy('twilio') > 0 && failovers > 0, 'Twilio took over');
    for (const p of ['errors', 'timeouts'] as const) assert.ok(p50[p] <= limit, `p50 during ${p} ${Math.round(p50[p])} ms within ${Math.round(limit)} ms`);
    assert.deepEqual(untraced, [], 'a delivery at both providers only where its Vonage call timed out');
    herald.child.kill('SIGTERM');
    await herald.exited;
  });
});
