import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser, startApp, type Api } from '../support/app.js';
import { queueProfiles } from '../support/profiles.js';
import { openSse } from '../support/sse.js';
import { eventually } from '../support/temp.js';

const subscriber = (token: string) => ({ authorization: `Bearer ${token}` });

async function mint(api: Api, userId: string, body?: unknown): Promise<string> {
  const res = await api.post(`/v1/users/${userId}/inbox-token`, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.token;
}

async function send(api: Api, userId: string, content: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await api.post('/v1/notifications', { userId, category: 'orders', channels: ['inapp'], content, ...extra });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.notificationId;
}

const feedOf = (api: Api, token: string, query = '') => api.as(undefined).request('GET', `/v1/inbox${query}`, undefined, { headers: subscriber(token) });
const markItem = (api: Api, token: string, id: string, mark: string) => api.as(undefined).request('POST', `/v1/inbox/items/${id}/${mark}`, undefined, { headers: subscriber(token) });

for (const profile of queueProfiles()) {
  describe(`in-app feed over HTTP (${profile.name})`, () => {
    it('a sent inapp notification is in the feed and on the live stream; read is its open (analytics, /explain); read-all; archive', { timeout: 60_000 }, async (t) => {
      const { api, baseUrl } = await startApp(t, profile.env());
      await createUser(api, 'ada', { locale: 'en-GB' });
      const token = await mint(api, 'ada');
      const empty = await feedOf(api, token);
      assert.equal(empty.status, 200);
      assert.deepEqual({ ...empty.body, lastEventId: undefined }, { items: [], counts: { unread: 0, unseen: 0 }, next: null, lastEventId: undefined });
      const stream = await openSse(t, `${baseUrl}/v1/inbox/stream?token=${token}&lastEventId=${empty.body.lastEventId}`);
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get('content-type')!, /^text\/event-stream/);
      await stream.next((e) => e.event === 'counts', 5000, 'the first counts');

      const sentAt = Date.now();
      const id = await send(api, 'ada', { title: 'Shipped', body: 'Order 1001 is on its way', actionUrl: 'https://shop.example.com/orders/1001', data: { order: '1001' } });
      const live = await stream.next((e) => e.event === 'item' && JSON.parse(e.data).notificationId === id, 5000, 'the item on the stream');
      assert.ok(Date.now() - sentAt < 2000, `live within a second or so (${Date.now() - sentAt} ms)`);
      const item = JSON.parse(live.data);
      assert.deepEqual({ ...item, createdAt: undefined }, {
        id: `${id}.1`, notificationId: id, category: 'orders', title: 'Shipped', body: 'Order 1001 is on its way', actionUrl: 'https://shop.example.com/orders/1001', data: { order: '1001' },
        state: 'unseen', createdAt: undefined, seenAt: null, readAt: null, archivedAt: null,
      });
      await stream.next((e) => e.event === 'counts' && e.id === live.id && JSON.parse(e.data).unread === 1, 5000, 'counts after the item');
      // The status read model commits less often than the feed's: it follows a moment later.
      const view = await eventually(async () => {
        const body = (await api.get(`/v1/notifications/${id}`)).body;
        return body.deliveries?.[0]?.status === 'sent' ? body : undefined;
      }, 5000, 'the delivery sent');
      assert.equal(view.deliveries[0].channel, 'inapp');

      const feed = await feedOf(api, token);
      assert.deepEqual(feed.body.items.map((i: { id: string }) => i.id), [`${id}.1`]);
      assert.deepEqual(feed.body.counts, { unread: 1, unseen: 1 });

      assert.deepEqual((await markItem(api, token, `${id}.1`, 'seen')).body, { id: `${id}.1`, state: 'seen', recorded: ['InboxItemSeen'] });
      assert.deepEqual((await markItem(api, token, `${id}.1`, 'read')).body, { id: `${id}.1`, state: 'read', recorded: ['InboxItemRead', 'NotificationOpened'] });
      assert.deepEqual((await markItem(api, token, `${id}.1`, 'read')).body.recorded, [], 'a repeat records nothing');
      const changed = await stream.next((e) => e.event === 'item' && JSON.parse(e.data).state === 'read', 5000, 'the read on the stream');
      await stream.next((e) => e.event === 'counts' && e.id === changed.id && JSON.parse(e.data).unread === 0, 5000, 'counts after the read');

      const explained = (await api.get(`/v1/notifications/${id}/explain`)).body;
      const delivery = explained.channels[0].deliveries[0];
      assert.equal(delivery.engagement.opened.source, 'inbox');
      assert.equal(delivery.inbox.state, 'read');
      assert.ok(delivery.inbox.addedAt && delivery.inbox.seenAt && delivery.inbox.readAt);
      const day = new Date().toISOString().slice(0, 10);
      await eventually(async () => {
        const summary = (await api.get(`/v1/analytics/summary?from=${day}&to=${day}&groupBy=channel`)).body;
        const row = summary.groups?.find((r: { channel: string }) => r.channel === 'inapp');
        return row && row.sent === 1 && row.opened === 1 ? row : undefined;
      }, 10_000, 'the read counted as an open in analytics');

      // Two more, then read-all; then archive one: it leaves the feed.
      const more = [await send(api, 'ada', { title: 'Two' }), await send(api, 'ada', { title: 'Three' })];
      await eventually(async () => ((await feedOf(api, token)).body.counts.unread === 2 ? true : undefined), 10_000, 'two unread');
      assert.deepEqual((await api.as(undefined).request('POST', '/v1/inbox/read-all', undefined, { headers: subscriber(token) })).body, { read: 2, more: false });
      await eventually(async () => ((await feedOf(api, token)).body.counts.unread === 0 ? true : undefined), 10_000, 'none unread');
      assert.equal((await markItem(api, token, `${more[0]}.1`, 'archive')).body.state, 'archived');
      await eventually(async () => ((await feedOf(api, token)).body.items.length === 2 ? true : undefined), 10_000, 'the archived item out of the feed');
      assert.deepEqual((await feedOf(api, token, '?state=archived')).body.items.map((i: { id: string }) => i.id), [`${more[0]}.1`]);
      const paged = await feedOf(api, token, '?state=all&limit=2');
      assert.equal(paged.body.items.length, 2);
      const rest = await feedOf(api, token, `?state=all&limit=2&cursor=${paged.body.next}`);
      assert.deepEqual(rest.body.items.map((i: { id: string }) => i.id), [`${id}.1`]);
      assert.equal(rest.body.next, null);
    });

    it('a stream resumed with Last-Event-ID gets every change it missed, none twice', { timeout: 60_000 }, async (t) => {
      const { api, baseUrl } = await startApp(t, profile.env());
      await createUser(api, 'bo', {});
      const token = await mint(api, 'bo');
      const first = await openSse(t, `${baseUrl}/v1/inbox/stream`, subscriber(token));
      await first.next((e) => e.event === 'counts');
      const a = await send(api, 'bo', { title: 'A' });
      const seenA = await first.next((e) => e.event === 'item' && JSON.parse(e.data).notificationId === a);
      first.close();
      // While disconnected: another item, and a read of the first.
      const b = await send(api, 'bo', { title: 'B' });
      await eventually(async () => ((await feedOf(api, token)).body.items.length === 2 ? true : undefined), 10_000, 'B in the feed');
      await markItem(api, token, `${a}.1`, 'read');
      await eventually(async () => ((await feedOf(api, token)).body.counts.unread === 1 ? true : undefined), 10_000, 'A read');
      const resumed = await openSse(t, `${baseUrl}/v1/inbox/stream`, { ...subscriber(token), 'last-event-id': seenA.id! });
      const counts = await resumed.next((e) => e.event === 'counts');
      const items = resumed.events.filter((e) => e.event === 'item').map((e) => JSON.parse(e.data));
      assert.deepEqual(items.map((i) => [i.notificationId, i.state]), [[b, 'unseen'], [a, 'read']]);
      assert.deepEqual(JSON.parse(counts.data), { unread: 1, unseen: 1 });
    });
  });
}

