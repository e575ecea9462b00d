import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { READ_MODEL_DB, type ReadModelDb } from '../../src/modules/read-models/read-model-db.port.js';
import { apnsToken, createUser, startApp, type Api, type Credentials } from '../support/app.js';
import { ConsoleClient } from '../support/console.js';
import { freshSchema } from '../support/postgres.js';
import { queueProfiles } from '../support/profiles.js';
import { eventually } from '../support/temp.js';

/** Each channel's queue, and its broadcast lane beside it. */
const CHANNEL_QUEUES = ['apns', 'email', 'fcm', 'inapp', 'sms', 'webpush'];

const SOME_ID = '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e';

/** Every route of the console, as it is called; a test below checks the list against what Fastify serves. */
const CONSOLE_ROUTES: [string, string][] = [
  ['GET', '/console'],
  ['GET', '/console/api/session'],
  ['DELETE', '/console/api/session'],
  ['GET', '/console/api/notifications?userId=ada'],
  ['GET', `/console/api/notifications/${SOME_ID}`],
  ['POST', `/console/api/notifications/${SOME_ID}/cancel`],
  ['GET', '/console/api/users/ada'],
  ['GET', '/console/api/analytics/summary'],
  ['GET', '/console/api/analytics/funnel'],
  ['GET', '/console/api/operations'],
  ['GET', '/console/api/templates/welcome'],
  ['POST', '/console/api/templates/welcome/preview'],
];
/** Open to all: signing in itself, and the page's script and stylesheet (the same for everyone, no data in them). */
const OPEN_ROUTES = ['post /console/api/session', 'get /console/assets/{name}'];

async function client(api: Api, scopes: string[]): Promise<Credentials> {
  const created = await api.post('/v1/clients', { name: `console ${scopes.join(' ').replace(/:/g, '-')}`, scopes });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { appKey: created.body.appKey, appSecret: created.body.appSecret };
}

