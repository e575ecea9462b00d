import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startApp } from '../support/app.js';
import { queueProfiles } from '../support/profiles.js';

/** Each channel's queue, and its broadcast lane beside it. */
const CHANNEL_QUEUES = ['apns', 'email', 'fcm', 'inapp', 'sms', 'webpush'];

const redis = queueProfiles().find((p) => p.name === 'redis');

describe('bull-board at /admin/queues', () => {
  it('on the Redis profile: 401 without or with wrong credentials, 403 without the admin scope, 200 HTML for an admin', { skip: !redis && 'needs REDIS_URL' }, async (t) => {
    const { api } = await startApp(t, redis!.env());
    const anonymous = api.as(undefined);
    const denied = await anonymous.get('/admin/queues');
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('www-authenticate') ?? '', /^Basic/);
    assert.equal((await anonymous.get('/admin/queues/api/queues')).status, 401, 'its JSON API is guarded too');
    assert.equal((await api.as({ appKey: api.credentials!.appKey, appSecret: 'wrong' }).get('/admin/queues')).status, 401);
    const sender = await api.post('/v1/clients', { name: 'sender', scopes: ['notifications:send'] });
    assert.equal((await api.as(sender.body).get('/admin/queues')).status, 403);

    const page = await api.get<string>('/admin/queues');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.body, /<html/i);
    const listed = await api.get('/admin/queues/api/queues');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.queues.map((q: { name: string }) => q.name).sort(), [...CHANNEL_QUEUES, ...CHANNEL_QUEUES.map((q) => `${q}-broadcast`), 'digests', 'webhooks'].sort());
  });

  it('is not there on the embedded profile (no BullMQ)', async (t) => {
    const { api } = await startApp(t);
    assert.equal((await api.get('/admin/queues')).status, 404);
  });
});
