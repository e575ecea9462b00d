import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { Api, startApp } from '../support/app.js';
import { eventually } from '../support/temp.js';

/**
 * appSecret rotation as an operator does it, with two API processes' worth of Herald on one
 * store: the old secret keeps working through the grace on both, the new one works at once on
 * both, a revoke ends the old one everywhere, and no secret is ever written to the log.
 */
it('rotates an appSecret with a grace period, across API nodes, and revokes the old one', async (t) => {
  const first = await startApp(t, { CLIENT_SECRET_GRACE: '1h' });
  const second = await startApp(t, { DATA_DIR: first.dataDir, CLIENT_SECRET_GRACE: '1h', BOOTSTRAP_ADMIN: 'false' });
  const created = await first.api.post('/v1/clients', { name: 'billing', scopes: ['users:read'] });
  assert.equal(created.status, 201);
  const old = { appKey: created.body.appKey, appSecret: created.body.appSecret };
  const onFirst = (c: typeof old) => new Api(first.baseUrl, c);
  const onSecond = (c: typeof old) => new Api(second.baseUrl, c);
  assert.equal((await onSecond(old).get('/v1/clients/me')).status, 200, 'the second node knows the old secret (and caches it)');

  const rotated = await onFirst(old).post(`/v1/clients/${old.appKey}/secret`);
  assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
  assert.notEqual(rotated.body.appSecret, old.appSecret);
  assert.ok(Date.parse(rotated.body.previousSecretValidUntil) > Date.now() + 59 * 60_000);
  const fresh = { appKey: old.appKey, appSecret: rotated.body.appSecret as string };

  for (const [name, api] of [['first', onFirst], ['second', onSecond]] as const) {
    assert.equal((await api(fresh).get('/v1/clients/me')).status, 200, `${name} node takes the new secret at once`);
    assert.equal((await api(old).get('/v1/clients/me')).status, 200, `${name} node still takes the old secret in the grace`);
  }

  const other = await first.api.post('/v1/clients', { name: 'other', scopes: ['users:read'] });
  const intruder = { appKey: other.body.appKey, appSecret: other.body.appSecret };
  assert.equal((await onFirst(intruder).post(`/v1/clients/${old.appKey}/secret`)).status, 403, 'another client cannot rotate it');

  assert.equal((await onSecond(fresh).delete(`/v1/clients/${old.appKey}/secret/previous`)).status, 204);
  assert.equal((await onSecond(old).get('/v1/clients/me')).status, 401, 'revoked on the node that revoked');
  // The first node learns of the revocation on its next look at the clients stream (at most 5 s).
  const status = await eventually(async () => {
    const { status } = await onFirst(old).get('/v1/clients/me');
    return status === 200 ? undefined : status;
  }, 10_000, 'the first node to learn of the revocation');
  assert.equal(status, 401, 'revoked on the other node too');
  assert.equal((await onFirst(fresh).get('/v1/clients/me')).status, 200);
  assert.equal((await onSecond(fresh).delete(`/v1/clients/${old.appKey}/secret/previous`)).status, 404, 'nothing left to revoke');

  const files = ['events.db', 'events.db-wal'].map((f) => join(first.dataDir, f)).filter((f) => existsSync(f));
  const log = Buffer.concat(files.map((f) => readFileSync(f)));
  for (const secret of [old.appSecret, fresh.appSecret]) assert.equal(log.includes(Buffer.from(secret)), false, 'secrets are stored only as scrypt digests');
});