async function signedIn(t: TestContext, env: Record<string, string> = {}) {
  const routes: string[] = [];
  const running = await startApp(t, env, (app) =>
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) routes.push(`${method.toLowerCase()} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
      }),
  );
  const operator = await client(running.api, ['console']);
  const console = new ConsoleClient(running.baseUrl);
  assert.equal((await console.signIn(operator)).status, 200);
  return { ...running, operator, console, routes };
}

/** A user with contact data and a device, and a notification scheduled for an hour from now (so it can be canceled). */
async function scheduledNotification(api: Api): Promise<string> {
  await createUser(api, 'ada', { email: 'ada.lovelace@example.com', phone: '+447700900123', locale: 'en-GB' });
  assert.equal((await api.post('/v1/users/ada/devices', { platform: 'ios', token: apnsToken(7) })).status, 201);
  const sent = await api.post('/v1/notifications', {
    userId: 'ada',
    category: 'orders',
    idempotencyKey: 'order-7-shipped',
    sendAt: new Date(Date.now() + 3_600_000).toISOString(),
    content: { title: 'Shipped', body: 'Order 7 is on its way', subject: 'Order 7 shipped', text: 'Order 7 is on its way' },
  });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  return sent.body.notificationId;
}

describe('operator console over HTTP', () => {
  it('answers 401 on every console route without a session, with a made-up cookie, or with HTTP Basic alone', async (t) => {
    const { baseUrl, api, routes } = await signedIn(t);
    const served = [...new Set(routes.filter((r) => !r.startsWith('head ') && r.split(' ')[1]!.startsWith('/console')))].sort();
    const listed = [...CONSOLE_ROUTES.map(([m, p]) => `${m.toLowerCase()} ${p.split('?')[0]!.replace(SOME_ID, '{id}').replace('/ada', '/{userId}').replace('/welcome', '/{id}')}`), ...OPEN_ROUTES].sort();
    assert.deepEqual(served, listed, 'every console route is checked here');

    const anonymous = new ConsoleClient(baseUrl);
    const forged = new ConsoleClient(baseUrl);
    forged.cookie = `herald_console=${'A'.repeat(43)}`;
    const basic = { authorization: `Basic ${Buffer.from(`${api.credentials!.appKey}:${api.credentials!.appSecret}`).toString('base64')}` };
    for (const [method, path] of CONSOLE_ROUTES) {
      for (const [who, c, headers] of [['no cookie', anonymous, {}], ['a forged cookie', forged, {}], ['HTTP Basic', anonymous, basic]] as const) {
        const res = await c.request(method, path, method === 'POST' ? {} : undefined, headers);
        assert.equal(res.status, 401, `${method} ${path} with ${who}`);
        if (path.startsWith('/console/api')) assert.equal(res.body.statusCode, 401);
      }
    }
    const page = await anonymous.request('GET', '/console');
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal((await anonymous.request('GET', '/console/assets/console.js')).status, 200);
    assert.equal((await anonymous.request('GET', '/console/assets/secrets.txt')).status, 404);
  });

  it('signs in a console or admin client with an HttpOnly, SameSite=Strict cookie (Secure behind https), storing only a digest; 401 for a wrong secret, 403 without the scope', async (t) => {
    const { app, baseUrl, api, operator, console } = await signedIn(t);
    const fresh = new ConsoleClient(baseUrl);
    const res = await fresh.signIn(operator);
    assert.equal(res.status, 200);
    assert.deepEqual({ appKey: res.body.appKey, scopes: res.body.scopes }, { appKey: operator.appKey, scopes: ['console'] });
    const cookie = res.headers.get('set-cookie')!;
    assert.match(cookie, /^herald_console=[A-Za-z0-9_-]{43}; Path=\/console; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    assert.doesNotMatch(JSON.stringify(res.body), new RegExp(operator.appSecret), 'the secret is not echoed');

    const proxied = await new ConsoleClient(baseUrl).signIn(operator, { 'x-forwarded-proto': 'https' });
    assert.match(proxied.headers.get('set-cookie')!, /; HttpOnly; SameSite=Strict; Secure$/);

    const id = fresh.cookie!.split('=')[1]!;
    const rows = await app.get<ReadModelDb>(READ_MODEL_DB).query<{ id_hash: string; app_key: string }>('SELECT id_hash, app_key FROM console_sessions');
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => r.id_hash !== id && /^[0-9a-f]{64}$/.test(r.id_hash) && r.app_key === operator.appKey), 'only digests are stored');

    assert.equal((await new ConsoleClient(baseUrl).signIn({ appKey: operator.appKey, appSecret: 'wrong' })).status, 401);
    const sender = await client(api, ['notifications:send', 'audit:read', 'analytics:read']);
    const refused = await new ConsoleClient(baseUrl).signIn(sender);
    assert.equal(refused.status, 403);
    assert.match(refused.body.message, /console \(or admin\) scope/);
    assert.equal(refused.headers.get('set-cookie'), null);
    assert.equal((await new ConsoleClient(baseUrl).signIn(api.credentials!)).status, 200, 'admin holds every scope');
    const bad = await new ConsoleClient(baseUrl).signIn({ appKey: '', appSecret: 42 } as unknown as Credentials);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['appKey', 'appSecret']);
    assert.equal((await console.request('GET', '/console')).status, 200, 'the page, signed in');
  });

  it('refuses a forged cross-site POST (Origin or Sec-Fetch-Site of another site): nothing canceled, no one signed in or out', async (t) => {
    const { api, baseUrl, operator, console } = await signedIn(t);
    const id = await scheduledNotification(api);
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }] as Record<string, string>[]) {
      const res = await console.post(`notifications/${id}/cancel`, {}, headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.match(res.body.message, /another site/);
      assert.equal((await console.request('DELETE', '/console/api/session', undefined, headers)).status, 403);
      assert.equal((await new ConsoleClient(baseUrl).signIn(operator, headers)).status, 403, 'no login CSRF either');
    }
    assert.equal((await api.get(`/v1/notifications/${id}`)).body.status, 'accepted', 'nothing canceled');
    assert.equal((await console.get('session')).status, 200, 'still signed in');

    const canceled = await console.post(`notifications/${id}/cancel`);
    assert.equal(canceled.status, 200, JSON.stringify(canceled.body));
    assert.equal(canceled.body.canceled.length, 3);
    const events = (await api.get(`/v1/notifications/${id}/timeline`)).body.events as { type: string; metadata: { appKey: string } }[];
    assert.deepEqual(events.filter((e) => e.type === 'NotificationCanceled').map((e) => e.metadata.appKey), [operator.appKey], 'the same command, in the name of the signed-in client');
    assert.equal((await console.post(`notifications/${id}/cancel`)).status, 409, 'nothing left to cancel, as the API says');
  });

  it('finds by id, user and idempotency key from the same read models as the API, and masks contact data and tokens in every answer', async (t) => {
    const { api, console } = await signedIn(t);
    const id = await scheduledNotification(api);
    const secrets = ['ada.lovelace@example.com', '+447700900123', apnsToken(7)];
    const unmasked = (body: unknown) => secrets.filter((s) => JSON.stringify(body).includes(s));

    const story = await console.get(`notifications/${id}`);
    assert.equal(story.status, 200);
    assert.deepEqual(unmasked(story.body), []);
    const fromApi = (await api.get(`/v1/notifications/${id}`)).body;
    assert.deepEqual(story.body.notification, fromApi, 'the status is GET /v1/notifications/:id');
    assert.deepEqual(story.body.explanation.channels.map((c: { channel: string }) => c.channel).sort(), ['email', 'push', 'sms']);
    assert.deepEqual(story.body.timeline.map((e: { type: string }) => e.type), ['NotificationRequested']);
    const email = story.body.explanation.channels.find((c: { channel: string }) => c.channel === 'email');
    assert.equal(email.deliveries[0].target.email, 'a…@example.com');

    const user = await console.get('users/ada');
    assert.equal(user.status, 200);
    assert.deepEqual(unmasked(user.body), []);
    assert.deepEqual({ email: user.body.user.email, phone: user.body.user.phone }, { email: 'a…@example.com', phone: '+44…23' });
    assert.equal(user.body.user.devices[0].token, (await api.get('/v1/users/ada')).body.devices[0].token, 'tokens masked as the API masks them');
    assert.deepEqual(user.body.notifications.map((n: { notificationId: string }) => n.notificationId), [id]);

    const byKey = await console.get('notifications?idempotencyKey=order-7-shipped');
    assert.deepEqual(byKey.body.map((n: { notificationId: string; status: string }) => [n.notificationId, n.status]), [[id, 'accepted']]);
    assert.deepEqual((await console.get('notifications?userId=nobody')).body, []);
    const neither = await console.get('notifications');
    assert.equal(neither.status, 400);
    assert.equal(neither.body.errors[0].field, 'userId');
    assert.equal((await console.get(`notifications/${SOME_ID}`)).status, 404);
    assert.equal((await console.get('notifications/not-a-uuid')).status, 400);
    assert.equal((await console.get('users/nobody')).status, 404);
  });

  it('answers analytics with the API’s queries and filters, operations, and templates with versions and a preview', async (t) => {
    const { api, console } = await signedIn(t);
    await scheduledNotification(api);
    const day = new Date().toISOString().slice(0, 10);
    const q = `from=${day}&to=${day}&groupBy=channel`;
    const fromApi = await eventually(async () => {
      const r = (await api.get(`/v1/analytics/summary?${q}`)).body;
      return r.groups.length === 3 ? r : undefined;
    });
    assert.deepEqual((await console.get(`analytics/summary?${q}`)).body, fromApi);
    assert.deepEqual((await console.get(`analytics/funnel?from=${day}&to=${day}`)).body, (await api.get(`/v1/analytics/funnel?from=${day}&to=${day}`)).body);
    const bad = await console.get('analytics/summary?from=yesterday&groupBy=week');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['from', 'groupBy']);

    const ops = await console.get('operations');
    assert.equal(ops.status, 200);
    assert.deepEqual(ops.body.queues.map((x: { queue: string }) => x.queue).sort(), [...CHANNEL_QUEUES, ...CHANNEL_QUEUES.map((q) => `${q}-broadcast`), 'digests', 'webhooks'].sort());
    const delayed = ops.body.queues.reduce((n: number, x: { delayed: number }) => n + x.delayed, 0);
    assert.equal(delayed, 3, 'the scheduled deliveries wait as delayed jobs');
    const status = ops.body.projections.find((p: { projection: string }) => p.projection === 'notification_status');
    assert.equal(status.runsHere, true);
    assert.ok(status.lag >= 0);

    // The latest broadcasts with their progress, as GET /v1/broadcasts lists them.
    const sent = await api.post('/v1/broadcasts', { audience: { userIds: ['ada'] }, category: 'news', content: { subject: 'S', text: 'T' } });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const listed = await eventually(async () => {
      const r = (await api.get('/v1/broadcasts')).body;
      return r.broadcasts[0]?.status === 'completed' ? r.broadcasts : undefined;
    });
    assert.deepEqual(listed.map((b: { broadcastId: string; decided: number }) => [b.broadcastId, b.decided]), [[sent.body.broadcastId, 1]]);
    assert.deepEqual((await console.get('operations')).body.broadcasts, listed);

    assert.equal((await api.post('/v1/templates', { id: 'welcome', defaultLocale: 'en', channels: { email: { en: { subject: 'Hi {{ name }}', text: 'Welcome, {{ name }}' }, fr: { subject: 'Salut {{ name }}', text: 'Bienvenue' } } } })).status, 201);
    const template = await console.get('templates/welcome');
    assert.deepEqual(template.body.versions.map((v: { version: number; variables: string[] }) => [v.version, v.variables]), [[1, ['name']]]);
    const preview = await console.post('templates/welcome/preview', { params: { name: 'Ada' }, locale: 'fr-CA', channel: 'email' });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.deepEqual(preview.body, (await api.post('/v1/templates/welcome/preview', { params: { name: 'Ada' }, locale: 'fr-CA', channel: 'email' })).body);
    assert.equal((await console.post('templates/welcome/preview', { params: {} })).body.errors[0].field, 'params');
    assert.equal((await console.get('templates/nothing')).status, 404);
  });

  it('signs out for good, and a session ends after CONSOLE_SESSION_TTL', async (t) => {
    const { baseUrl, operator, console } = await signedIn(t, { CONSOLE_SESSION_TTL: '1s' });
    const cookie = console.cookie;
    const out = await console.request('DELETE', '/console/api/session');
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie')!, /^herald_console=; Path=\/console; Max-Age=0; HttpOnly; SameSite=Strict$/);
    const replay = new ConsoleClient(baseUrl);
    replay.cookie = cookie;
    assert.equal((await replay.get('session')).status, 401, 'the old cookie signs no one in');

    const later = new ConsoleClient(baseUrl);
    assert.equal((await later.signIn(operator)).status, 200);
    assert.equal((await later.get('operations')).status, 200);
    await eventually(async () => ((await later.get('operations')).status === 401 ? true : undefined), 5000, 'the session to expire');
  });
});

/** The other profiles: sessions in PostgreSQL read models, queue depths from BullMQ. */
const profiles: { name: string; env: (t: TestContext) => Record<string, string> }[] = [
  ...queueProfiles().filter((p) => p.name !== 'embedded').map((p) => ({ name: `${p.name} queues`, env: () => p.env() })),
  ...(process.env.DATABASE_URL ? [{ name: 'PostgreSQL read models', env: (t: TestContext) => ({ DATABASE_URL: process.env.DATABASE_URL!, DATABASE_SCHEMA: freshSchema(t, 'console') }) }] : []),
];
if (!process.env.DATABASE_URL) console.log('# SKIPPED: the console on PostgreSQL read models (DATABASE_URL is not set; npm test starts PostgreSQL)');

for (const profile of profiles) {
  describe(`operator console on ${profile.name}`, () => {
    it('signs in, sees scheduled deliveries wait on their queues and leave them on cancel, signs out for good', async (t) => {
      const { api, app, baseUrl, console, close } = await signedIn(t, profile.env(t));
      const delayed = async () => ((await console.get('operations')).body.queues as { delayed: number }[]).reduce((n, q) => n + q.delayed, 0);
      assert.equal(await delayed(), 0);
      const id = await scheduledNotification(api);
      await eventually(async () => ((await delayed()) === 3 ? true : undefined), 10_000, 'three delayed jobs');
      assert.equal((await console.post(`notifications/${id}/cancel`)).status, 200);
      await eventually(async () => ((await delayed()) === 0 ? true : undefined), 10_000, 'the canceled jobs to leave their queues');
      const cookie = console.cookie;
      assert.equal((await console.request('DELETE', '/console/api/session')).status, 204);
      const replay = new ConsoleClient(baseUrl);
      replay.cookie = cookie;
      assert.equal((await replay.get('operations')).status, 401);
      assert.deepEqual(await app.get<ReadModelDb>(READ_MODEL_DB).query('SELECT id_hash FROM console_sessions'), []);
      await close(); // before the schema is dropped
    });
  });
}
