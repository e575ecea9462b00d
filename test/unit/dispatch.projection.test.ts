import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Delivery, NotificationDecision } from '../../src/domain/recipient/events.js';
import type { RecordedEvent } from '../../src/modules/event-store/event-store.port.js';
import type { DeliveryJob } from '../../src/projections/delivery-job.js';
import { DispatchProjection } from '../../src/projections/dispatch.projection.js';
import { queueFeederWorld } from '../support/queue-feeder-world.js';
import { eventually } from '../support/temp.js';

const NOW = Date.parse('2026-11-25T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** The queue feeder world, with the dispatch projection and what it counted as enqueued. */
function world(t: TestContext) {
  const w = queueFeederWorld(t);
  const enqueued: string[] = [];
  const projection = () => new DispatchProjection(w.queue, (q, channel, count) => enqueued.push(`${q}/${channel}: ${count}`), () => NOW);
  return { ...w, run: (p: DispatchProjection = projection(), from?: bigint) => w.run(p, from), jobs: () => w.jobs<DeliveryJob>(), projection, enqueued };
}

let position = 0n;
function recorded(streamName: string, type: string, data: unknown, metadata: Record<string, unknown> = {}): RecordedEvent {
  position += 1n;
  return { id: `event-${position}`, streamName, type, revision: 0, position, data, metadata, createdAt: new Date(NOW - 1000) };
}

const push: Delivery = { deliveryId: 'n1.1', channel: 'push', queue: 'apns', target: { channel: 'push', deviceId: 'd1', platform: 'ios', provider: 'apns', token: 'a'.repeat(64) } };
const sms: Delivery = { deliveryId: 'n1.2', channel: 'sms', queue: 'sms', target: { channel: 'sms', phone: '+15555550100' } };
const email: Delivery = { deliveryId: 'n1.3', channel: 'email', queue: 'email', target: { channel: 'email', email: 'ada@example.com' } };

function decision(notificationId: string, overrides: Partial<NotificationDecision> = {}): NotificationDecision {
  return {
    notificationId,
    userId: 'u1',
    category: 'orders',
    requestedChannels: null,
    content: { kind: 'inline', title: 'Shipped', body: 'Your order is on its way' },
    contentHash: 'h',
    priority: 'normal',
    sendAt: null,
    idempotencyKey: null,
    critical: false,
    suppressed: [],
    requestedAt: iso(NOW - 1000),
    ...overrides,
  };
}

const requested = (notificationId: string, deliveries: Delivery[], overrides: Partial<NotificationDecision> = {}, metadata: Record<string, unknown> = {}) =>
  recorded('recipient-u1', 'NotificationRequested', { ...decision(notificationId, overrides), deliveries }, metadata);
const renamed = (d: Delivery, notificationId: string): Delivery => ({ ...d, deliveryId: `${notificationId}.${d.deliveryId.split('.')[1]}` });

describe('dispatch projection', () => {
  it('given a NotificationRequested, then one job per delivery on the delivery’s queue, keyed by the delivery id, carrying what the worker needs', async (t) => {
    const w = world(t);
    w.given(requested('n1', [push, sms, email], { priority: 'high', critical: true }, { correlationId: 'corr-1', appKey: 'app-1' }));
    await w.run();
    const common = {
      notificationId: 'n1',
      userId: 'u1',
      category: 'orders',
      priority: 'high',
      critical: true,
      content: { kind: 'inline', title: 'Shipped', body: 'Your order is on its way' },
      sendAt: null,
      requestedAt: iso(NOW - 1000),
      correlationId: 'corr-1',
      appKey: 'app-1',
    } as const;
    assert.deepEqual(w.jobs(), [
      { queue: 'apns', jobId: 'n1.1', state: 'waiting', delayMs: 0, data: { ...common, deliveryId: 'n1.1', channel: 'push', queue: 'apns', target: push.target } },
      { queue: 'email', jobId: 'n1.3', state: 'waiting', delayMs: 0, data: { ...common, deliveryId: 'n1.3', channel: 'email', queue: 'email', target: email.target } },
      { queue: 'sms', jobId: 'n1.2', state: 'waiting', delayMs: 0, data: { ...common, deliveryId: 'n1.2', channel: 'sms', queue: 'sms', target: sms.target } },
    ]);
    assert.deepEqual(w.enqueued, ['apns/push: 1', 'sms/sms: 1', 'email/email: 1']);
  });

  it('given a request without correlation id or client, then its jobs say so (null), not undefined', async (t) => {
    const w = world(t);
    w.given(requested('n1', [sms]));
    await w.run();
    assert.deepEqual(w.jobs().map((j) => [j.data.correlationId, j.data.appKey]), [[null, null]]);
  });

  it('given a scheduled notification, then its jobs wait until sendAt; given one whose sendAt has passed, then its jobs are due at once', async (t) => {
    const w = world(t);
    const later = iso(NOW + 90_000);
    w.given(requested('n1', [sms, email], { sendAt: later }), requested('n2', [renamed(sms, 'n2')], { sendAt: iso(NOW - 5000) }));
    await w.run();
    assert.deepEqual(w.jobs().map((j) => [j.jobId, j.delayMs, j.data.sendAt]), [
      ['n1.3', 90_000, later],
      ['n1.2', 90_000, later],
      ['n2.2', 0, iso(NOW - 5000)],
    ]);
    const stats = await w.queue.stats('sms');
    assert.deepEqual([stats.waiting, stats.delayed], [1, 1]);
  });

  it('given deliveries deferred by quiet hours, then each waits until its own deferral ends, the others on sendAt or at once', async (t) => {
    const w = world(t);
    const until = iso(NOW + 120_000);
    const deferred = { until, reason: 'quiet_hours', source: 'user', timezone: 'Europe/London', window: { start: '22:00', end: '07:30' } } as const;
    w.given(requested('n1', [{ ...sms, deferred }, email]), requested('n2', [{ ...renamed(sms, 'n2'), deferred }, renamed(email, 'n2')], { sendAt: iso(NOW + 30_000) }));
    await w.run();
    assert.deepEqual(w.jobs().map((j) => [j.jobId, j.delayMs]), [
      ['n1.3', 0],
      ['n2.3', 30_000],
      ['n1.2', 120_000],
      ['n2.2', 120_000],
    ]);
  });

  it('given several notifications in one batch, then one enqueue per queue, counted per queue', async (t) => {
    const w = world(t);
    w.given(requested('n1', [sms, email]), requested('n2', [renamed(sms, 'n2')]), requested('n3', [renamed(push, 'n3')]));
    await w.run();
    assert.deepEqual(w.jobs().map((j) => j.jobId), ['n3.1', 'n1.3', 'n1.2', 'n2.2']);
    assert.deepEqual(w.enqueued, ['sms/sms: 2', 'email/email: 1', 'apns/push: 1']);
  });

  it('given suppressions and outcomes, then no job: only a NotificationRequested has deliveries to send', async (t) => {
    const w = world(t);
    w.given(
      recorded('recipient-u1', 'NotificationSuppressed', decision('n0', { suppressed: [{ channel: 'sms', reason: 'opted_out', detail: { level: 'global' } }] })),
      requested('n1', [sms]),
      recorded('notification-n1', 'NotificationSent', { notificationId: 'n1', deliveryId: 'n1.2', channel: 'sms', provider: 'vonage', providerMessageId: 'm', attempt: 1, sentAt: iso(NOW) }),
    );
    await w.run();
    assert.deepEqual(w.jobs().map((j) => [j.jobId, j.state]), [['n1.2', 'waiting']]);
  });

  it('given a NotificationCanceled, then the canceled deliveries’ jobs not yet started are withdrawn (scheduled ones leave the delayed depth), and a replay does not bring them back', async (t) => {
    const w = world(t);
    w.given(requested('n1', [sms, email], { sendAt: iso(NOW + 3600_000) }), requested('n2', [renamed(sms, 'n2')], { sendAt: iso(NOW + 3600_000) }));
    await w.run();
    assert.equal((await w.queue.stats('sms')).delayed, 2);
    w.given(recorded('notification-n1', 'NotificationCanceled', { notificationId: 'n1', deliveryIds: ['n1.2', 'n1.3'], canceledAt: iso(NOW) }));
    await w.run();
    const withdrawn = [
      ['n1.3', 'completed'],
      ['n1.2', 'completed'],
      ['n2.2', 'waiting'],
    ];
    assert.deepEqual(w.jobs().map((j) => [j.jobId, j.state]), withdrawn);
    assert.deepEqual([(await w.queue.stats('sms')).delayed, (await w.queue.stats('email')).delayed], [1, 0]);
    await w.run(w.projection(), 0n);
    assert.deepEqual(w.jobs().map((j) => [j.jobId, j.state]), withdrawn);
  });

  it('given the same events replayed (a lost checkpoint, a replaced dispatcher), then the same jobs: idempotent by delivery id, and a job already run does not run again', async (t) => {
    const w = world(t);
    w.given(requested('n1', [sms, email]), requested('n2', [renamed(sms, 'n2')], { sendAt: iso(NOW + 60_000) }));
    await w.run();
    const first = w.jobs();
    const ran: string[] = [];
    w.queue.work('sms', async (job) => void ran.push(job.id), { concurrency: 1 });
    const settled = async () => {
      const s = await w.queue.stats('sms');
      return s.waiting === 0 && s.active === 0 && ran.length === 1 ? true : undefined;
    };
    await eventually(settled, 5000, 'the due sms job to run and complete');

    await w.run(w.projection(), 0n);
    await w.run(w.projection(), 0n);
    assert.deepEqual(w.jobs(), first.map((j) => (j.jobId === 'n1.2' ? { ...j, state: 'completed' } : j)), 'the same jobs, the one that ran still done');
    const stats = await w.queue.stats('sms');
    assert.deepEqual([stats.waiting, stats.active, stats.delayed], [0, 0, 1], 'the job that ran is not due again; the scheduled one is still waiting, once');
    assert.deepEqual(ran, ['n1.2']);
  });

  it('given a restart, then the projection resumes after its checkpoint, committed with the jobs in the queue', async (t) => {
    const w = world(t);
    const first = requested('n1', [sms]);
    w.given(first);
    await w.run();
    assert.equal(await w.queue.projectionCheckpoint('dispatch'), first.position);
    const second = requested('n2', [renamed(sms, 'n2')]);
    w.given(second);
    w.enqueued.length = 0;
    await w.run(w.projection());
    assert.deepEqual(w.enqueued, ['sms/sms: 1'], 'only the new notification was enqueued');
    assert.equal(await w.queue.projectionCheckpoint('dispatch'), second.position);
    assert.deepEqual(w.jobs().map((j) => j.jobId), ['n1.2', 'n2.2']);
  });
});
