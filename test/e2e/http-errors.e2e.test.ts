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
