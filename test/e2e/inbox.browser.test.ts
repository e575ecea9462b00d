import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { Api } from '../support/app.js';
import { expectNoSeriousA11yViolations, launchBrowser, screenshot } from '../support/browser.js';
import { freePort, spawnHerald } from '../support/process.js';
import { freshSchema } from '../support/postgres.js';
import { eventually, tempDir } from '../support/temp.js';

/**
 * The customer's page, on an origin of its own: it loads the component from Herald and gives it
 * the token its backend minted. The page is served once the token is known; its origin is known at once.
 */
async function customerPage(t: TestContext, heraldUrl: string): Promise<{ url: string; serveWith(token: string): void }> {
  let token = '';
  const html = () => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script type="module" src="${heraldUrl}/inbox/herald-inbox.js"></script></head>
<body><header><h1>Shop</h1><herald-inbox base-url="${heraldUrl}" token="${token}"></herald-inbox></header><main><p>Welcome back.</p></main>
<script>document.addEventListener('herald-inbox-error', (e) => console.log('herald-inbox-error: ' + e.detail.message));</script></body></html>`;
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, serveWith: (minted) => (token = minted) };
}

async function herald(t: TestContext, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  await spawnHerald(t, { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => ((await new Api(url).get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000, `herald on ${port}`);
  return url;
}

const profiles: { name: string; env: (t: TestContext) => Record<string, string> }[] = [{ name: 'embedded', env: (t) => ({ DATA_DIR: tempDir(t) }) }];
if (process.env.DATABASE_URL && process.env.REDIS_URL) {
  profiles.push({
    name: 'PostgreSQL and Redis',
    env: (t) => ({
      DATA_DIR: tempDir(t), EVENT_STORE: 'postgres', DATABASE_URL: process.env.DATABASE_URL!, DATABASE_SCHEMA: freshSchema(t, 'inbox'),
      QUEUE: 'bullmq', REDIS_URL: process.env.REDIS_URL!, REDIS_PREFIX: `inbox-${Math.random().toString(36).slice(2)}`,
    }),
  });
} else {
  console.log('# SKIPPED: the inbox browser test on PostgreSQL and Redis (DATABASE_URL and REDIS_URL unset; npm test starts both)');
}

for (const profile of profiles) describe(`the <herald-inbox> component in a browser, across two API processes (${profile.name})`, () => {
  it('a notification sent over REST to one process appears live in the page streaming from the other; mark read updates the badge', { timeout: 120_000 }, async (t) => {
    const env = profile.env(t);
    const sender = await herald(t, env);
    // The second process only answers the API: the stream there sees what the first one's worker and projector wrote.
    // With the embedded profile both share DATA_DIR; otherwise the database and Redis.
    const streamer = await herald(t, { ...env, HERALD_ROLES: 'api' });
    const admin = JSON.parse(readFileSync(join(env.DATA_DIR!, 'admin-credentials.json'), 'utf8'));
    const api = new Api(sender, admin);
    // The shop's backend is an API client of its own, which lists its page's origin for CORS.
    const shopPage = await customerPage(t, streamer);
    const created = await api.post('/v1/clients', { name: 'shop-web', scopes: ['inbox:token'] });
    const shop = api.as({ appKey: created.body.appKey, appSecret: created.body.appSecret });
    assert.equal((await shop.put(`/v1/clients/${created.body.appKey}/inbox-origins`, { origins: [shopPage.url] })).status, 200);
    assert.equal((await api.put('/v1/users/ada', { locale: 'en-GB' })).status, 201);
    const token = (await shop.post('/v1/users/ada/inbox-token')).body.token;
    shopPage.serveWith(token);
    const pageUrl = shopPage.url;

    const session = await launchBrowser(t);
    const browserPage = await session.newPage();
    const slug = profile.name === 'embedded' ? 'embedded' : 'postgres';
    browserPage.on('console', (message) => message.text().startsWith('herald-inbox-error') && console.log(`# page: ${message.text()}`));
    const streams: string[] = [];
    browserPage.on('request', (r) => r.url().includes('/v1/inbox/stream') && streams.push(r.url()));
    await browserPage.goto(pageUrl);
    const bell = browserPage.getByRole('button', { name: /^Notifications/ });
    await bell.waitFor();
    await eventually(() => (streams.length > 0 ? true : undefined), 10_000, 'the stream to open');
    assert.ok(streams.every((u) => u.startsWith(streamer)), 'the page streams from the second process');
    assert.equal(await bell.getAttribute('aria-label'), 'Notifications');
    await screenshot(browserPage, `inbox-empty-${slug}`);

    const sentAt = Date.now();
    const sent = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['inapp'], content: { title: 'Order shipped', body: 'Order 1001 is on its way', actionUrl: 'https://shop.example.com/orders/1001' } });
    assert.equal(sent.status, 202);
    await browserPage.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 5000 });
    const latency = Date.now() - sentAt;
    console.log(`# sent on one process, in the page streaming from the other after ${latency} ms`);
    const badge = browserPage.locator('herald-inbox').locator('.badge');
    assert.equal(await badge.textContent(), '1');
    await bell.click();
    const row = browserPage.getByRole('listitem').filter({ hasText: 'Order shipped' });
    await row.waitFor();
    assert.match((await row.textContent())!, /Order 1001 is on its way/);
    assert.equal(await row.getByRole('link', { name: 'Order shipped' }).getAttribute('href'), 'https://shop.example.com/orders/1001');
    await screenshot(browserPage, `inbox-one-unread-open-${slug}`);
    await expectNoSeriousA11yViolations(browserPage);

    await row.getByRole('button', { name: /Mark as read/ }).click();
    await browserPage.getByRole('button', { name: 'Notifications', exact: true }).waitFor({ timeout: 5000 });
    assert.equal(await badge.isHidden(), true, 'no badge once all is read');
    await screenshot(browserPage, `inbox-read-${slug}`);
    // The read is in the log and back in the feed, through the stream's process too.
    const feed = await eventually(async () => {
      const res = await new Api(streamer).request('GET', '/v1/inbox', undefined, { headers: { authorization: `Bearer ${token}` } });
      return res.body.items?.[0]?.state === 'read' ? res.body : undefined;
    }, 10_000, 'the item read in the feed');
    assert.deepEqual(feed.counts, { unread: 0, unseen: 0 });
    const explained = (await api.get(`/v1/notifications/${sent.body.notificationId}/explain`)).body;
    assert.equal(explained.channels[0].deliveries[0].engagement.opened.source, 'inbox');

    // A second notification while the panel is open: it arrives live as well, and the badge counts it.
    await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['inapp'], content: { title: 'Order delivered', body: 'Enjoy' } });
    await browserPage.getByRole('listitem').filter({ hasText: 'Order delivered' }).waitFor({ timeout: 5000 });
    await browserPage.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 5000 });
    await screenshot(browserPage, `inbox-second-live-${slug}`);
  });
});

