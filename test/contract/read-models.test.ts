import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import type { RecordedEvent } from '../../src/modules/event-store/event-store.port.js';
import type { ReadModelDb } from '../../src/modules/read-models/read-model-db.port.js';
import { AnalyticsQueries } from '../../src/modules/analytics/analytics-queries.js';
import { bucketUpperBoundMs, latencyBucket, percentiles } from '../../src/projections/latency-histogram.js';
import { NotificationStatsProjection } from '../../src/projections/notification-stats.projection.js';
import { NotificationStatusProjection } from '../../src/projections/notification-status.projection.js';
import { RecipientsProjection } from '../../src/projections/recipients.projection.js';
import { sqlSink } from '../../src/projections/sql-sink.js';
import { readModelBackends } from '../support/read-model-db.js';

let position = 0n;
const recorded = (type: string, data: object, streamName = 'recipient-u1'): RecordedEvent => ({
  id: randomUUID(),
  streamName,
  type,
  revision: Number(position),
  position: ++position,
  data,
  metadata: { appKey: 'hk_test' },
  createdAt: new Date(0),
});

function story(): RecordedEvent[] {
  const base = { userId: 'u1', category: 'orders', requestedChannels: null, content: { kind: 'inline', title: 't' }, contentHash: 'h', priority: 'normal', sendAt: null, idempotencyKey: null, critical: false, requestedAt: '2026-01-01T00:00:00.000Z' };
  const target = { channel: 'sms', phone: '+447700900123' };
  return [
    recorded('NotificationRequested', { ...base, notificationId: 'n1', suppressed: [{ channel: 'email', reason: 'opted_out', detail: { level: 'channel' } }], deliveries: [{ deliveryId: 'n1.1', channel: 'sms', queue: 'sms', target }, { deliveryId: 'n1.2', channel: 'sms', queue: 'sms', target }] }),
    recorded('NotificationSuppressed', { ...base, notificationId: 'n2', suppressed: [{ channel: 'sms', reason: 'rate_limited', detail: {} }] }),
    recorded('NotificationRetried', { notificationId: 'n1', deliveryId: 'n1.1', channel: 'sms', provider: 'vonage', attempt: 1, error: 'http 500', nextAttemptAt: '2026-01-01T00:00:01.000Z', retriedAt: '2026-01-01T00:00:00.500Z' }, 'notification-n1'),
    recorded('NotificationSent', { notificationId: 'n1', deliveryId: 'n1.1', channel: 'sms', provider: 'vonage', providerMessageId: 'm1', attempt: 2, sentAt: '2026-01-01T00:00:02.000Z' }, 'notification-n1'),
    recorded('NotificationCanceled', { notificationId: 'n1', deliveryIds: ['n1.2'], canceledAt: '2026-01-01T00:00:03.000Z' }, 'notification-n1'),
  ];
}

async function rows(db: ReadModelDb) {
  return {
    notifications: await db.query('SELECT notification_id, status, suppressed, stream_revision FROM notifications ORDER BY notification_id'),
    deliveries: await db.query('SELECT delivery_id, status, attempts, provider, provider_message_id, last_error, sent_at FROM deliveries ORDER BY delivery_id'),
  };
}

function readModelSuite(name: string, open: (t: TestContext) => Promise<ReadModelDb>, skip: string | false = false) {
  describe(`notification_status read model on ${name}`, { skip }, () => {
    it('given events, then rows; a replay of all or part of the log changes nothing', async (t) => {
      const db = await open(t);
      const sink = sqlSink(db, new NotificationStatusProjection());
      const events = story();
      await sink.commit(events, events[events.length - 1]!.position);
      const first = await rows(db);
      assert.deepEqual(first.deliveries.map((d) => [d.delivery_id, d.status, Number(d.attempts), d.provider_message_id]), [
        ['n1.1', 'sent', 2, 'm1'],
        ['n1.2', 'canceled', 0, null],
      ]);
      assert.deepEqual(first.notifications.map((n) => [n.notification_id, n.status]), [['n1', 'accepted'], ['n2', 'suppressed']]);
      await sink.commit(events, events[events.length - 1]!.position);
      await sink.commit(events.slice(2), events[events.length - 1]!.position);
      assert.deepEqual(await rows(db), first);
      assert.equal(await sink.checkpoint(), events[events.length - 1]!.position);
    });

    it('a failed batch leaves neither rows nor checkpoint', async (t) => {
      const db = await open(t);
      const sink = sqlSink(db, { name: 'broken', handle: async (events, tx) => {
        await new NotificationStatusProjection().handle(events, tx);
        throw new Error('boom');
      } });
      await assert.rejects(sink.commit(story(), 99n), /boom/);
      assert.deepEqual((await rows(db)).notifications, []);
      assert.equal(await sink.checkpoint(), 0n);
    });
  });
}

