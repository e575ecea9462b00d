import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EVENT_STORE, type EventStore } from '../../src/modules/event-store/event-store.port.js';
import { Api, createUser, startApp } from '../support/app.js';
import { freePort, spawnHerald } from '../support/process.js';
import { eventually, tempDir } from '../support/temp.js';
import { report } from './report.js';

const ENDPOINTS: [string, string, unknown?][] = [
  ['PUT', '/v1/users/victim', { email: 'evil@example.com' }],
  ['GET', '/v1/users/victim'],
  ['POST', '/v1/users/victim/devices', { platform: 'ios', token: 'a'.repeat(64) }],
  ['DELETE', '/v1/users/victim/devices/00000000-0000-4000-8000-000000000000'],
  ['PUT', '/v1/users/victim/preferences', { muted: true }],
  ['POST', '/v1/users/victim/preference-link'],
  ['POST', '/v1/users/victim/inbox-token'],
  ['POST', '/v1/notifications', { userId: 'victim', category: 'x', content: { text: 'x' } }],
  ['POST', '/v1/notifications/batch', { notifications: [{ userId: 'victim', category: 'x', content: { text: 'x' } }] }],
  ['GET', '/v1/notifications/00000000-0000-4000-8000-000000000000'],
  ['DELETE', '/v1/notifications/00000000-0000-4000-8000-000000000000'],
  ['POST', '/v1/templates', { id: 't', defaultLocale: 'en', channels: { sms: { en: { text: 'x' } } } }],
  ['GET', '/v1/templates/t'],
  ['POST', '/v1/templates/t/preview', {}],
  ['POST', '/v1/clients', { name: 'x', scopes: ['admin'] }],
  ['GET', '/v1/clients/me'],
  ['GET', '/v1/sandbox/outbox'],
  ['GET', '/v1/audit/streams/recipient-victim'],
  ['GET', '/v1/users/victim/timeline'],
  ['GET', '/v1/notifications/00000000-0000-4000-8000-000000000000/timeline'],
  ['GET', '/v1/notifications/00000000-0000-4000-8000-000000000000/explain'],
  ['POST', '/v1/events', { notificationId: '00000000-0000-4000-8000-000000000000', type: 'opened' }],
  // Another client's webhook (`:admin` is the admin's appKey): a client manages only its own.
  ['PUT', '/v1/clients/:admin/webhook', { url: 'https://evil.example.com/' }],
  ['GET', '/v1/clients/:admin/webhook'],
  ['POST', '/v1/clients/:admin/webhook/rotate-secret'],
  ['DELETE', '/v1/clients/:admin/webhook'],
  // Another client's appSecret: rotating it would hand the caller a working secret.
  ['POST', '/v1/clients/:admin/secret'],
  ['DELETE', '/v1/clients/:admin/secret/previous'],
];

describe('authentication and authorisation', () => {
  it('every endpoint: 401 without or with wrong credentials, 403 without the scope, and nothing changes', async (t) => {
    const { api, app } = await startApp(t);
    const store = app.get<EventStore>(EVENT_STORE);
    await createUser(api, 'victim');
    const weak = await api.post('/v1/clients', { name: 'metrics-only', scopes: ['analytics:read'] });
    const cases = [
      { who: 'no credentials', api: api.as(undefined), expect: 401 },
      { who: 'wrong secret', api: api.as({ appKey: api.credentials!.appKey, appSecret: `${api.credentials!.appSecret}x` }), expect: 401 },
      { who: 'unknown key', api: api.as({ appKey: 'hk_000000000000000000000000', appSecret: 'x' }), expect: 401 },
      { who: 'missing scope', api: api.as({ appKey: weak.body.appKey, appSecret: weak.body.appSecret }), expect: 403 },
    ];
    const before = await store.headPosition();
    let requests = 0;
    for (const c of cases) {
      for (const [method, path, body] of ENDPOINTS) {
        // Any valid client may ask who it is.
        if (c.expect === 403 && path === '/v1/clients/me') continue;
        const res = await c.api.request(method, path.replace(':admin', api.credentials!.appKey), body);
        requests += 1;
        assert.equal(res.status, c.expect, `${c.who}: ${method} ${path} -> ${res.status}`);
      }
    }
    assert.equal(await store.headPosition(), before, 'no event was appended');
    assert.equal((await api.get('/v1/users/victim')).body.email, 'victim@example.com');
    report({ scenario: 'auth: 401/403 on every endpoint', profile: 'embedded', notifications: requests, lost: 0, duplicates: 0, fiveXx: 0, maxLatencyMs: 0 });
  });

  it('a wrong secret takes as long whether it shares a long prefix with the right one or none', async (t) => {
    const { api } = await startApp(t);
    const secret = api.credentials!.appSecret;
    const time = async (candidate: string) => {
      const started = performance.now();
      const res = await api.as({ appKey: api.credentials!.appKey, appSecret: candidate }).get('/v1/clients/me');
      assert.equal(res.status, 401);
      return performance.now() - started;
    };
    const near = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const far = 'x'.repeat(secret.length);
    const samples: { near: number[]; far: number[] } = { near: [], far: [] };
    for (let i = 0; i < 25; i++) {
      samples.near.push(await time(near));
      samples.far.push(await time(far));
    }
    // Other test files run beside this one and can only add time to a sample: the fastest of each
    // set is the one least disturbed (the medians of 15 differed by a third under that load).
    const [n, f] = [Math.min(...samples.near), Math.min(...samples.far)];
    // Both pay the full scrypt cost (tens of ms); a prefix-dependent compare would differ by far less, so assert closeness.
    assert.ok(Math.abs(n - f) < Math.max(5, 0.25 * Math.max(n, f)), `near ${n.toFixed(1)} ms vs far ${f.toFixed(1)} ms`);
    assert.ok(Math.min(n, f) > 5, 'a wrong secret pays the full hash cost');
  });

  it('secrets never appear in logs or events', async (t) => {
    const dataDir = tempDir(t);
    const port = await freePort();
    const herald = await spawnHerald(t, { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'debug' });
    const anonymous = new Api(`http://127.0.0.1:${port}`);
    await eventually(async () => ((await anonymous.get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 20_000);
    const admin = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8'));
    const api = anonymous.as(admin);
    const created = await api.post('/v1/clients', { name: 'svc', scopes: ['users:write'] });
    await anonymous.as({ appKey: created.body.appKey, appSecret: created.body.appSecret }).put('/v1/users/u1', { email: 'u1@example.com' });
    await anonymous.as({ appKey: created.body.appKey, appSecret: 'guess' }).put('/v1/users/u1', { email: 'u1@example.com' });
    herald.child.kill('SIGTERM');
    await herald.exited;
    const logs = herald.output();
    const events = readFileSync(join(dataDir, 'events.db'));
    for (const secret of [admin.appSecret, created.body.appSecret]) {
      assert.equal(logs.includes(secret), false, 'no secret in the logs');
      assert.equal(events.includes(Buffer.from(secret)), false, 'no secret in the event log');
    }
    assert.ok(logs.includes(admin.appKey), 'the log names the admin appKey, not its secret');
  });
});
