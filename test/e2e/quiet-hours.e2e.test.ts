import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser, notificationFinished, sandboxSendsPerDelivery, startApp, type Api } from '../support/app.js';
import { queueProfiles } from '../support/fakes.js';
import { eventually } from '../support/temp.js';
import { clockIn, dateIn, nextMinute } from '../support/wall-clock.js';

/** Half an hour off UTC, so a window read in the wrong zone would not hold. */
const ZONE = 'Asia/Kolkata';
const MIN = 60_000;

const send = (api: Api, body: Record<string, unknown>) =>
  api.post('/v1/notifications', { userId: 'ada', category: 'orders', content: { subject: 'Hello', text: `Hello ${Math.random()}` }, ...body });
const fieldsOf = (res: { body: { errors: { field: string }[] } }) => res.body.errors.map((e) => e.field).sort();

// The deferred deliveries wait for the same minute to end: the profiles wait side by side.
describe('quiet hours over HTTP: deferred, not dropped', { concurrency: true }, () => {
  for (const profile of queueProfiles()) {
    it(`(${profile.name} queue) a delivery decided inside the window is scheduled, explained, not sent before the window ends, then sent`, async (t) => {
      const { api } = await startApp(t, profile.env());
      await createUser(api, 'ada', { email: 'ada@example.com', phone: '+447700900123', timezone: ZONE });
      const end = nextMinute(Date.now(), 3000);
      const quietHours = { start: clockIn(end - 30 * MIN, ZONE), end: clockIn(end, ZONE), channels: ['email'] };
      const put = await api.put('/v1/users/ada/preferences', { quietHours });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.deepEqual(put.body.quietHours, quietHours);
      assert.deepEqual((await api.get('/v1/users/ada')).body.preferences.quietHours, quietHours);

      const res = await send(api, { channels: ['email', 'sms'] });
      assert.equal(res.status, 202);
      const id: string = res.body.notificationId;
      const [email, sms] = res.body.deliveries.map((d: { deliveryId: string }) => d.deliveryId);

      const view = (await api.get(`/v1/notifications/${id}`)).body;
      const viewed = (channel: string) => view.deliveries.find((d: { channel: string }) => d.channel === channel);
      assert.equal(viewed('email').status, 'scheduled');
      assert.equal(viewed('email').dueAt, new Date(end).toISOString(), 'the status view says until when');
      assert.equal(viewed('sms').dueAt, null, 'sms goes at once');
      const explained = (await api.get(`/v1/notifications/${id}/explain`)).body;
      const deferred = explained.channels.find((c: { channel: string }) => c.channel === 'email').deliveries[0].deferred;
      assert.deepEqual({ ...deferred, explanation: undefined }, { until: new Date(end).toISOString(), reason: 'quiet_hours', source: 'user', timezone: ZONE, window: quietHours, explanation: undefined });
      assert.match(deferred.explanation, new RegExp(`until ${new Date(end).toISOString()}`));
      assert.equal(explained.channels.find((c: { channel: string }) => c.channel === 'sms').deliveries[0].deferred, undefined, 'sms is not in the window’s channels');

      // sms goes at once; while the window lasts, email is not sent.
      await eventually(async () => ((await sandboxSendsPerDelivery(api)).has(sms) ? true : undefined), 10_000, 'the sms to be sent');
      const before = await sandboxSendsPerDelivery(api);
      if (Date.now() < end) assert.equal(before.get(email), undefined, 'not sent inside the window');

      const finished = await notificationFinished(api, id, end - Date.now() + 15_000);
      const sentAt = Date.parse(finished.deliveries.find((d: { channel: string }) => d.channel === 'email').sentAt);
      assert.ok(sentAt >= end, `sent at ${new Date(sentAt).toISOString()}, not before ${new Date(end).toISOString()}`);
      assert.equal((await sandboxSendsPerDelivery(api)).get(email), 1);
    });
  }
});