/** Two days of traffic: templates and inline content, two clients, every outcome and engagement. */
function statsStory(): RecordedEvent[] {
  const day1 = '2026-01-01T10:00:00.000Z';
  const base = { userId: 'u1', requestedChannels: null, contentHash: 'h', priority: 'normal', sendAt: null, idempotencyKey: null, critical: false };
  const welcome = { kind: 'template', templateId: 'welcome', version: 1, params: {} };
  const email = { channel: 'email', email: 'a@example.com' };
  const sms = { channel: 'sms', phone: '+447700900123' };
  const outcome = (type: string, data: object) => recorded(type, data, `notification-${(data as { notificationId: string }).notificationId}`);
  const at = (ms: number) => new Date(Date.parse(day1) + ms).toISOString();
  const engagement = (n: string, d: string, source: string) => ({ notificationId: n, deliveryId: d, channel: 'email', source, at: at(60_000) });
  const events = [
    recorded('NotificationRequested', { ...base, notificationId: 's1', category: 'promo', content: welcome, requestedAt: day1, suppressed: [{ channel: 'push', reason: 'opted_out', detail: { level: 'channel' } }], deliveries: [{ deliveryId: 's1.1', channel: 'email', queue: 'email', target: email }, { deliveryId: 's1.2', channel: 'sms', queue: 'sms', target: sms }] }),
    recorded('NotificationRequested', { ...base, notificationId: 's2', category: 'promo', content: welcome, requestedAt: day1, suppressed: [], deliveries: [{ deliveryId: 's2.1', channel: 'email', queue: 'email', target: email }] }),
    recorded('NotificationSuppressed', { ...base, notificationId: 's3', category: 'promo', content: welcome, requestedAt: day1, suppressed: [{ channel: 'email', reason: 'rate_limited', detail: {} }, { channel: 'sms', reason: 'no_target', detail: {} }] }),
    { ...recorded('NotificationRequested', { ...base, notificationId: 's4', category: 'orders', content: { kind: 'inline', text: 'x' }, requestedAt: '2026-01-02T00:00:00.000Z', suppressed: [], deliveries: [{ deliveryId: 's4.1', channel: 'sms', queue: 'sms', target: sms }] }), metadata: { appKey: 'hk_other' } },
    outcome('NotificationRetried', { notificationId: 's1', deliveryId: 's1.1', channel: 'email', provider: 'mailgun', attempt: 1, error: 'http 500', nextAttemptAt: at(1000), retriedAt: at(500) }),
    outcome('NotificationRetried', { notificationId: 's1', deliveryId: 's1.1', channel: 'email', provider: 'mailgun', attempt: 2, error: 'http 500', nextAttemptAt: at(1500), retriedAt: at(1500), failoverTo: 'smtp' }),
    outcome('NotificationSent', { notificationId: 's1', deliveryId: 's1.1', channel: 'email', provider: 'mailgun', providerMessageId: 'm1', attempt: 3, sentAt: at(2000) }),
    outcome('NotificationFailed', { notificationId: 's1', deliveryId: 's1.2', channel: 'sms', provider: 'vonage', attempt: 1, reason: 'permanent', error: 'bad number', failedAt: at(100) }),
    outcome('NotificationSent', { notificationId: 's2', deliveryId: 's2.1', channel: 'email', provider: 'mailgun', providerMessageId: 'm2', attempt: 1, sentAt: at(100) }),
    outcome('NotificationSent', { notificationId: 's4', deliveryId: 's4.1', channel: 'sms', provider: 'vonage', providerMessageId: 'm3', attempt: 1, sentAt: '2026-01-02T00:00:00.050Z' }),
    outcome('NotificationOpened', engagement('s1', 's1.1', 'pixel')),
    outcome('NotificationClicked', { ...engagement('s1', 's1.1', 'link'), url: 'https://example.com' }),
    outcome('NotificationOpened', engagement('s2', 's2.1', 'pixel')),
    // Not something the decider appends, but a projection must not count it twice either.
    outcome('NotificationOpened', engagement('s2', 's2.1', 'app')),
    outcome('NotificationCanceled', { notificationId: 's1', deliveryIds: ['s1.1', 's1.2'], canceledAt: at(9000) }),
  ];
  return events;
}

