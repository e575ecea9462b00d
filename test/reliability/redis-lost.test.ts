import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser, sandboxSendsPerDelivery, startApp, type Api } from '../support/app.js';
import { sample } from '../support/metrics.js';
import { ownRedis } from '../support/redis.js';
import { eventually } from '../support/temp.js';
import { report } from './report.js';

async function sendScheduled(api: Api, count: number, tag: string, inMs: number): Promise<string[]> {
  const sendAt = new Date(Date.now() + inMs).toISOString();
  const res = await api.post('/v1/notifications/batch', {
    notifications: Array.from({ length: count }, (_, i) => ({ userId: 'ada', category: 'c', channels: ['email'], content: { subject: `${tag}${i}`, text: 't' }, sendAt })),
  });
  return res.body.results.map((r: { notificationId: string; statusCode: number }) => {
    assert.equal(r.statusCode, 202);
    return r.notificationId;
  });
}

async function allSent(api: Api, ids: string[]) {
  await eventually(async () => {
    const views = await Promise.all(ids.map((id) => api.get(`/v1/notifications/${id}`)));
    return views.every((v) => v.body.status === 'sent') ? true : undefined;
  }, 60_000, 'every notification sent');
}

/** Until the queues hold at least `count` jobs: what is flushed or lost next was really in Redis. */
async function queued(api: Api, count: number) {
  await eventually(async () => {
    const metrics = (await api.as(undefined).get<string>('/metrics')).body;
    return (sample(metrics, 'herald_queue_depth', { queue: 'email' }) ?? 0) >= count ? true : undefined;
  }, 10_000, `${count} jobs in the queue`);
}

describe('Redis lost (redis profile)', { skip: process.env.REDIS_URL ? false : 'redis-server is not installed (npm test installs it)' }, () => {
  it('FLUSHALL, then a killed and restarted redis-server, mid-run: work is re-derived from the log, nothing lost', { timeout: 180_000 }, async (t) => {
    const redis = await ownRedis(t);
    const { api } = await startApp(t, { QUEUE: 'bullmq', REDIS_URL: redis.url, RATE_LIMIT_EMAIL: '100000/1h', CONTENT_DEDUP_WINDOW: '0s', CLIENT_RATE_LIMIT: '100000' });
    t.after(redis.stop);
    await createUser(api, 'ada', { email: 'ada@example.com' });

    const first = await sendScheduled(api, 300, 'flush', 3000);
    await queued(api, 300);
    assert.equal(await redis.command('FLUSHALL'), 'OK');
    await allSent(api, first);

    const second = await sendScheduled(api, 300, 'restart', 3000);
    await queued(api, 300);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1000)); // the outage
    await redis.start();
    await allSent(api, second);

    const counts = await sandboxSendsPerDelivery(api, '&userId=ada');
    assert.equal(counts.size, 600, 'every delivery reached the provider');
    assert.ok([...counts.values()].every((c) => c <= 2), 'at most twice each');
    report({ scenario: 'Redis lost (FLUSHALL; kill + restart)', profile: 'redis', notifications: 600, lost: 0, duplicates: [...counts.values()].filter((c) => c > 1).length, fiveXx: 0, maxLatencyMs: 0 });
  });
});