describe('quiet hours and local-time sends over HTTP', () => {
  it('a category’s default window applies to a user with none, in the category’s zone; a critical category is not held back', async (t) => {
    const now = Date.now();
    const window = { start: clockIn(now - 60 * MIN, 'Asia/Tokyo'), end: clockIn(now + 60 * MIN, 'Asia/Tokyo') };
    const { api } = await startApp(t, { CATEGORY_POLICIES: JSON.stringify({ digest: { quietHours: window, timezone: 'Asia/Tokyo' }, security: { critical: true } }) });
    await createUser(api, 'ada');
    const digest = await send(api, { category: 'digest', channels: ['email'] });
    const explained = (await api.get(`/v1/notifications/${digest.body.notificationId}/explain`)).body;
    const deferred = explained.channels[0].deliveries[0].deferred;
    assert.equal(deferred.source, 'category');
    assert.equal(deferred.timezone, 'Asia/Tokyo');
    assert.equal(clockIn(Date.parse(deferred.until), 'Asia/Tokyo'), window.end);
    assert.equal((await api.get(`/v1/notifications/${digest.body.notificationId}`)).body.deliveries[0].status, 'scheduled');

    const code = await send(api, { category: 'security', channels: ['email'] });
    assert.equal((await notificationFinished(api, code.body.notificationId)).status, 'sent');
  });

  it('sendAt {localTime} is the next such time in the recipient’s zone; with a past date, at once; kept in the decision', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'ada', { email: 'ada@example.com', timezone: 'Asia/Tokyo' });
    const due = nextMinute(Date.now(), 0) + 2 * 60 * MIN;
    const localTime = clockIn(due, 'Asia/Tokyo');
    const later = await send(api, { channels: ['email'], sendAt: { localTime } });
    assert.equal(later.status, 202, JSON.stringify(later.body));
    const view = (await api.get(`/v1/notifications/${later.body.notificationId}`)).body;
    assert.equal(view.sendAt, new Date(due).toISOString());
    assert.equal(view.deliveries[0].status, 'scheduled');
    assert.equal(view.deliveries[0].dueAt, view.sendAt, 'not deferred: due at sendAt');
    const explained = (await api.get(`/v1/notifications/${later.body.notificationId}/explain`)).body;
    assert.deepEqual(explained.localSendAt, { localTime, timezone: 'Asia/Tokyo' });
    assert.equal(explained.sendAt, new Date(due).toISOString());

    const yesterday = dateIn(Date.now() - 24 * 60 * MIN, 'Asia/Tokyo');
    const past = await send(api, { channels: ['email'], sendAt: { localTime: '09:00', date: yesterday } });
    const sent = await notificationFinished(api, past.body.notificationId);
    assert.equal(sent.status, 'sent');
    assert.equal(sent.sendAt, null, 'a past local date and time sends at once');

    const batch = await api.post('/v1/notifications/batch', {
      notifications: [
        { userId: 'ada', category: 'orders', channels: ['email'], content: { text: 'a' }, sendAt: { localTime } },
        { userId: 'ada', category: 'orders', channels: ['email'], content: { text: 'b' }, sendAt: { localTime: '24:00' } },
      ],
    });
    assert.deepEqual(batch.body.results.map((r: { statusCode: number }) => r.statusCode), [202, 400]);
    assert.deepEqual(fieldsOf({ body: batch.body.results[1] }), ['sendAt.localTime']);
  });

  it('bad quiet hours and bad local times are refused with 400, naming each field', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'ada');
    const bad = await api.put('/v1/users/ada/preferences', { quietHours: { start: '25:00', end: '7:30', days: ['monday'], channels: ['fax'] } });
    assert.equal(bad.status, 400);
    assert.deepEqual(fieldsOf(bad), ['quietHours.channels', 'quietHours.days', 'quietHours.end', 'quietHours.start']);
    const same = await api.put('/v1/users/ada/preferences', { quietHours: { start: '22:00', end: '22:00' } });
    assert.equal(same.status, 400);
    assert.deepEqual(fieldsOf(same), ['quietHours.end']);
    assert.deepEqual(fieldsOf(await api.put('/v1/users/ada/preferences', { quietHours: [] })), ['quietHours']);
    assert.equal((await api.get('/v1/users/ada')).body.preferences.quietHours, null, 'nothing half-written');

    const local = await send(api, { userId: 7, sendAt: { localTime: '9am', date: '2026-02-30', at: 'noon' } });
    assert.equal(local.status, 400);
    assert.deepEqual(fieldsOf(local), ['sendAt.at', 'sendAt.date', 'sendAt.localTime', 'userId'], 'named together with the other bad fields');
    const tooFar = await send(api, { sendAt: { localTime: '09:00', date: dateIn(Date.now() + 120 * 24 * 60 * MIN, 'UTC') } });
    assert.deepEqual(fieldsOf(tooFar), ['sendAt.date']);
    assert.deepEqual(fieldsOf(await send(api, { sendAt: 42 })), ['sendAt']);
  });
});
