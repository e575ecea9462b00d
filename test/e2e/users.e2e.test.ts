import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apnsToken, createUser, startApp } from '../support/app.js';

describe('users, devices and preferences over HTTP', () => {
  it('creates, replaces and reads a user’s contact info', async (t) => {
    const { api } = await startApp(t);
    const created = await api.put('/v1/users/ada', { email: 'ada@example.com', phone: '+447700900123', locale: 'en-GB', timezone: 'Europe/London' });
    assert.equal(created.status, 201);
    assert.equal(created.body.email, 'ada@example.com');
    const replaced = await api.put('/v1/users/ada', { email: 'ada@example.org' });
    assert.equal(replaced.status, 200);
    const got = await api.get('/v1/users/ada');
    assert.equal(got.status, 200);
    assert.deepEqual([got.body.email, got.body.phone, got.body.locale], ['ada@example.org', null, null]);
    assert.equal((await api.get('/v1/users/nobody')).status, 404);
  });

  it('names every bad field: invalid email and phone, wrong types, unknown fields', async (t) => {
    const { api } = await startApp(t);
    const res = await api.put('/v1/users/ada', { email: 'not-an-email', phone: '07700 900123', locale: 42, timezone: 'Mars/Olympus', admin: true });
    assert.equal(res.status, 400);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    assert.deepEqual(fields, ['admin', 'email', 'locale', 'phone', 'timezone']);
    assert.equal((await api.put('/v1/users/bad%20id', {})).status, 400);
    assert.equal((await api.put(`/v1/users/${'x'.repeat(129)}`, {})).status, 400);
  });

  it('registers devices idempotently, removes them, and moves a token between users', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'u1');
    await createUser(api, 'u2');
    const first = await api.post('/v1/users/u1/devices', { platform: 'ios', token: apnsToken(1) });
    assert.equal(first.status, 201);
    const again = await api.post('/v1/users/u1/devices', { platform: 'ios', token: apnsToken(1) });
    assert.equal(again.status, 200);
    assert.equal(again.body.deviceId, first.body.deviceId);
    const android = await api.post('/v1/users/u1/devices', { platform: 'android', token: 'fcm-token-abcdefghijklmnop:APA91b' });
    assert.equal(android.status, 201);
    assert.equal((await api.get('/v1/users/u1')).body.devices.length, 2);

    // The iPhone changes hands: u2 registers the same token, u1 no longer has it.
    const moved = await api.post('/v1/users/u2/devices', { platform: 'ios', token: apnsToken(1) });
    assert.equal(moved.status, 201);
    assert.deepEqual((await api.get('/v1/users/u1')).body.devices.map((d: { provider: string }) => d.provider), ['fcm']);
    assert.equal((await api.get('/v1/users/u2')).body.devices.length, 1);

    assert.equal((await api.delete(`/v1/users/u1/devices/${android.body.deviceId}`)).status, 204);
    assert.equal((await api.get('/v1/users/u1')).body.devices.length, 0);
    assert.equal((await api.delete(`/v1/users/u1/devices/${android.body.deviceId}`)).status, 404);
  });

  it('rejects bad device registrations with the field named', async (t) => {
    const { api } = await startApp(t);
    const res = await api.post('/v1/users/u1/devices', { platform: 'windows', token: 'x y' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field).sort(), ['platform', 'token']);
    const hex = await api.post('/v1/users/u1/devices', { platform: 'ios', token: 'not-hex-token-at-all' });
    assert.equal(hex.status, 400);
    assert.equal(hex.body.errors[0].field, 'token');
  });

  it('replaces preferences and validates them', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'u1');
    const res = await api.put('/v1/users/u1/preferences', { channels: { sms: false }, categories: [{ category: 'marketing', enabled: false }] });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.channels, { push: true, sms: false, email: true, inapp: true });
    assert.deepEqual((await api.get('/v1/users/u1')).body.preferences.categories[0].category, 'marketing');
    const bad = await api.put('/v1/users/u1/preferences', { muted: 'yes', categories: [{ category: '' }, { category: 'a', channels: { sms: 1 } }] });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['categories.0.category', 'categories.1.channels.sms', 'muted']);
    const dup = await api.put('/v1/users/u1/preferences', { categories: [{ category: 'a' }, { category: 'a' }] });
    assert.equal(dup.status, 400);
  });
});