describe('the <herald-inbox> component when its first load fails', () => {
  it('shows the error, keeps trying, and comes up once the page\'s origin is allowed', { timeout: 120_000 }, async (t) => {
    const env = { DATA_DIR: tempDir(t) };
    const url = await herald(t, env);
    const api = new Api(url, JSON.parse(readFileSync(join(env.DATA_DIR, 'admin-credentials.json'), 'utf8')));
    assert.equal((await api.put('/v1/users/ada', { locale: 'en-GB' })).status, 201);
    const shopPage = await customerPage(t, url);
    shopPage.serveWith((await api.post('/v1/users/ada/inbox-token')).body.token);

    const session = await launchBrowser(t);
    const browserPage = await session.newPage();
    const errors: string[] = [];
    browserPage.on('console', (message) => message.text().startsWith('herald-inbox-error') && errors.push(message.text()));
    await browserPage.goto(shopPage.url);
    await eventually(() => (errors.length > 0 ? true : undefined), 10_000, 'the component to report the refused load');
    // The origin is not listed yet: the load is refused. Listing it is enough; the component tries again by itself.
    const admin = api.credentials!.appKey;
    assert.equal((await api.put(`/v1/clients/${admin}/inbox-origins`, { origins: [shopPage.url] })).status, 200);
    assert.equal((await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['inapp'], content: { title: 'Back', body: 'It works now' } })).status, 202);
    await browserPage.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 30_000 });
  });
});

