import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { RecordedEvent } from '../../src/modules/event-store/event-store.port.js';
import { PostgresReadModelDb } from '../../src/modules/read-models/postgres-read-model-db.js';
import type { ReadModelDb } from '../../src/modules/read-models/read-model-db.port.js';
import { SqliteReadModelDb } from '../../src/modules/read-models/sqlite-read-model-db.js';
import { NotificationStatusProjection } from '../../src/projections/notification-status.projection.js';
import { sqlSink } from '../../src/projections/projection-runner.js';
import { tempDir } from '../support/temp.js';

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

readModelSuite('SQLite', async (t) => {
  const db = new SqliteReadModelDb(join(tempDir(t), 'rm.db'));
  await db.migrate();
  t.after(() => db.close());
  return db;
});

const pgUrl = process.env.DATABASE_URL;
if (!pgUrl) console.log('# SKIPPED: PostgreSQL read-model suite (DATABASE_URL is not set; npm test starts PostgreSQL)');
readModelSuite(
  'PostgreSQL',
  async (t) => {
    const db = new PostgresReadModelDb(pgUrl!, `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`);
    await db.migrate();
    t.after(() => db.close());
    return db;
  },
  pgUrl ? false : 'DATABASE_URL is not set',
);
