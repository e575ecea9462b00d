import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { OutboundMessage } from '../../src/modules/channels/provider.port.js';
import { SqlSandboxOutbox } from '../../src/modules/channels/sql-sandbox-outbox.js';
import { readModelBackends } from '../support/read-model-db.js';

const message = (userId: string, notificationId = randomUUID()): OutboundMessage => ({
  notificationId,
  deliveryId: `${notificationId}.1`,
  userId,
  category: 'orders',
  priority: 'normal',
  target: { channel: 'email', email: `${userId}@example.com` },
  message: { subject: `to ${userId}`, text: 'hello' },
});

for (const backend of readModelBackends()) {
  describe(`sandbox outbox on ${backend.name}`, { skip: backend.skip }, () => {
    it('records what would have been sent and lists it oldest first, by queue, user, notification, after and limit', async (t) => {
      const [db] = await backend.open(t);
      const outbox = new SqlSandboxOutbox(db!, 1000);
      const ada = message('ada');
      const id = await outbox.record('email', ada);
      assert.match(id, /^sandbox-[0-9a-f-]{36}$/);
      await outbox.record('sms', message('grace'));
      await outbox.record('email', message('ada'));

      const all = await outbox.list({ limit: 10 });
      assert.deepEqual(all.map((e) => [e.queue, e.userId]), [['email', 'ada'], ['sms', 'grace'], ['email', 'ada']]);
      assert.ok(all[0]!.seq < all[1]!.seq && all[1]!.seq < all[2]!.seq, 'seq grows');
      const { recordedAt, ...first } = all[0]!;
      assert.deepEqual(first, { seq: all[0]!.seq, id, queue: 'email', deliveryId: ada.deliveryId, notificationId: ada.notificationId, userId: 'ada', target: ada.target, message: ada.message });
      assert.ok(Math.abs(Date.parse(recordedAt) - Date.now()) < 60_000, recordedAt);

      assert.deepEqual((await outbox.list({ queue: 'sms', limit: 10 })).map((e) => e.userId), ['grace']);
      assert.deepEqual((await outbox.list({ userId: 'ada', limit: 10 })).map((e) => e.seq), [all[0]!.seq, all[2]!.seq]);
      assert.deepEqual((await outbox.list({ notificationId: ada.notificationId, limit: 10 })).map((e) => e.id), [id]);
      assert.deepEqual((await outbox.list({ userId: 'ada', queue: 'sms', limit: 10 })), []);
      assert.deepEqual((await outbox.list({ after: all[0]!.seq, limit: 1 })).map((e) => e.seq), [all[1]!.seq]);
      assert.deepEqual(await outbox.list({ after: all[2]!.seq, limit: 10 }), []);
    });

    it('keeps only the newest entries, and seq goes on growing past the ones it dropped', async (t) => {
      const [db] = await backend.open(t);
      const outbox = new SqlSandboxOutbox(db!, 3);
      for (let n = 0; n < 5; n++) await outbox.record('email', message(`u${n}`));
      const kept = await outbox.list({ limit: 10 });
      assert.deepEqual(kept.map((e) => e.userId), ['u2', 'u3', 'u4']);
      await outbox.record('email', message('u5'));
      const next = await outbox.list({ after: kept[2]!.seq, limit: 10 });
      assert.deepEqual(next.map((e) => e.userId), ['u5']);
      assert.ok(next[0]!.seq > kept[2]!.seq);
      assert.deepEqual((await outbox.list({ limit: 10 })).map((e) => e.userId), ['u3', 'u4', 'u5']);
    });

    it('what one connection records, another lists, as another process would', async (t) => {
      const [workerDb, apiDb] = await backend.open(t, 2);
      const worker = new SqlSandboxOutbox(workerDb!, 1000);
      const api = new SqlSandboxOutbox(apiDb!, 1000);
      const sent = message('ada');
      await worker.record('email', sent);
      assert.deepEqual((await api.list({ limit: 10 })).map((e) => e.deliveryId), [sent.deliveryId]);
      await api.record('email', message('grace'));
      assert.deepEqual((await worker.list({ limit: 10 })).map((e) => e.userId), ['ada', 'grace']);
    });

    it('concurrent records all land, each with its own seq', async (t) => {
      const [db] = await backend.open(t);
      const outbox = new SqlSandboxOutbox(db!, 1000);
      const sent = Array.from({ length: 40 }, (_, n) => message(`w${n}`));
      await Promise.all(sent.map((m) => outbox.record('email', m)));
      const listed = await outbox.list({ limit: 100 });
      assert.deepEqual(new Set(listed.map((e) => e.deliveryId)), new Set(sent.map((m) => m.deliveryId)));
      assert.equal(new Set(listed.map((e) => e.seq)).size, sent.length);
    });
  });
}
