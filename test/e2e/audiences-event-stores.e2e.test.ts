import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startEventStoreDbFake } from '../fakes/eventstoredb-fake.js';
import { createUser, startApp, type Api } from '../support/app.js';
import { freshSchema } from '../support/postgres.js';
import { openSse } from '../support/sse.js';
import { eventually } from '../support/temp.js';

/** Topics, broadcasts and the in-app feed on each event store Herald runs on: their streams, the read models fed from them, and a restart. */
const stores: { name: string; env: (t: TestContext) => Promise<Record<string, string>> }[] = [
  { name: 'SQLite', env: () => Promise.resolve({}) },
  {
    name: 'EventStoreDB wire-level fake',
    env: async (t) => {
      const fake = await startEventStoreDbFake();
      t.after(() => fake.stop());
      return { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: fake.url };
    },
  },
];
if (process.env.DATABASE_URL) {
  stores.push({ name: 'PostgreSQL', env: (t) => Promise.resolve({ EVENT_STORE: 'postgres', DATABASE_URL: process.env.DATABASE_URL!, DATABASE_SCHEMA: freshSchema(t, 'audiences') }) });
} else {
  console.log('# SKIPPED: topics and broadcasts on the PostgreSQL event store (DATABASE_URL is not set; npm test starts PostgreSQL)');
}

const finished = (api: Api, id: string) =>
  eventually(async () => {
    const view = (await api.get(`/v1/broadcasts/${id}`)).body;
    return view.status === 'completed' && view.deliveries.pending === 0 ? view : undefined;
  }, 30_000, `broadcast ${id} to complete`);

for (const store of stores) {
  describe(`topics, broadcasts and the in-app feed on the ${store.name} event store`, () => {
    it('membership and broadcast streams are written and read back; after a restart the topic, its subscribers and the broadcast are as they were, and the idempotency key still answers', { timeout: 90_000 }, async (t) => {
      const env = { ...(await store.env(t)), CONTENT_DEDUP_WINDOW: '0s' };
      const first = await startApp(t, env);
      const api = first.api;
      assert.equal((await api.put('/v1/topics/launch', { name: 'Launch' })).status, 201);
      for (const id of ['ann', 'ben', 'cat', 'don']) await createUser(api, id, { email: `${id}@example.com` });
      assert.deepEqual((await api.post('/v1/topics/launch/subscribers', { userIds: ['ann', 'ben', 'cat'] })).body.changed, 3);
      assert.deepEqual((await api.request('DELETE', '/v1/topics/launch/subscribers', { userIds: ['cat'] })).body.changed, 1);

      const body = { audience: { topic: 'launch' }, category: 'news', channels: ['email'], content: { subject: 'We launched', text: 'Come and see' }, idempotencyKey: 'launch-1' };
      const accepted = await api.post('/v1/broadcasts', body);
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      const { broadcastId } = accepted.body;
      await api.post('/v1/topics/launch/subscribers', { userIds: ['don'] });
      const view = await finished(api, broadcastId);
      assert.deepEqual([view.audienceSize, view.decided, view.accepted, view.deliveries.sent], [2, 2, 2, 2], 'ann and ben: cat left before, don joined after');

      const membership = (await api.get('/v1/audit/streams/membership-cat')).body.events;
      assert.deepEqual(membership.map((e: { type: string }) => e.type), ['TopicSubscribed', 'TopicUnsubscribed']);
      assert.equal(membership[0].metadata.appKey, first.admin.appKey, 'who asked');
      const broadcastStream = (await api.get(`/v1/audit/streams/broadcast-${broadcastId}`)).body.events.map((e: { type: string }) => e.type);
      assert.deepEqual(broadcastStream, ['BroadcastRequested', 'BroadcastStarted', 'BroadcastPageDecided', 'BroadcastFinished']);
      await first.close();

      // A new process on the same log: its read models (SQLite files in DATA_DIR, or the schema) and its actors carry on from the log.
      const second = await startApp(t, { ...env, DATA_DIR: first.dataDir });
      const topic = (await second.api.get('/v1/topics/launch')).body;
      assert.equal(topic.subscriberCount, 3);
      const subscribers = (await second.api.get('/v1/topics/launch/subscribers')).body.subscribers.map((s: { userId: string }) => s.userId);
      assert.deepEqual(subscribers, ['ann', 'ben', 'don']);
      const again = await second.api.post('/v1/broadcasts', body);
      assert.deepEqual([again.status, again.body], [200, { broadcastId, duplicate: true }]);
      const after = (await second.api.get(`/v1/broadcasts/${broadcastId}`)).body;
      assert.deepEqual([after.status, after.decided, after.deliveries.sent], ['completed', 2, 2]);
      const next = await second.api.post('/v1/broadcasts', { ...body, idempotencyKey: 'launch-2' });
      assert.equal(next.status, 202);
      assert.deepEqual((await finished(second.api, next.body.broadcastId)).decided, 3, 'the second broadcast reaches don too');

      // The in-app feed keeps this store's positions (EventStoreDB's take 128 bits): a page, its cursor, and the stream resumed from one.
      const token = (await second.api.post('/v1/users/ann/inbox-token')).body.token;
      const feed = (query = '') => second.api.as(undefined).request('GET', `/v1/inbox${query}`, undefined, { headers: { authorization: `Bearer ${token}` } });
      const resumeFrom = (await feed()).body.lastEventId as string;
      const stream = await openSse(t, `${second.baseUrl}/v1/inbox/stream?token=${token}&lastEventId=${resumeFrom}`);
      for (const title of ['First', 'Second']) {
        const sent = await second.api.post('/v1/notifications', { userId: 'ann', category: 'news', channels: ['inapp'], content: { title, body: title } });
        assert.equal(sent.status, 202, JSON.stringify(sent.body));
        await stream.next((e) => e.event === 'item' && JSON.parse(e.data).title === title, 10_000, `${title} on the stream`);
      }
      const page = await feed('?limit=1');
      assert.deepEqual(page.body.items.map((i: { title: string }) => i.title), ['Second']);
      assert.deepEqual((await feed(`?limit=1&cursor=${page.body.next}`)).body.items.map((i: { title: string }) => i.title), ['First']);
      const resumed = await openSse(t, `${second.baseUrl}/v1/inbox/stream?token=${token}&lastEventId=${resumeFrom}`);
      await resumed.next((e) => e.event === 'item' && JSON.parse(e.data).title === 'Second', 10_000, 'both items again on a stream resumed from before them');
      assert.deepEqual(resumed.events.filter((e) => e.event === 'item').map((e) => JSON.parse(e.data).title), ['First', 'Second']);
    });
  });
}
