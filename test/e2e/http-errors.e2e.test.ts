import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser, startApp } from '../support/app.js';

describe('bad input always gets a 4xx JSON answer', () => {
  it('malformed JSON, prototype pollution, wrong content type, oversized bodies', async (t) => {
    const { api } = await startApp(t, { HTTP_BODY_LIMIT: String(64 * 1024) });
    await createUser(api, 'u1');
    const malformed = await api.request('POST', '/v1/notifications', undefined, { raw: '{"userId": "u1",' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.errors[0].field, 'body');
    const proto = await api.request('POST', '/v1/notifications', undefined, { raw: '{"userId":"u1","__proto__":{"admin":true}}' });
    assert.equal(proto.status, 400);
    const ctor = await api.request('POST', '/v1/notifications', undefined, { raw: '{"userId":"u1","constructor":{"prototype":{"x":1}}}' });
    assert.equal(ctor.status, 400);
    const text = await api.request('POST', '/v1/notifications', undefined, { raw: 'hello', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.status, 415);
    const huge = await api.post('/v1/notifications', { userId: 'u1', category: 'x', content: { text: 'a'.repeat(100 * 1024) } });
    assert.equal(huge.status, 413);
    assert.equal(typeof huge.body.message, 'string');
    const array = await api.post('/v1/notifications', [1, 2]);
    assert.equal(array.status, 400);
  });

  it('wrong types and unknown fields in a notification name each field', async (t) => {
    const { api } = await startApp(t);
    const res = await api.post('/v1/notifications', {
      userId: 7,
      category: ['x'],
      channels: ['pigeon'],
      content: { title: 5, subject: 'two\r\nBcc: x@evil.test' },
      priority: 'urgent',
      sendAt: 'tomorrow',
      extra: 1,
    });
    assert.equal(res.status, 400);
    const fields = new Set(res.body.errors.map((e: { field: string }) => e.field));
    for (const f of ['userId', 'category', 'channels', 'content.title', 'content.subject', 'priority', 'sendAt', 'extra']) assert.ok(fields.has(f), `names ${f}`);
  });

  it('a body with the wrong content type gets 415 saying what to send', async (t) => {
    const { api } = await startApp(t);
    const res = await api.request('POST', '/v1/notifications', undefined, { raw: 'userId=u1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.status, 415);
    assert.match(res.body.message, /application\/json/);
    assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field), ['body']);
  });

  it('every error body has the same shape, errors included, on every status', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'u1');
    const answers = [
      await api.as(undefined).get('/v1/users/u1'),
      await api.as({ appKey: api.credentials!.appKey, appSecret: 'wrong' }).get('/v1/users/u1'),
      await api.get('/v1/users/nobody'),
      await api.get('/v1/nothing-here'),
      await api.post('/v1/notifications', { userId: 'u1' }),
      await api.request('POST', '/v1/notifications', undefined, { raw: 'x', headers: { 'content-type': 'text/plain' } }),
    ];
    assert.deepEqual(answers.map((a) => a.status), [401, 401, 404, 404, 400, 415]);
    for (const { status, body } of answers) {
      assert.equal(body.statusCode, status);
      assert.equal(typeof body.error, 'string');
      assert.equal(typeof body.message, 'string');
      assert.ok(Array.isArray(body.errors), `errors present on ${status}: ${JSON.stringify(body)}`);
    }
  });

  it('a sendAt without a UTC offset is refused; one not in the future sends at once', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'u1');
    const send = (sendAt: string) => api.post('/v1/notifications', { userId: 'u1', category: 'a', channels: ['email'], content: { text: sendAt }, sendAt });
    for (const local of ['2030-01-01T09:00:00', '2030-01-01T09:00', '2030-01-01']) {
      const res = await send(local);
      assert.equal(res.status, 400, local);
      assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field), ['sendAt'], local);
    }
    const tomorrowInParis = new Date(Date.now() + 86_400_000).toISOString().slice(0, 19) + '+01:00';
    assert.equal((await send(tomorrowInParis)).status, 202);
    const past = await send(new Date(Date.now() - 60_000).toISOString());
    assert.equal(past.status, 202);
    const view = (await api.get(`/v1/notifications/${past.body.notificationId}`)).body;
    assert.equal(view.sendAt, null, 'a past sendAt is recorded as no schedule');
    assert.notEqual(view.deliveries[0].status, 'scheduled');
  });

  it('unknown routes and methods answer 404 in JSON', async (t) => {
    const { api } = await startApp(t);
    const res = await api.get('/v1/nothing-here');
    assert.equal(res.status, 404);
    assert.equal(res.body.statusCode, 404);
  });

  it('serves the OpenAPI document at /docs', async (t) => {
    const { api } = await startApp(t);
    const doc = await api.as(undefined).get('/docs/openapi.json');
    assert.equal(doc.status, 200);
    for (const path of ['/v1/users/{userId}', '/v1/users/{userId}/devices', '/v1/users/{userId}/devices/{deviceId}', '/v1/users/{userId}/preferences', '/v1/notifications', '/v1/notifications/batch', '/v1/notifications/{id}', '/v1/clients']) {
      assert.ok(doc.body.paths[path], `documents ${path}`);
    }
    assert.equal((await api.as(undefined).get('/docs')).status, 200);
  });
});

describe('null in optional fields (found by the fuzz suite)', () => {
  it('a batch item whose content fields are null is a 400 for that item, not a 500', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'u1');
    const res = await api.post('/v1/notifications/batch', { notifications: [{ content: { body: null } }, { userId: 'u1', category: 'a', content: { body: null, text: 'hi' }, sendAt: null }] });
    assert.equal(res.status, 200);
    assert.equal(res.body.results[0].statusCode, 400);
    assert.equal(res.body.results[1].statusCode, 202);
    const single = await api.post('/v1/notifications', { userId: 'u1', category: 'a', content: { title: null } });
    assert.equal(single.status, 400);
  });
});
