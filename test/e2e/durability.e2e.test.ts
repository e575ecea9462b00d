import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Api, apnsToken } from '../support/app.js';
import { freePort, runCli, spawnHerald } from '../support/process.js';
import { eventually, tempDir } from '../support/temp.js';

async function ready(api: Api): Promise<void> {
  await eventually(async () => ((await api.get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 20_000, 'herald to start');
}

describe('durability of accepted requests', () => {
  it('SIGKILL right after 202 loses nothing: the decision is there after a restart', async (t) => {
    const dataDir = tempDir(t);
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port) };
    const first = await spawnHerald(t, env);
    const anonymous = new Api(`http://127.0.0.1:${port}`);
    await ready(anonymous);
    const admin = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8'));
    const api = anonymous.as(admin);
    assert.equal((await api.put('/v1/users/u1', { email: 'u1@example.com' })).status, 201);
    assert.equal((await api.post('/v1/users/u1/devices', { platform: 'ios', token: apnsToken(3) })).status, 201);

    // Fire a burst and kill the process the instant the last answer arrives.
    const accepted = await Promise.all(
      Array.from({ length: 50 }, (_, i) => api.post('/v1/notifications', { userId: 'u1', category: `c${i}`, channels: ['push'], content: { title: `t${i}` }, idempotencyKey: `k${i}` })),
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const ids = accepted.filter((r) => r.body.status === 'accepted').map((r) => r.body.notificationId as string);
    assert.equal(ids.length, 20, 'the push rate limit lets 20 through');

    await spawnHerald(t, env);
    await ready(anonymous);
    for (const id of ids) {
      const got = await api.get(`/v1/notifications/${id}`);
      assert.equal(got.status, 200, `notification ${id} survived`);
      assert.equal(got.body.deliveries.length, 1);
    }
    // The same idempotency keys still answer with the original ids.
    const again = await api.post('/v1/notifications', { userId: 'u1', category: 'c0', channels: ['push'], content: { title: 't0' }, idempotencyKey: 'k0' });
    assert.equal(again.status, 200);
    assert.equal(again.body.notificationId, accepted[0]!.body.notificationId);
  });

  it('the CLI creates a client that the running service accepts, and replays a stream', async (t) => {
    const dataDir = tempDir(t);
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port) };
    await spawnHerald(t, env);
    const anonymous = new Api(`http://127.0.0.1:${port}`);
    await ready(anonymous);
    const created = await runCli(['clients', 'create', '--name', 'billing', '--scopes', 'notifications:send,users:write'], env);
    assert.equal(created.code, 0, created.stderr);
    const credentials = JSON.parse(created.stdout);
    const billing = anonymous.as(credentials);
    assert.equal((await billing.put('/v1/users/u9', { email: 'u9@example.com' })).status, 201);
    assert.equal((await billing.post('/v1/clients', { name: 'x', scopes: ['admin'] })).status, 403);

    const replay = await runCli(['replay', '--stream', 'recipient-u9'], env);
    assert.equal(replay.code, 0, replay.stderr);
    const lines = replay.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines[0].type, 'RecipientProfileUpdated');
    assert.equal(lines[0].metadata.appKey, credentials.appKey);

    const bad = await runCli(['clients', 'create', '--name', 'x', '--scopes', 'root'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown: root/);
  });
});
