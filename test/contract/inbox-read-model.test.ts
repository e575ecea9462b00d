import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { RecordedEvent } from '../../src/modules/event-store/event-store.port.js';
import { InboxFeed } from '../../src/modules/inbox/inbox-feed.js';
import { InboxProjection } from '../../src/projections/inbox.projection.js';
import { sqlSink } from '../../src/projections/sql-sink.js';
import { readModelBackends } from '../support/read-model-db.js';

let position = 0n;
const recorded = (type: string, data: object): RecordedEvent => ({
  id: randomUUID(),
  streamName: `notification-${(data as { notificationId: string }).notificationId}`,
  type,
  revision: 0,
  position: ++position,
  data,
  metadata: {},
  createdAt: new Date(0),
});
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const added = (n: number, userId: string, category = 'orders') =>
  recorded('InboxItemAdded', { notificationId: `n${n}`, deliveryId: `n${n}.1`, userId, category, title: `Title ${n}`, body: `Body ${n}`, ...(n === 1 ? { actionUrl: 'https://example.com/1', data: { order: '1' } } : {}), addedAt: at(n) });
const marked = (type: 'InboxItemSeen' | 'InboxItemRead' | 'InboxItemArchived', n: number, userId: string, s: number) => recorded(type, { notificationId: `n${n}`, deliveryId: `n${n}.1`, userId, at: at(s) });

/** Ada's feed: five items (one of them news), some seen, read, archived; one item of Bob's. */
function story(): RecordedEvent[] {
  return [
    added(1, 'ada'),
    added(2, 'ada'),
    added(3, 'ada', 'news'),
    added(4, 'ada'),
    added(5, 'ada'),
    added(6, 'bob'),
    marked('InboxItemSeen', 2, 'ada', 10),
    marked('InboxItemRead', 3, 'ada', 11),
    marked('InboxItemArchived', 4, 'ada', 12),
    marked('InboxItemSeen', 1, 'ada', 13),
    marked('InboxItemRead', 1, 'ada', 14),
  ];
}

