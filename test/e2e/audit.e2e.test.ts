import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apnsToken, createUser, startApp } from '../support/app.js';
import { eventually } from '../support/temp.js';

describe('audit: streams, timelines and explanations', () => {
  it('explains each suppression reason and a delivered channel', async (t) => {
    const { api } = await startApp(t, { RATE_LIMIT_SMS: '1/1d' });
    await createUser(api, 'ada', { email: 'ada@example.com', phone: '+447700900123' });
    await api.post('/v1/users/ada/devices', { platform: 'ios', token: apnsToken(5) });
    await api.put('/v1/users/ada/preferences', { categories: [{ category: 'orders', channels: { email: false } }] });
    const first = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', content: { title: 'a', text: 'one' } });
    const second = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', content: { title: 'a', text: 'one' } });
    await eventually(async () => ((await api.get(`/v1/notifications/${first.body.notificationId}`)).body.status === 'sent' ? true : undefined));

    const explained = await api.get(`/v1/notifications/${first.body.notificationId}/explain`);
    assert.equal(explained.status, 200);
    const byChannel = Object.fromEntries(explained.body.channels.map((c: { channel: string }) => [c.channel, c]));
    assert.equal(byChannel.push.delivered, true);
    assert.equal(byChannel.push.deliveries[0].outcome, 'NotificationSent');
    assert.equal(byChannel.sms.delivered, true);
    assert.equal(byChannel.email.reason, 'opted_out');
    assert.match(byChannel.email.explanation, /opted out of email for category orders/);
    assert.equal(explained.body.requestedBy, api.credentials!.appKey);

    const again = await api.get(`/v1/notifications/${second.body.notificationId}/explain`);
    const reasons = Object.fromEntries(again.body.channels.map((c: { channel: string; reason?: string }) => [c.channel, c.reason]));
    assert.deepEqual(reasons, { push: 'duplicate', sms: 'duplicate', email: 'opted_out' });
    const dup = again.body.channels.find((c: { channel: string }) => c.channel === 'push');
    assert.equal(dup.detail.duplicateOf, first.body.notificationId);

    const limited = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['sms'], content: { text: 'two' } });
    const why = await api.get(`/v1/notifications/${limited.body.notificationId}/explain`);
    assert.match(why.body.channels[0].explanation, /rate limit reached: 1 of 1 sms notifications in the last 86400 s/);

    await createUser(api, 'bob', { email: null });
    const none = await api.post('/v1/notifications', { userId: 'bob', category: 'orders', channels: ['sms'], content: { text: 'x' } });
    assert.match((await api.get(`/v1/notifications/${none.body.notificationId}/explain`)).body.channels[0].explanation, /no phone number/);
  });

  it('timelines tell the story in log order; raw streams page', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'ada', { email: 'ada@example.com' });
    const sent = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', content: { subject: 's', text: 't' } });
    await eventually(async () => ((await api.get(`/v1/notifications/${sent.body.notificationId}`)).body.status === 'sent' ? true : undefined));
    const timeline = await api.get(`/v1/notifications/${sent.body.notificationId}/timeline`);
    assert.deepEqual(timeline.body.events.map((e: { type: string }) => e.type), ['NotificationRequested', 'NotificationSent']);
    assert.equal(timeline.body.events[0].metadata.appKey, api.credentials!.appKey);
    assert.ok(timeline.body.events[0].metadata.correlationId);
    assert.equal(timeline.body.events[1].metadata.causationId, sent.body.deliveries[0].deliveryId);

    const user = await api.get('/v1/users/ada/timeline');
    assert.deepEqual(user.body.events.map((e: { type: string }) => e.type), ['RecipientProfileUpdated', 'NotificationRequested', 'NotificationSent']);
    const positions = user.body.events.map((e: { position: string }) => BigInt(e.position));
    assert.deepEqual([...positions].sort((a, b) => (a < b ? -1 : 1)), positions);

    const raw = await api.get('/v1/audit/streams/recipient-ada?limit=1');
    assert.equal(raw.body.events.length, 1);
    assert.equal(raw.body.next, 1);
    const back = await api.get('/v1/audit/streams/recipient-ada?direction=backwards&limit=10');
    assert.equal(back.body.events[0].type, 'NotificationRequested');
    assert.equal((await api.get('/v1/audit/streams/bad%20name')).status, 400);

    const reader = await api.post('/v1/clients', { name: 'sender', scopes: ['notifications:send'] });
    const sender = api.as({ appKey: reader.body.appKey, appSecret: reader.body.appSecret });
    assert.equal((await sender.get('/v1/audit/streams/recipient-ada')).status, 403);
    assert.equal((await api.get('/v1/users/nobody/timeline')).status, 404);
  });
});
