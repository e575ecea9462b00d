import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import type { RecordedEvent } from '../../src/modules/event-store/event-store.port.js';
import type { ReadModelDb } from '../../src/modules/read-models/read-model-db.port.js';
import { sqlSink } from '../../src/projections/sql-sink.js';
import { TopicsProjection } from '../../src/projections/topics.projection.js';
import { readModelBackends } from '../support/read-model-db.js';
import { positionKey } from '../../src/modules/read-models/log-position.js';

let position = 0n;
const revisions = new Map<string, number>();
const recorded = (streamName: string, type: string, data: object): RecordedEvent => {
  const revision = revisions.get(streamName) ?? 0;
  revisions.set(streamName, revision + 1);
  return { id: randomUUID(), streamName, type, revision, position: ++position, data, metadata: { appKey: 'hk_test' }, createdAt: new Date(0) };
};
const defined = (name: string, at: string) => recorded('topic-news', 'TopicDefined', { topicKey: 'news', name, description: null, definedAt: at });
const joined = (userId: string, at: string) => recorded(`membership-${userId}`, 'TopicSubscribed', { userId, topicKey: 'news', subscribedAt: at });
const left = (userId: string, at: string) => recorded(`membership-${userId}`, 'TopicUnsubscribed', { userId, topicKey: 'news', unsubscribedAt: at });

function story(): RecordedEvent[] {
  return [
    defined('News', '2026-01-01T00:00:00.000Z'),
    joined('ada', '2026-01-01T00:00:01.000Z'),
    joined('bob', '2026-01-01T00:00:02.000Z'),
    joined('cyd', '2026-01-01T00:00:03.000Z'),
    left('bob', '2026-01-01T00:00:04.000Z'),
    defined('Company news', '2026-01-01T00:00:05.000Z'),
    left('cyd', '2026-01-01T00:00:06.000Z'),
    joined('cyd', '2026-01-01T00:00:07.000Z'),
  ];
}

async function rows(db: ReadModelDb) {
  return {
    topics: (await db.query<{ topic_key: string; name: string; created_at: string; updated_at: string; stream_revision: number; subscriber_count: number | string }>('SELECT topic_key, name, created_at, updated_at, stream_revision, subscriber_count FROM topics')).map((r) => ({ ...r, subscriber_count: Number(r.subscriber_count) })),
    members: (await db.query<{ user_id: string; subscribed: number; subscribed_at: string; position: string | number }>('SELECT user_id, subscribed, subscribed_at, position FROM topic_subscribers ORDER BY user_id')).map((r) => [
      r.user_id,
      Number(r.subscribed),
      r.subscribed_at,
      Number(r.position),
    ]),
  };
}

function topicsSuite(name: string, open: (t: TestContext) => Promise<ReadModelDb>, skip: string | false) {
  describe(`topics read model on ${name}`, { skip }, () => {
    it('given definitions and memberships, then one row per topic (with its subscriber count) and per member; a replay of all or part of the log changes nothing', async (t) => {
      const db = await open(t);
      const sink = sqlSink(db, new TopicsProjection());
      const events = story();
      const last = events[events.length - 1]!.position;
      await sink.commit(events, last);
      const first = await rows(db);
      assert.deepEqual(first.topics.map((r) => [r.topic_key, r.name, r.created_at, r.updated_at, r.subscriber_count]), [['news', 'Company news', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:05.000Z', 2]]);
      const p = (i: number) => Number(events[i]!.position);
      assert.deepEqual(first.members, [
        ['ada', 1, '2026-01-01T00:00:01.000Z', p(1)],
        ['bob', 0, '2026-01-01T00:00:02.000Z', p(4)],
        ['cyd', 1, '2026-01-01T00:00:07.000Z', p(7)],
      ]);
      await sink.commit(events, last);
      await sink.commit(events.slice(3), last);
      await sink.commit(events.slice(0, 5), last);
      assert.deepEqual(await rows(db), first);
    });

    it('the members as of a position: who had joined by then and is still in', async (t) => {
      const db = await open(t);
      const events = story();
      await sqlSink(db, new TopicsProjection()).commit(events, events[events.length - 1]!.position);
      const asOf = (at: bigint) =>
        db.query<{ user_id: string }>('SELECT user_id FROM topic_subscribers WHERE topic_key = $1 AND subscribed = 1 AND position <= $2 ORDER BY user_id', ['news', positionKey(at)]).then((r) => r.map((x) => x.user_id));
      // cyd left and joined again after the fifth event: a later join, not in a broadcast accepted then.
      assert.deepEqual(await asOf(events[5]!.position), ['ada']);
      assert.deepEqual(await asOf(events[7]!.position), ['ada', 'cyd']);
    });
  });
}

const [sqlite, postgres] = readModelBackends();
for (const backend of [sqlite, postgres]) topicsSuite(backend.name, async (t) => (await backend.open(t))[0]!, backend.skip);