describe('in-app feed: tokens, other users, bad input', () => {
  it("a token reads only its own user's feed: another user's item is not found, a forged, expired or missing token is 401 with no data", { timeout: 60_000 }, async (t) => {
    const { api, baseUrl } = await startApp(t, { INBOX_TOKEN_TTL: '2s', INBOX_TOKEN_MAX_TTL: '1h' });
    await createUser(api, 'ada', {});
    await createUser(api, 'eve', {});
    const ada = await mint(api, 'ada', { ttlSeconds: 600 });
    const eve = await mint(api, 'eve', { ttlSeconds: 600 });
    const id = await send(api, 'ada', { title: 'Private', body: 'for Ada only' });
    await eventually(async () => ((await feedOf(api, ada)).body.items.length === 1 ? true : undefined), 10_000, 'the item in Ada’s feed');

    const eveFeed = await feedOf(api, eve);
    assert.deepEqual(eveFeed.body.items, [], 'Eve sees none of Ada’s items');
    for (const mark of ['seen', 'read', 'archive']) {
      const res = await markItem(api, eve, `${id}.1`, mark);
      assert.equal(res.status, 404, mark);
      assert.doesNotMatch(JSON.stringify(res.body), /Private|for Ada/);
    }
    assert.equal((await feedOf(api, ada)).body.items[0].state, 'unseen', 'Eve’s marks changed nothing');
    const eveStream = await openSse(t, `${baseUrl}/v1/inbox/stream?token=${eve}&lastEventId=0`);
    await eveStream.next((e) => e.event === 'counts');
    assert.deepEqual(eveStream.events.filter((e) => e.event === 'item'), [], 'Eve’s stream from the start holds none of Ada’s items');

    // A token whose payload names Ada but signed for Eve, a token of another kind, an expired one, none.
    const [kid, , signature] = eve.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ k: 'i', u: 'ada', e: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    const preferences = new URL((await api.post('/v1/users/ada/preference-link')).body.url).pathname.slice(3);
    const expired = await mint(api, 'ada');
    await eventually(async () => ((await feedOf(api, expired)).status === 401 ? true : undefined), 10_000, 'the 2 s token to expire');
    for (const [name, token] of [['forged', `${kid}.${forgedPayload}.${signature}`], ['preference-page token', preferences], ['expired', expired], ['garbage', 'not-a-token']] as const) {
      const res = await feedOf(api, token);
      assert.equal(res.status, 401, name);
      assert.match(res.headers.get('www-authenticate')!, /^Bearer /, name);
      assert.doesNotMatch(JSON.stringify(res.body), /Private|items/, name);
      assert.equal((await api.as(undefined).request('GET', `/v1/inbox/stream?token=${encodeURIComponent(token)}`)).status, 401, `${name} stream`);
      assert.equal((await markItem(api, token, `${id}.1`, 'read')).status, 401, `${name} mark`);
    }
    const none = await api.as(undefined).get('/v1/inbox');
    assert.equal(none.status, 401);
    // The appKey does not open a feed: a browser never holds it.
    assert.equal((await api.get('/v1/inbox')).status, 401);
    // Minting needs the scope, and a user.
    assert.equal((await api.post('/v1/users/nobody/inbox-token')).status, 404);
    const sender = (await api.post('/v1/clients', { name: 'sender', scopes: ['notifications:send'] })).body;
    assert.equal((await api.as(sender).post('/v1/users/ada/inbox-token')).status, 403);
    const tooLong = await api.post('/v1/users/ada/inbox-token', { ttlSeconds: 7200 });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.errors[0].field, 'ttlSeconds');
  });

  it('bad input is a 400 naming the field, and nothing is written', async (t) => {
    const { api } = await startApp(t);
    await createUser(api, 'ada', {});
    const token = await mint(api, 'ada');
    const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'x'.repeat(300)]));
    const oversized = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['inapp'], content: { title: 'Big', data: big } });
    assert.equal(oversized.status, 400);
    assert.deepEqual(oversized.body.errors.map((e: { field: string }) => e.field), ['content.data']);
    const script = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['inapp'], content: { title: 'X', actionUrl: 'javascript:alert(1)' } });
    assert.equal(script.status, 400);
    assert.deepEqual(script.body.errors.map((e: { field: string }) => e.field), ['content.actionUrl']);
    const template = await api.post('/v1/templates', { id: 'big', defaultLocale: 'en', channels: { inapp: { en: { title: 'T', data: big } } } });
    assert.equal(template.status, 400);
    assert.deepEqual(template.body.errors.map((e: { field: string }) => e.field), ['channels.inapp.en.data']);
    for (const [query, field] of [['?state=nope', 'state'], ['?limit=0', 'limit'], ['?limit=1000', 'limit'], ['?cursor=abc', 'cursor'], ['?category=%20x', 'category']]) {
      const res = await feedOf(api, token, query);
      assert.equal(res.status, 400, query);
      assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field), [field], query);
    }
    const badId = await markItem(api, token, 'not-an-item', 'read');
    assert.equal(badId.status, 400);
    assert.equal(badId.body.errors[0].field, 'id');
    assert.equal((await markItem(api, token, '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e.1', 'read')).status, 404);
    assert.equal((await api.as(undefined).request('GET', `/v1/inbox/stream?token=${token}&lastEventId=x`)).status, 400);
    assert.deepEqual((await feedOf(api, token)).body.items, []);
  });

  it('CORS: the configured origins may call the subscriber API from a browser, others get no CORS headers; the appKey routes never send any', async (t) => {
    const { api, baseUrl } = await startApp(t, { INBOX_CORS_ORIGINS: 'https://app.example.com' });
    const preflight = (origin: string, path = '/v1/inbox') =>
      fetch(`${baseUrl}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const allowed = await preflight('https://app.example.com');
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(allowed.headers.get('access-control-allow-headers')!, /authorization/);
    assert.equal((await preflight('https://evil.example.com')).headers.get('access-control-allow-origin'), null);
    assert.equal((await preflight('https://app.example.com', '/v1/users/ada/inbox-token')).headers.get('access-control-allow-origin'), null);
    const get = await fetch(`${baseUrl}/v1/inbox`, { headers: { origin: 'https://app.example.com' } });
    assert.equal(get.status, 401);
    assert.equal(get.headers.get('access-control-allow-origin'), 'https://app.example.com', 'a 401 is readable by the page too');
    const component = await fetch(`${baseUrl}/inbox/herald-inbox.js`);
    assert.equal(component.status, 200);
    assert.match(component.headers.get('content-type')!, /^text\/javascript/);
    assert.equal(component.headers.get('access-control-allow-origin'), '*');
    assert.match(await component.text(), /customElements\.define\('herald-inbox'/);
    assert.equal((await fetch(`${baseUrl}/inbox/herald-inbox.js`, { headers: { 'if-none-match': component.headers.get('etag')! } })).status, 304);
    assert.equal((await api.get('/v1/users/ada')).headers.get('access-control-allow-origin'), null);
  });

  it('CORS per client: a page may use the tokens of the client that lists its origin, not another client\'s; preflights pass for any client\'s origin', { timeout: 60_000 }, async (t) => {
    const { api, baseUrl } = await startApp(t);
    await createUser(api, 'ada');
    const clientWith = async (name: string) => {
      const created = await api.post('/v1/clients', { name, scopes: ['inbox:token'] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return api.as({ appKey: created.body.appKey, appSecret: created.body.appSecret });
    };
    const shop = await clientWith('shop-web');
    const blog = await clientWith('blog-web');
    const shopKey = shop.credentials!.appKey;

    assert.deepEqual((await shop.get(`/v1/clients/${shopKey}/inbox-origins`)).body, { appKey: shopKey, origins: [], updatedAt: null });
    const set = await shop.put(`/v1/clients/${shopKey}/inbox-origins`, { origins: ['https://shop.example.com', 'http://localhost:3000'] });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.origins, ['https://shop.example.com', 'http://localhost:3000']);
    assert.equal((await blog.put(`/v1/clients/${blog.credentials!.appKey}/inbox-origins`, { origins: ['https://blog.example.com'] })).status, 200);
    assert.deepEqual((await shop.get(`/v1/clients/${shopKey}/inbox-origins`)).body.origins, ['https://shop.example.com', 'http://localhost:3000']);
    assert.equal((await blog.put(`/v1/clients/${shopKey}/inbox-origins`, { origins: [] })).status, 403, 'a client manages its own origins only');

    for (const [body, message] of [[{ origins: ['https://shop.example.com/app'] }, /https:\/\/shop\.example\.com\/app/], [{ origins: 'https://x.example' }, /array/], [{}, /array/], [{ origins: [7] }, /string/]] as const) {
      const bad = await shop.put(`/v1/clients/${shopKey}/inbox-origins`, body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field), ['origins'], JSON.stringify(bad.body));
      assert.match(JSON.stringify(bad.body.errors[0].messages), message);
    }
    assert.deepEqual((await shop.get(`/v1/clients/${shopKey}/inbox-origins`)).body.origins, ['https://shop.example.com', 'http://localhost:3000'], 'a refused change wrote nothing');

    const preflight = (origin: string) => fetch(`${baseUrl}/v1/inbox`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    for (const origin of ['https://shop.example.com', 'https://blog.example.com']) {
      const answer = await preflight(origin);
      assert.equal(answer.status, 204, origin);
      assert.equal(answer.headers.get('access-control-allow-origin'), origin);
    }
    assert.equal((await preflight('https://evil.example.com')).headers.get('access-control-allow-origin'), null);

    const shopToken = (await shop.post('/v1/users/ada/inbox-token')).body.token;
    const fromPage = (origin: string | undefined, token = shopToken) =>
      fetch(`${baseUrl}/v1/inbox`, { headers: { ...subscriber(token), ...(origin ? { origin, 'sec-fetch-site': 'cross-site' } : {}) } });
    const own = await fromPage('https://shop.example.com');
    assert.equal(own.status, 200);
    assert.equal(own.headers.get('access-control-allow-origin'), 'https://shop.example.com');
    assert.equal((await fromPage('http://localhost:3000')).status, 200);
    const other = await fromPage('https://blog.example.com');
    assert.equal(other.status, 403, 'the blog\'s pages cannot use the shop\'s tokens');
    assert.match(((await other.json()) as { message: string }).message, /https:\/\/blog\.example\.com/);
    assert.equal((await fromPage('https://evil.example.com')).status, 403);
    const stream = await fetch(`${baseUrl}/v1/inbox/stream?token=${shopToken}`, { headers: { origin: 'https://blog.example.com', 'sec-fetch-site': 'cross-site' } });
    assert.equal(stream.status, 403, 'the live stream too');
    assert.equal((await fromPage(undefined)).status, 200, 'a server, which sends no Origin, is not a page');
    assert.equal((await fetch(`${baseUrl}/v1/inbox`, { headers: { ...subscriber(shopToken), origin: baseUrl, 'sec-fetch-site': 'same-origin' } })).status, 200, 'Herald\'s own pages');

    assert.equal((await shop.put(`/v1/clients/${shopKey}/inbox-origins`, { origins: [] })).status, 200);
    assert.equal((await fromPage('https://shop.example.com')).status, 403, 'removed origins take effect at once in the process that took the change');
  });
});
