import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser, startApp } from '../support/app.js';

describe('topics over HTTP', () => {
  it('define, subscribe (idempotently), count, page through subscribers, a user’s topics, unsubscribe; membership is in the log with who asked', async (t) => {
    const { api, admin } = await startApp(t);
    const created = await api.put('/v1/topics/order-updates', { name: 'Order updates', description: 'orders' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual({ ...created.body, createdAt: undefined, updatedAt: undefined }, { topicKey: 'order-updates', name: 'Order updates', description: 'orders', subscriberCount: 0, createdAt: undefined, updatedAt: undefined });
    const renamed = await api.put('/v1/topics/order-updates', { name: 'Orders' });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'Orders');
    assert.equal(renamed.body.description, null);

    await createUser(api, 'ada');
    const ids = ['ada', 'bob', 'cyd', 'dan', 'eve'];
    const first = await api.post('/v1/topics/order-updates/subscribers', { userIds: [...ids, 'ada'] });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body, { topicKey: 'order-updates', changed: 5, unchanged: 0 });
    const again = await api.post('/v1/topics/order-updates/subscribers', { userIds: ids });
    assert.deepEqual(again.body, { topicKey: 'order-updates', changed: 0, unchanged: 5 });
    assert.equal((await api.get('/v1/topics/order-updates')).body.subscriberCount, 5);

    const page1 = await api.get('/v1/topics/order-updates/subscribers?limit=3');
    assert.equal(page1.status, 200, JSON.stringify(page1.body));
    assert.deepEqual(page1.body.subscribers.map((s: { userId: string }) => s.userId), ['ada', 'bob', 'cyd']);
    const page2 = await api.get(`/v1/topics/order-updates/subscribers?limit=3&cursor=${page1.body.next}`);
    assert.deepEqual(page2.body.subscribers.map((s: { userId: string }) => s.userId), ['dan', 'eve']);
    assert.equal(page2.body.next, null);

    const user = await api.get('/v1/users/ada');
    assert.deepEqual(user.body.topics.map((x: { topicKey: string }) => x.topicKey), ['order-updates']);

    const removed = await api.request('DELETE', '/v1/topics/order-updates/subscribers', { userIds: ['bob', 'nobody'] });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.deepEqual(removed.body, { topicKey: 'order-updates', changed: 1, unchanged: 1 });
    assert.equal((await api.get('/v1/topics/order-updates')).body.subscriberCount, 4);

    const stream = await api.get('/v1/audit/streams/membership-bob');
    assert.deepEqual(stream.body.events.map((e: { type: string }) => e.type), ['TopicSubscribed', 'TopicUnsubscribed']);
    assert.equal(stream.body.events[0].metadata.appKey, admin.appKey);
  });

  it('10,000 ids in one call are subscribed; 10,001 are refused naming userIds; an unknown topic is 404; nothing is written for bad input', async (t) => {
    const { api } = await startApp(t);
    await api.put('/v1/topics/big', { name: 'Big' });
    const many = Array.from({ length: 10_000 }, (_, i) => `u${String(i).padStart(5, '0')}`);
    const started = Date.now();
    const ok = await api.post('/v1/topics/big/subscribers', { userIds: many });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.changed, 10_000);
    t.diagnostic(`10,000 subscriptions in ${Date.now() - started} ms`);
    assert.equal((await api.get('/v1/topics/big')).body.subscriberCount, 10_000);

    const tooMany = await api.post('/v1/topics/big/subscribers', { userIds: [...many, 'one-more'] });
    assert.equal(tooMany.status, 400);
    assert.ok(tooMany.body.errors.some((e: { field: string }) => e.field === 'userIds'), JSON.stringify(tooMany.body.errors));
    const badId = await api.post('/v1/topics/big/subscribers', { userIds: ['fine', 'not fine'] });
    assert.equal(badId.status, 400);
    assert.ok(badId.body.errors.some((e: { field: string }) => e.field.startsWith('userIds')), JSON.stringify(badId.body.errors));
    assert.equal((await api.get('/v1/audit/streams/membership-fine')).body.events.length, 0, 'nothing written for a call with a bad id');

    const unknown = await api.post('/v1/topics/nope/subscribers', { userIds: ['ada'] });
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    assert.equal((await api.get('/v1/audit/streams/membership-ada')).body.events.length, 0);
    assert.equal((await api.get('/v1/topics/nope')).status, 404);
    assert.equal((await api.put('/v1/topics/bad%20key', { name: 'x' })).status, 400);
    assert.equal((await api.put('/v1/topics/ok', { name: '' })).status, 400);
  });

  it('scopes: topics:read reads, only topics:write changes', async (t) => {
    const { api } = await startApp(t);
    await api.put('/v1/topics/news', { name: 'News' });
    const reader = (await api.post('/v1/clients', { name: 'reader', scopes: ['topics:read'] })).body;
    const as = api.as({ appKey: reader.appKey, appSecret: reader.appSecret });
    assert.equal((await as.get('/v1/topics/news')).status, 200);
    assert.equal((await as.get('/v1/topics/news/subscribers')).status, 200);
    assert.equal((await as.post('/v1/topics/news/subscribers', { userIds: ['ada'] })).status, 403);
    assert.equal((await as.put('/v1/topics/news', { name: 'x' })).status, 403);
  });
});
