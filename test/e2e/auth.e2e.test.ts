import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createUser, startApp } from '../support/app.js';

describe('API clients and authentication', () => {
  it('writes the bootstrap admin’s credentials to an owner-only file', async (t) => {
    const { dataDir, admin } = await startApp(t);
    const file = join(dataDir, 'admin-credentials.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(admin.appKey, /^hk_/);
    // The secret is stored only as a salted hash: it appears nowhere in the event log.
    const events = readFileSync(join(dataDir, 'events.db'));
    assert.equal(events.includes(Buffer.from(admin.appSecret)), false);
  });

  it('401 without or with wrong credentials, 403 without the scope, 429 over the rate', async (t) => {
    const { api } = await startApp(t, { CLIENT_RATE_LIMIT: '5' });
    const noAuth = await api.as(undefined).get('/v1/users/u1');
    assert.equal(noAuth.status, 401);
    assert.equal(noAuth.headers.get('www-authenticate'), 'Basic realm="herald"');
    const wrong = await api.as({ appKey: api.credentials!.appKey, appSecret: 'wrong' }).get('/v1/users/u1');
    assert.equal(wrong.status, 401);
    const unknown = await api.as({ appKey: 'hk_nobody', appSecret: 'x' }).get('/v1/users/u1');
    assert.equal(unknown.status, 401);

    const created = await api.post('/v1/clients', { name: 'mobile app', scopes: ['devices:register'] });
    assert.equal(created.status, 201);
    const mobile = api.as({ appKey: created.body.appKey, appSecret: created.body.appSecret });
    const forbidden = await mobile.post('/v1/notifications', { userId: 'u1', category: 'x', content: { text: 'hi' } });
    assert.equal(forbidden.status, 403);
    assert.equal((await mobile.post('/v1/clients', { name: 'x', scopes: ['admin'] })).status, 403);
    assert.equal((await mobile.get('/v1/clients/me')).body.name, 'mobile app');

    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await mobile.get('/v1/clients/me')).status);
    assert.ok(statuses.includes(429), `expected a 429 in ${statuses}`);
    const limited = await mobile.get('/v1/clients/me');
    if (limited.status === 429) assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });

  it('validates new clients', async (t) => {
    const { api } = await startApp(t);
    const res = await api.post('/v1/clients', { name: '', scopes: ['root'] });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field).sort(), ['name', 'scopes']);
  });

  it('a client with only users:read cannot write', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'u1');
    const created = await api.post('/v1/clients', { name: 'reader', scopes: ['users:read'] });
    const reader = api.as({ appKey: created.body.appKey, appSecret: created.body.appSecret });
    assert.equal((await reader.get('/v1/users/u1')).status, 200);
    assert.equal((await reader.put('/v1/users/u1', { email: 'x@example.com' })).status, 403);
    assert.equal((await api.get('/v1/users/u1')).body.email, 'u1@example.com');
  });
});