async function statsRows(db: ReadModelDb) {
  return {
    stats: await db.query('SELECT * FROM notification_stats ORDER BY day, channel, category, template_id, app_key'),
    latency: await db.query('SELECT * FROM notification_stats_latency ORDER BY day, channel, category, template_id, app_key, bucket'),
    deliveries: await db.query('SELECT * FROM notification_stats_deliveries ORDER BY delivery_id'),
  };
}

function statsSuite(name: string, open: (t: TestContext) => Promise<ReadModelDb>, skip: string | false = false) {
  describe(`notification_stats read model on ${name}`, { skip }, () => {
    it('given events, then counters per day, channel, category, template and client; replays change nothing', async (t) => {
      const db = await open(t);
      const sink = sqlSink(db, new NotificationStatsProjection());
      const events = statsStory();
      const last = events[events.length - 1]!.position;
      await sink.commit(events, last);
      const first = await statsRows(db);
      const counters = first.stats.map((r) => [r.day, r.channel, r.category, r.template_id, r.app_key, ...['requested', 'suppressed_opted_out', 'suppressed_rate_limited', 'suppressed_no_target', 'sent', 'failed', 'retried', 'failed_over', 'canceled', 'opened', 'clicked'].map((c) => Number(r[c]))]);
      assert.deepEqual(counters, [
        //                                                          req opt rate none sent fail retr over canc open click
        ['2026-01-01', 'email', 'promo', 'welcome', 'hk_test', 2, 0, 1, 0, 2, 0, 2, 1, 0, 2, 1],
        ['2026-01-01', 'push', 'promo', 'welcome', 'hk_test', 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ['2026-01-01', 'sms', 'promo', 'welcome', 'hk_test', 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0],
        ['2026-01-02', 'sms', 'orders', '', 'hk_other', 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
      ]);
      assert.deepEqual(first.latency.map((r) => [r.channel, Number(r.bucket), Number(r.count)]), [
        ['email', latencyBucket(100), 1],
        ['email', latencyBucket(2000), 1],
        ['sms', latencyBucket(50), 1],
      ]);

      await sink.commit(events, last);
      await sink.commit(events.slice(4), last);
      await sink.commit(events.slice(10, 12), last);
      assert.deepEqual(await statsRows(db), first);
      assert.equal(await sink.checkpoint(), last);
    });

    it('sums, groups and merges latency histograms at query time', async (t) => {
      const db = await open(t);
      const events = statsStory();
      await sqlSink(db, new NotificationStatsProjection()).commit(events, events[events.length - 1]!.position);
      const queries = new AnalyticsQueries(db);
      const [all] = await queries.summary({ from: '2026-01-01', to: '2026-01-02' }, []);
      assert.deepEqual({ ...all, rates: undefined, latencyMs: undefined }, {
        requested: 4, suppressed: { opted_out: 1, rate_limited: 1, duplicate: 0, no_target: 1 }, sent: 3, failed: 1, retried: 2, failedOver: 1, canceled: 0, opened: 2, clicked: 1, converted: 0, digested: 0, digests: 0, rates: undefined, latencyMs: undefined,
      });
      assert.deepEqual(all!.latencyMs, { samples: 3, p50: bucketUpperBoundMs(latencyBucket(100)), p95: bucketUpperBoundMs(latencyBucket(2000)), p99: bucketUpperBoundMs(latencyBucket(2000)) });
      const byClient = await queries.summary({ from: '2026-01-01', to: '2026-01-02' }, ['client', 'template']);
      assert.deepEqual(byClient.map((g) => [g.client, g.template, g.sent, g.latencyMs.samples]), [['hk_other', null, 1, 1], ['hk_test', 'welcome', 2, 2]]);
      const day2 = await queries.summary({ from: '2026-01-02', to: '2026-01-02', channel: 'sms' }, ['day']);
      assert.deepEqual(day2.map((g) => [g.day, g.requested, g.latencyMs.p50]), [['2026-01-02', 1, bucketUpperBoundMs(latencyBucket(50))]]);
      const funnel = await queries.funnel({ from: '2026-01-01', to: '2026-01-02', template: 'welcome' });
      assert.deepEqual(funnel.steps.map((s) => [s.step, s.count, s.rate]), [['sent', 2, 1], ['opened', 2, 1], ['clicked', 1, 0.5], ['converted', 0, 0]]);
      const [none] = await queries.summary({ from: '2025-01-01', to: '2025-01-02' }, []);
      assert.equal(none!.sent, 0);
      assert.deepEqual(await queries.summary({ from: '2025-01-01', to: '2025-01-02' }, ['day']), []);
    });
  });
}

describe('latency histogram', () => {
  it('buckets are at most 10% wide, and percentiles are upper bounds of merged buckets', () => {
    for (const ms of [2, 10, 99, 1234, 59_000, 3_600_000]) {
      const upper = bucketUpperBoundMs(latencyBucket(ms));
      assert.ok(upper >= ms && upper <= Math.ceil(ms * 1.1) + 1, `${ms} -> ${upper}`);
    }
    const merged = new Map([[latencyBucket(10), 90], [latencyBucket(1000), 9], [latencyBucket(60_000), 1]]);
    const [fast, slow, slowest] = [10, 1000, 60_000].map((ms) => bucketUpperBoundMs(latencyBucket(ms)));
    assert.deepEqual(percentiles(merged, [0.5, 0.9, 0.95, 0.99, 1]), [fast, fast, slow, slow, slowest]);
    assert.deepEqual(percentiles(new Map(), [0.5]), [null]);
  });
});

/** A digest window: opened by d1, d2 and d3 collected, d2 canceled out of it, flushed with one email, sent; and a window all canceled. */
function digestStory(): RecordedEvent[] {
  const at = '2026-01-03T09:00:00.000Z';
  const base = { userId: 'u1', category: 'orders', requestedChannels: null, content: { kind: 'inline', text: 'x' }, contentHash: 'h', priority: 'normal', sendAt: null, idempotencyKey: null, critical: false, requestedAt: at, suppressed: [] };
  const digested = (digestId: string) => ({ digestId, channels: ['email'], windowEndsAt: '2026-01-03T10:00:00.000Z' });
  const opened = (digestId: string) => ({ userId: 'u1', digestId, category: 'orders', templateId: 'orders-digest', channels: ['email'], maxItems: 1000, windowEndsAt: '2026-01-03T10:00:00.000Z', openedAt: at });
  const item = (n: string) => ({ notificationId: n, at, params: {}, content: { text: 'x' }, channels: ['email'] });
  const flushed = (digestId: string, items: object[], removed: string[], deliveries: object[]) => ({
    userId: 'u1', digestId, category: 'orders', templateId: 'orders-digest', reason: 'window_ended', items, count: items.length, firstAt: items.length ? at : null, lastAt: items.length ? at : null, removed, deliveries, suppressed: [], flushedAt: '2026-01-03T10:00:00.000Z',
  });
  return [
    recorded('DigestOpened', opened('dg-d1')),
    recorded('NotificationRequested', { ...base, notificationId: 'd1', digested: digested('dg-d1'), deliveries: [] }),
    recorded('NotificationRequested', { ...base, notificationId: 'd2', digested: digested('dg-d1'), deliveries: [] }),
    recorded('NotificationRequested', { ...base, notificationId: 'd3', digested: digested('dg-d1'), deliveries: [] }),
    recorded('DigestItemRemoved', { userId: 'u1', digestId: 'dg-d1', notificationId: 'd2', removedAt: at }),
    recorded('DigestFlushed', flushed('dg-d1', [item('d1'), item('d3')], ['d2'], [{ deliveryId: 'dg-d1.1', channel: 'email', queue: 'email', target: { channel: 'email', email: 'a@example.com' } }])),
    recorded('NotificationSent', { notificationId: 'dg-d1', deliveryId: 'dg-d1.1', channel: 'email', provider: 'mailgun', providerMessageId: 'm9', attempt: 1, sentAt: '2026-01-03T10:00:01.000Z' }, 'notification-dg-d1'),
    recorded('DigestOpened', opened('dg-d4')),
    recorded('NotificationRequested', { ...base, notificationId: 'd4', digested: digested('dg-d4'), deliveries: [] }),
    recorded('DigestItemRemoved', { userId: 'u1', digestId: 'dg-d4', notificationId: 'd4', removedAt: at }),
    recorded('DigestFlushed', flushed('dg-d4', [], ['d4'], [])),
  ];
}

function digestSuite(name: string, open: (t: TestContext) => Promise<ReadModelDb>, skip: string | false = false) {
  describe(`digests in the notification_status and notification_stats read models on ${name}`, { skip }, () => {
    it('given a digest story, then the digests, their items and deliveries, and digested and digests counted; replays change nothing', async (t) => {
      const db = await open(t);
      const status = sqlSink(db, new NotificationStatusProjection());
      const stats = sqlSink(db, new NotificationStatsProjection());
      const events = digestStory();
      const last = events[events.length - 1]!.position;
      const read = async () => ({
        digests: await db.query('SELECT digest_id, status, item_count, flush_reason, flushed_at FROM digests ORDER BY digest_id'),
        items: await db.query('SELECT notification_id, status, digest_id FROM notifications ORDER BY notification_id'),
        deliveries: await db.query('SELECT delivery_id, notification_id, status FROM deliveries ORDER BY delivery_id'),
        stats: await db.query('SELECT channel, template_id, requested, digested, digests, sent FROM notification_stats ORDER BY day, channel, template_id'),
      });
      for (const sink of [status, stats]) await sink.commit(events, last);
      const first = await read();
      assert.deepEqual(first.digests.map((d) => [d.digest_id, d.status, Number(d.item_count), d.flush_reason]), [
        ['dg-d1', 'flushed', 2, 'window_ended'],
        ['dg-d4', 'empty', 0, 'window_ended'],
      ]);
      assert.deepEqual(first.items.map((n) => [n.notification_id, n.status, n.digest_id]), [
        ['d1', 'digested', 'dg-d1'],
        ['d2', 'canceled', 'dg-d1'],
        ['d3', 'digested', 'dg-d1'],
        ['d4', 'canceled', 'dg-d4'],
      ]);
      assert.deepEqual(first.deliveries.map((d) => [d.delivery_id, d.notification_id, d.status]), [['dg-d1.1', 'dg-d1', 'sent']]);
      // Items under their own content (inline here), the digest's delivery under the digest's template.
      assert.deepEqual(first.stats.map((r) => [r.channel, r.template_id, ...['requested', 'digested', 'digests', 'sent'].map((c) => Number(r[c]))]), [
        ['email', '', 0, 4, 0, 0],
        ['email', 'orders-digest', 1, 0, 1, 1],
      ]);
      const [summary] = await new AnalyticsQueries(db).summary({ from: '2026-01-03', to: '2026-01-03' }, []);
      assert.deepEqual([summary!.digested, summary!.digests, summary!.requested, summary!.sent], [4, 1, 1, 1]);

      for (const sink of [status, stats]) {
        await sink.commit(events, last);
        await sink.commit(events.slice(4), last);
      }
      assert.deepEqual(await read(), first);
    });
  });
}

/** Profiles as users set them, each on its own stream: created, changed, one sharing another's phone. */
function recipientsStory(): RecordedEvent[] {
  const profile = (userId: string, revision: number, contact: { email?: string | null; phone?: string | null; timezone?: string | null }, updatedAt: string): RecordedEvent => ({
    ...recorded('RecipientProfileUpdated', { userId, email: null, phone: null, locale: null, timezone: null, ...contact, updatedAt }, `recipient-${userId}`),
    revision,
  });
  return [
    profile('ada', 0, { email: 'ada@example.com', phone: '+447700900123' }, '2026-01-01T10:00:00.000Z'),
    profile('bob', 0, { phone: '+447700900456', timezone: 'Europe/Paris' }, '2026-01-01T10:00:01.000Z'),
    profile('ada', 3, { email: 'ada@example.org', phone: '+447700900123', timezone: 'Europe/London' }, '2026-01-01T11:00:00.000Z'),
    profile('bob', 2, { phone: '+447700900123', timezone: 'Europe/Paris' }, '2026-01-01T11:00:01.000Z'),
    profile('cyd', 0, { email: 'cyd@example.com' }, '2026-01-01T12:00:00.000Z'),
  ];
}

function recipientsSuite(name: string, open: (t: TestContext) => Promise<ReadModelDb>, skip: string | false = false) {
  describe(`recipients read model on ${name}`, { skip }, () => {
    it('given profiles, then one row per user as last set, found by phone; a replay of all or part of the log changes nothing', async (t) => {
      const db = await open(t);
      const sink = sqlSink(db, new RecipientsProjection());
      const events = recipientsStory();
      const last = events[events.length - 1]!.position;
      await sink.commit(events, last);
      const all = () => db.query('SELECT user_id, email, phone, locale, timezone, updated_at, stream_revision FROM recipients ORDER BY user_id');
      const first = await all();
      assert.deepEqual(
        first.map((r) => [r.user_id, r.email, r.phone, r.timezone, r.updated_at, Number(r.stream_revision)]),
        [
          ['ada', 'ada@example.org', '+447700900123', 'Europe/London', '2026-01-01T11:00:00.000Z', 3],
          ['bob', null, '+447700900123', 'Europe/Paris', '2026-01-01T11:00:01.000Z', 2],
          ['cyd', 'cyd@example.com', null, null, '2026-01-01T12:00:00.000Z', 0],
        ],
      );
      const byPhone = async (phone: string) => (await db.query<{ user_id: string }>('SELECT user_id FROM recipients WHERE phone = $1 ORDER BY user_id', [phone])).map((r) => r.user_id);
      assert.deepEqual(await byPhone('+447700900123'), ['ada', 'bob']);
      assert.deepEqual(await byPhone('+447700900456'), [], 'bob’s old phone no longer finds him');
      await sink.commit(events, last);
      await sink.commit(events.slice(0, 2), last);
      assert.deepEqual(await all(), first, 'an older profile replayed does not overwrite a newer one');
    });
  });
}

const [sqlite, postgres] = readModelBackends();
for (const backend of [sqlite, postgres]) {
  const open = async (t: TestContext) => (await backend.open(t))[0]!;
  readModelSuite(backend.name, open, backend.skip);
  statsSuite(backend.name, open, backend.skip);
  digestSuite(backend.name, open, backend.skip);
  recipientsSuite(backend.name, open, backend.skip);
}

describe('PostgreSQL read models: a session the server ends mid-transaction', { skip: postgres.skip }, () => {
  it('fails that transaction, not the process, and the pool serves the next one', async (t) => {
    const [db] = await postgres.open(t);
    // As when a projector is paused past its lease: the server ends the idle transaction's session.
    const failed = db!.transaction(async (tx) => {
      await tx.execute('SET LOCAL idle_in_transaction_session_timeout = 100', []);
      await new Promise((r) => setTimeout(r, 400));
      await tx.query('SELECT 1');
    });
    await assert.rejects(failed);
    assert.deepEqual(await db!.transaction((tx) => tx.query<{ n: number }>('SELECT 1 AS n')), [{ n: 1 }]);
    assert.deepEqual(await db!.query<{ n: number }>('SELECT 2 AS n'), [{ n: 2 }]);
  });
});
