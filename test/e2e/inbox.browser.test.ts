import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { Api } from '../support/app.js';
import { expectNoSeriousA11yViolations, launchBrowser, screenshot } from '../support/browser.js';
import { freePort, spawnHerald } from '../support/process.js';
import { eventually, tempDir } from '../support/temp.js';

/** The customer's page, on an origin of its own: it loads the component from Herald and gives it the token its backend minted. */
async function customerPage(t: TestContext, heraldUrl: string, token: string): Promise<string> {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script type="module" src="${heraldUrl}/inbox/herald-inbox.js"></script></head>
<body><header><h1>Shop</h1><herald-inbox base-url="${heraldUrl}" token="${token}"></herald-inbox></header><main><p>Welcome back.</p></main></body></html>`;
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function herald(t: TestContext, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  await spawnHerald(t, { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => ((await new Api(url).get('/health/ready').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000, `herald on ${port}`);
  return url;
}

describe('the <herald-inbox> component in a browser, across two API processes', () => {
  it('a notification sent over REST to one process appears live in the page streaming from the other; mark read updates the badge', { timeout: 120_000 }, async (t) => {
    const dataDir = tempDir(t);
    // The page's origin is only known once its server listens: every origin on loopback is allowed here.
    const env = { DATA_DIR: dataDir, INBOX_CORS_ORIGINS: '*' };
    const sender = await herald(t, env);
    // The second process only answers the API: the stream there sees what the first one's worker and projector wrote.
    const streamer = await herald(t, { ...env, HERALD_ROLES: 'api' });
    const admin = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8'));
    const api = new Api(sender, admin);
    assert.equal((await api.put('/v1/users/ada', { locale: 'en-GB' })).status, 201);
    const token = (await api.post('/v1/users/ada/inbox-token')).body.token;
    const pageUrl = await customerPage(t, streamer, token);

    const session = await launchBrowser(t);
    const page = await session.newPage();
    const streams: string[] = [];
    page.on('request', (r) => r.url().includes('/v1/inbox/stream') && streams.push(r.url()));
    await page.goto(pageUrl);
    const bell = page.getByRole('button', { name: /^Notifications/ });
    await bell.waitFor();
    await eventually(() => (streams.length > 0 ? true : undefined), 10_000, 'the stream to open');
    assert.ok(streams.every((u) => u.startsWith(streamer)), 'the page streams from the second process');
    assert.equal(await bell.getAttribute('aria-label'), 'Notifications');
    await screenshot(page, 'inbox-empty');

    const sentAt = Date.now();
    const sent = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', channels: ['inapp'], content: { title: 'Order shipped', body: 'Order 1001 is on its way', actionUrl: 'https://shop.example.com/orders/1001' } });
    assert.equal(sent.status, 202);
    await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 5000 });
    const latency = Date.now() - sentAt;
    console.log(`# sent on one process, in the page streaming from the other after ${latency} ms`);
    const badge = page.locator('herald-inbox').locator('.badge');
    assert.equal(await badge.textContent(), '1');
    await bell.click();
    const row = page.getByRole('listitem').filter({ hasText: 'Order shipped' });
    await row.waitFor();
    assert.match((await row.textContent())!, /Order 1001 is on its way/);
    assert.equal(await row.getByRole('link', { name: 'Order shipped' }).getAttribute('href'), 'https://shop.example.com/orders/1001');
    await screenshot(page, 'inbox-one-unread-open');
    await expectNoSeriousA11yViolations(page);

    await row.getByRole('button', { name: /Mark as read/ }).click();
    await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor({ timeout: 5000 });
    assert.equal(await badge.isHidden(), true, 'no badge once all is read');
    await screenshot(page, 'inbox-read');
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
    await page.getByRole('listitem').filter({ hasText: 'Order delivered' }).waitFor({ timeout: 5000 });
    await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 5000 });
    await screenshot(page, 'inbox-second-live');
  });
});
