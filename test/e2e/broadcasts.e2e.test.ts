import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser, startApp, type Api } from '../support/app.js';
import { mapLimited } from '../support/concurrency.js';
import { startProviderFakes } from '../support/fakes.js';
import { queueProfiles } from '../support/profiles.js';
import { eventually } from '../support/temp.js';

const finished = (api: Api, id: string, timeoutMs = 30_000) =>
  eventually(async () => {
    const view = (await api.get(`/v1/broadcasts/${id}`)).body;
    return (view.status === 'completed' || view.status === 'canceled') && view.deliveries.pending === 0 ? view : undefined;
  }, timeoutMs, `broadcast ${id} to finish`);

async function auditEvents(api: Api, stream: string): Promise<{ type: string; data: Record<string, unknown>; metadata: Record<string, unknown>; time: string }[]> {
  const res = await api.get(`/v1/audit/streams/${stream}?limit=1000`);
  return res.body.events;
}

for (const profile of queueProfiles()) {
  describe(`broadcasts over HTTP (${profile.name} profile)`, () => {
    it('a topic broadcast decides every member as a single request would (opt-out, no target, unknown user), sends the rest, and shows its progress; the same idempotencyKey answers with the same broadcast', async (t) => {
      const { api, admin } = await startApp(t, profile.env());
      await api.put('/v1/topics/news', { name: 'News' });
      for (const id of ['ada', 'bob', 'cyd']) await createUser(api, id, { email: `${id}@example.com` });
      await createUser(api, 'dan', { phone: '+447700900123' });
      await api.put('/v1/users/bob/preferences', { categories: [{ category: 'news', enabled: false }] });
      await createUser(api, 'eve', { email: 'eve@example.com' });
      await api.post('/v1/topics/news/subscribers', { userIds: ['ada', 'bob', 'cyd', 'dan', 'ghost'] });

      const body = { audience: { topic: 'news' }, category: 'news', channels: ['email'], content: { subject: 'Hello', text: 'Hello all' }, idempotencyKey: 'news-1' };
      const res = await api.post('/v1/broadcasts', body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const { broadcastId } = res.body;
      const again = await api.post('/v1/broadcasts', body);
      assert.deepEqual([again.status, again.body], [200, { broadcastId, duplicate: true }]);

      const view = await finished(api, broadcastId);
      assert.equal(view.status, 'completed');
      assert.deepEqual(
        { audienceSize: view.audienceSize, decided: view.decided, accepted: view.accepted, suppressed: view.suppressed, unknownUser: view.unknownUser, remaining: view.remaining },
        { audienceSize: 5, decided: 5, accepted: 2, suppressed: { opted_out: 1, no_target: 1 }, unknownUser: 1, remaining: 0 },
      );
      assert.deepEqual(view.deliveries, { total: 2, pending: 0, sent: 2, failed: 0, canceled: 0 });
      assert.deepEqual(view.audience, { kind: 'topic', topic: 'news' });

      // eve is not in the topic: nothing for her. ada's decision is an ordinary one, with the broadcast in its explanation.
      assert.equal((await auditEvents(api, 'recipient-eve')).filter((e) => e.type.startsWith('Notification')).length, 0);
      const decisions = (await auditEvents(api, 'recipient-ada')).filter((e) => e.type === 'NotificationRequested');
      assert.equal(decisions.length, 1);
      assert.equal(decisions[0]!.data.broadcastId, broadcastId);
      assert.equal(decisions[0]!.data.idempotencyKey, `broadcast:${broadcastId}:ada`);
      assert.equal(decisions[0]!.metadata.appKey, admin.appKey);
      const explained = (await api.get(`/v1/notifications/${decisions[0]!.data.notificationId}/explain`)).body;
      assert.equal(explained.broadcast.broadcastId, broadcastId);
      assert.equal(explained.broadcast.audience, 'the subscribers of topic news');

      const stream = (await auditEvents(api, `broadcast-${broadcastId}`)).map((e) => e.type);
      assert.deepEqual(stream, ['BroadcastRequested', 'BroadcastStarted', 'BroadcastPageDecided', 'BroadcastFinished']);
      const list = await api.get('/v1/broadcasts?topic=news&status=completed');
      assert.deepEqual(list.body.broadcasts.map((b: { broadcastId: string }) => b.broadcastId), [broadcastId]);
      assert.equal((await api.get('/v1/broadcasts?status=canceled')).body.broadcasts.length, 0);
    });

    it('membership as of acceptance: who joins after it is not included; a user list and all users reach whom they name', async (t) => {
      const { api } = await startApp(t, profile.env());
      await api.put('/v1/topics/late', { name: 'Late' });
      for (const id of ['u1', 'u2', 'u3']) await createUser(api, id, { email: `${id}@example.com` });
      await api.post('/v1/topics/late/subscribers', { userIds: ['u1'] });
      const res = await api.post('/v1/broadcasts', { audience: { topic: 'late' }, category: 'news', content: { subject: 'S', text: 'T' } });
      await api.post('/v1/topics/late/subscribers', { userIds: ['u2'] });
      const topic = await finished(api, res.body.broadcastId);
      assert.deepEqual([topic.audienceSize, topic.decided], [1, 1]);

      const users = await finished(api, (await api.post('/v1/broadcasts', { audience: { userIds: ['u2', 'u3', 'u2'] }, category: 'news', content: { subject: 'S2', text: 'T2' } })).body.broadcastId);
      assert.deepEqual([users.audienceSize, users.decided, users.deliveries.sent], [2, 2, 2]);
      const all = await finished(api, (await api.post('/v1/broadcasts', { audience: { all: true }, category: 'news', content: { subject: 'S3', text: 'T3' } })).body.broadcastId);
      assert.deepEqual([all.audienceSize, all.decided, all.deliveries.sent], [3, 3, 3]);
    });

    it('an in-app broadcast puts one item in each member\'s feed, users with no contact data too; the others see nothing', async (t) => {
      const { api } = await startApp(t, profile.env());
      await api.put('/v1/topics/release', { name: 'Release notes' });
      for (const id of ['ivy', 'jon', 'kim']) await createUser(api, id);
      await api.post('/v1/topics/release/subscribers', { userIds: ['ivy', 'jon'] });
      const res = await api.post('/v1/broadcasts', { audience: { topic: 'release' }, category: 'news', channels: ['inapp'], content: { title: 'New in 2.0', body: 'Dark mode is here' } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const view = await finished(api, res.body.broadcastId);
      assert.deepEqual([view.decided, view.accepted, view.deliveries.sent], [2, 2, 2]);
      const feedOf = async (userId: string) => {
        const token = (await api.post(`/v1/users/${userId}/inbox-token`)).body.token;
        return (await api.as(undefined).request('GET', '/v1/inbox', undefined, { headers: { authorization: `Bearer ${token}` } })).body;
      };
      for (const member of ['ivy', 'jon']) {
        const feed = await eventually(async () => ((await feedOf(member)).items?.length ? feedOf(member) : undefined), 5000, `${member}'s feed`);
        assert.deepEqual(feed.items.map((i: { title: string; category: string }) => [i.title, i.category]), [['New in 2.0', 'news']], member);
        assert.deepEqual(feed.counts, { unread: 1, unseen: 1 });
      }
      assert.deepEqual((await feedOf('kim')).items, []);
    });

    it('bad input is refused naming the field, and nothing is written: unknown topic, empty audience, 10,001 ids, two audiences, a template missing params', async (t) => {
      const { api } = await startApp(t, profile.env());
      await api.post('/v1/templates', { id: 'promo', defaultLocale: 'en', channels: { email: { en: { subject: 'Hi {{ name }}', text: 'Sale' } } } });
      const base = { category: 'news', content: { subject: 'S', text: 'T' } };
      const cases: [unknown, string][] = [
        [{ ...base, audience: { topic: 'nope' } }, 'audience.topic'],
        [{ ...base, audience: { userIds: [] } }, 'audience.userIds'],
        [{ ...base, audience: { userIds: Array.from({ length: 10_001 }, (_, i) => `u${i}`) } }, 'audience.userIds'],
        [{ ...base, audience: { userIds: ['ok', 'not ok'] } }, 'audience.userIds'],
        [{ ...base, audience: {} }, 'audience'],
        [{ ...base, audience: { all: true, userIds: ['a'] } }, 'audience'],
        [{ ...base, audience: { all: false } }, 'audience.all'],
        [{ ...base }, 'audience'],
        [{ audience: { all: true }, category: 'news', template: { id: 'promo', params: {} } }, 'template.params'],
        [{ audience: { all: true }, category: 'news', template: { id: 'missing' } }, 'template.id'],
        [{ ...base, audience: { all: true }, sendAt: '2030-01-01T09:00:00' }, 'sendAt'],
        [{ ...base, audience: { all: true }, sendAt: { localTime: '25:00' } }, 'sendAt.localTime'],
        [{ audience: { all: true }, category: 'news' }, 'content'],
      ];
      for (const [body, field] of cases) {
        const res = await api.post('/v1/broadcasts', body);
        assert.equal(res.status, 400, `${field}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.ok(res.body.errors.some((e: { field: string }) => e.field === field || e.field.startsWith(`${field}.`)), `${field}: ${JSON.stringify(res.body.errors)}`);
      }
      assert.equal((await api.get('/v1/broadcasts')).body.broadcasts.length, 0, 'no broadcast was written');
      assert.equal((await api.get('/v1/broadcasts/00000000-0000-4000-8000-000000000000')).status, 404);
      assert.equal((await api.delete('/v1/broadcasts/00000000-0000-4000-8000-000000000000')).status, 404);
      assert.equal((await api.get('/v1/broadcasts/not-a-uuid')).status, 400);
    });

    it('a scheduled broadcast canceled: the members’ unsent deliveries are canceled and nothing is sent', async (t) => {
      const { api } = await startApp(t, profile.env());
      const ids = Array.from({ length: 30 }, (_, i) => `s${i}`);
      for (const id of ids) await createUser(api, id, { email: `${id}@example.com` });
      const res = await api.post('/v1/broadcasts', { audience: { userIds: ids }, category: 'news', content: { subject: 'Later', text: 'Later' }, sendAt: new Date(Date.now() + 3_600_000).toISOString() });
      const id = res.body.broadcastId;
      await eventually(async () => ((await api.get(`/v1/broadcasts/${id}`)).body.deliveries.total === 30 ? true : undefined), 20_000, 'every member decided');
      const canceled = await api.delete(`/v1/broadcasts/${id}`);
      assert.equal(canceled.status, 200, JSON.stringify(canceled.body));
      const view = await finished(api, id);
      assert.equal(view.status, 'canceled');
      assert.deepEqual(view.deliveries, { total: 30, pending: 0, sent: 0, failed: 0, canceled: 30 });
      assert.deepEqual((await api.delete(`/v1/broadcasts/${id}`)).body, { broadcastId: id, status: 'canceled' });
    });

    it('a broadcast and one-to-one SMS at the same time share SMS_RATE_LIMIT: together they reach the provider no faster than the limit', async (t) => {
      const fakes = await startProviderFakes(t);
      const { api } = await startApp(t, { ...profile.env(), ...fakes.env, SMS_RATE_LIMIT: '10' });
      const members = Array.from({ length: 40 }, (_, i) => `m${i}`);
      const solos = Array.from({ length: 30 }, (_, i) => `solo${i}`);
      await mapLimited([...members, ...solos].map((id, i) => ({ id, phone: `+4477009001${String(i).padStart(2, '0')}` })), 8, (u) => createUser(api, u.id, { phone: u.phone }));
      await api.put('/v1/topics/alerts', { name: 'Alerts' });
      await api.post('/v1/topics/alerts/subscribers', { userIds: members });

      const res = await api.post('/v1/broadcasts', { audience: { topic: 'alerts' }, category: 'news', channels: ['sms'], content: { text: 'Storm warning' } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      for (const id of solos) assert.equal((await api.post('/v1/notifications', { userId: id, category: 'orders', channels: ['sms'], content: { text: `Your code for ${id}` } })).status, 202);
      const total = members.length + solos.length;
      await eventually(() => (fakes.vonage.requests.filter((r) => r.status === '0').length === total ? true : undefined), 60_000, `${total} SMS at the provider`);

      const at = fakes.vonage.requests.map((r) => r.at).sort((a, b) => a - b);
      const seconds = (at.at(-1)! - at[0]!) / 1000;
      // An upper bound on the rate, so a slow machine only makes it easier to meet: 10 a second
      // after a burst of one second's worth, and a second more for the HTTP hop's jitter. The
      // lane with a limit of its own beside the channel queue's sent these 70 about twice as fast.
      assert.ok(total <= 10 * seconds + 10 + 10, `${total} SMS reached the provider in ${seconds.toFixed(2)} s at SMS_RATE_LIMIT=10`);
      assert.equal(fakes.vonage.requests.filter((r) => r.text === 'Storm warning').length, members.length);
      assert.equal((await finished(api, res.body.broadcastId)).deliveries.sent, members.length);
    });

    it('scopes: broadcasts:read reads, only broadcasts:send sends and cancels', async (t) => {
      const { api } = await startApp(t, profile.env());
      const reader = (await api.post('/v1/clients', { name: 'reader', scopes: ['broadcasts:read'] })).body;
      const as = api.as({ appKey: reader.appKey, appSecret: reader.appSecret });
      assert.equal((await as.get('/v1/broadcasts')).status, 200);
      assert.equal((await as.post('/v1/broadcasts', { audience: { all: true }, category: 'news', content: { text: 'x' } })).status, 403);
      assert.equal((await as.delete('/v1/broadcasts/00000000-0000-4000-8000-000000000000')).status, 403);
    });
  });
}