for (const backend of readModelBackends()) {
  describe(`inbox read model on ${backend.name}`, { skip: backend.skip }, () => {
    it('given events, then each item in its state, the counts, and a replay of all or part of the log changes nothing', async (t) => {
      const [db] = await backend.open(t);
      const sink = sqlSink(db!, new InboxProjection());
      const feed = new InboxFeed(db!);
      const events = story();
      const last = events[events.length - 1]!.position;
      await sink.commit(events, last);
      const all = await feed.page('ada', { state: 'all', limit: 50 });
      assert.deepEqual(all.items.map((i) => [i.id, i.state]), [['n5.1', 'unseen'], ['n4.1', 'archived'], ['n3.1', 'read'], ['n2.1', 'seen'], ['n1.1', 'read']]);
      assert.deepEqual(all.counts, { unread: 2, unseen: 1 });
      const first = all.items.find((i) => i.id === 'n1.1')!;
      assert.deepEqual(first, {
        id: 'n1.1', notificationId: 'n1', category: 'orders', title: 'Title 1', body: 'Body 1', actionUrl: 'https://example.com/1', data: { order: '1' },
        state: 'read', createdAt: at(1), seenAt: at(13), readAt: at(14), archivedAt: null,
      });
      // A read item was seen too: reading implies seeing.
      assert.equal(all.items.find((i) => i.id === 'n3.1')!.seenAt, at(11));
      await sink.commit(events, last);
      await sink.commit(events.slice(3), last);
      assert.deepEqual(await feed.page('ada', { state: 'all', limit: 50 }), all);
      assert.equal(await sink.checkpoint(), last);
    });

    it('a mark never moves an item back, even when an older one is replayed after a newer', async (t) => {
      const [db] = await backend.open(t);
      const sink = sqlSink(db!, new InboxProjection());
      const feed = new InboxFeed(db!);
      const a = added(1, 'ada');
      const read = marked('InboxItemRead', 1, 'ada', 5);
      const seen = marked('InboxItemSeen', 1, 'ada', 4);
      await sink.commit([a, read], read.position);
      await sink.commit([seen], seen.position);
      assert.equal((await feed.item('ada', 'n1.1'))!.state, 'read');
    });

    it('pages newest first by cursor, filtered by state and category; by default archived items are left out', async (t) => {
      const [db] = await backend.open(t);
      const events = story();
      await sqlSink(db!, new InboxProjection()).commit(events, events[events.length - 1]!.position);
      const feed = new InboxFeed(db!);
      const one = await feed.page('ada', { limit: 2 });
      assert.deepEqual(one.items.map((i) => i.id), ['n5.1', 'n3.1']);
      assert.ok(one.next);
      const two = await feed.page('ada', { limit: 2, cursor: one.next! });
      assert.deepEqual(two.items.map((i) => i.id), ['n2.1', 'n1.1']);
      assert.equal(two.next, null);
      assert.deepEqual((await feed.page('ada', { limit: 10, state: 'unread' })).items.map((i) => i.id), ['n5.1', 'n2.1']);
      assert.deepEqual((await feed.page('ada', { limit: 10, state: 'archived' })).items.map((i) => i.id), ['n4.1']);
      assert.deepEqual((await feed.page('ada', { limit: 10, category: 'news' })).items.map((i) => i.id), ['n3.1']);
      assert.deepEqual((await feed.page('ada', { limit: 10, state: 'read', category: 'orders' })).items.map((i) => i.id), ['n1.1']);
    });

    it("one user's feed never holds another's items: pages, items and counts are per user", async (t) => {
      const [db] = await backend.open(t);
      const events = story();
      await sqlSink(db!, new InboxProjection()).commit(events, events[events.length - 1]!.position);
      const feed = new InboxFeed(db!);
      assert.deepEqual((await feed.page('bob', { state: 'all', limit: 50 })).items.map((i) => i.id), ['n6.1']);
      assert.equal(await feed.item('bob', 'n1.1'), null);
      assert.equal((await feed.item('ada', 'n6.1')), null);
      assert.deepEqual(await feed.countsOf(['ada', 'bob', 'carol']), new Map([['ada', { unread: 2, unseen: 1 }], ['bob', { unread: 1, unseen: 1 }], ['carol', { unread: 0, unseen: 0 }]]));
      assert.deepEqual(await feed.unreadIds('ada', 10), [{ id: 'n2.1', notificationId: 'n2' }, { id: 'n5.1', notificationId: 'n5' }]);
    });

    it('is its own change feed: each change once, in log order, from any position; per user for a resuming stream', async (t) => {
      const [db, other] = await backend.open(t, 2);
      const events = story();
      const sink = sqlSink(db!, new InboxProjection());
      await sink.commit(events.slice(0, 6), events[5]!.position);
      // Another process's connection sees what this one committed.
      const feed = new InboxFeed(other!);
      const head = await feed.head();
      assert.equal(head, events[5]!.position);
      await sink.commit(events.slice(6), events[events.length - 1]!.position);
      const changes = await feed.changes(head, 100);
      assert.deepEqual(changes.map((c) => [c.userId, c.item.id, c.item.state]), [['ada', 'n2.1', 'seen'], ['ada', 'n3.1', 'read'], ['ada', 'n4.1', 'archived'], ['ada', 'n1.1', 'read']]);
      assert.ok(changes.every((c, i) => i === 0 || c.position > changes[i - 1]!.position));
      assert.deepEqual((await feed.changesFor('bob', 0n, 100)).map((c) => c.item.id), ['n6.1']);
      assert.deepEqual((await feed.changesFor('ada', changes[1]!.position, 100)).map((c) => c.item.id), ['n4.1', 'n1.1']);
      assert.equal(await feed.headFor('ada'), events[events.length - 1]!.position);
      assert.equal(await feed.headFor('carol'), 0n);
    });
  });
}
