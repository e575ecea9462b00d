import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { apnsToken, createUser, notificationFinished, startApp, type Api, type Credentials } from '../support/app.js';
import { expectNoSeriousA11yViolations, launchBrowser, screenshot } from '../support/browser.js';
import { eventually } from '../support/temp.js';

async function consoleClient(api: Api, scopes: string[]): Promise<Credentials> {
  const created = await api.post('/v1/clients', { name: 'support desk', scopes });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { appKey: created.body.appKey, appSecret: created.body.appSecret };
}

async function signIn(page: Page, baseUrl: string, who: Credentials) {
  const first = await page.goto(`${baseUrl}/console`);
  assert.equal(first?.status(), 401, 'without a session the console answers 401, with the sign-in form');
  await page.getByLabel('App key').fill(who.appKey);
  await page.getByLabel('App secret').fill(who.appSecret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The numbers of a chart's table (row header -> cells) and what the Chart.js instance drew in total. */
async function chartOf(page: Page, id: string) {
  const canvas = page.locator(`canvas#${id}[data-rendered="true"]`);
  await canvas.waitFor();
  const total = Number(await canvas.getAttribute('data-total'));
  const rows = await page.locator(`#${id}-table tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
  const box = await canvas.boundingBox();
  return { total, rows: Object.fromEntries(rows.map(([head, ...cells]) => [head, cells.map(Number)])), drawn: (box?.width ?? 0) > 100 && (box?.height ?? 0) > 100 };
}

const queueCell = (page: Page, queue: string, field: string) => page.locator(`#queues tr[data-queue="${queue}"] td[data-field="${field}"]`);

async function queueShows(page: Page, queue: string, field: string, value: string) {
  await eventually(async () => ((await queueCell(page, queue, field).textContent()) === value ? true : undefined), 10_000, `queue ${queue} ${field} to show ${value}`);
}

/** Herald with one user who gets everything and one who can get nothing (opted out of marketing email, no phone, no device). */
async function setup(t: TestContext) {
  const running = await startApp(t);
  const { api } = running;
  await createUser(api, 'ada', { email: 'ada.lovelace@example.com', phone: '+447700900123', locale: 'en-GB' });
  assert.equal((await api.post('/v1/users/ada/devices', { platform: 'ios', token: apnsToken(3) })).status, 201);
  await createUser(api, 'grace', { email: 'grace.hopper@example.com', locale: 'en-US' });
  assert.equal((await api.put('/v1/users/grace/preferences', { categories: [{ category: 'marketing', channels: { email: false } }] })).status, 200);
  assert.equal((await api.put('/v1/topics/order-updates', { name: 'Order updates' })).status, 201);
  assert.equal((await api.post('/v1/topics/order-updates/subscribers', { userIds: ['grace'] })).status, 200);
  const suppressed = await api.post('/v1/notifications', { userId: 'grace', category: 'marketing', channels: ['push', 'sms', 'email'], content: { title: 'Sale', body: 'Everything half price', subject: 'Sale', text: 'Everything half price' } });
  assert.equal(suppressed.body.status, 'suppressed', JSON.stringify(suppressed.body));
  // One sent at once on ada's three channels (the sandbox sends it), and opened on her phone.
  const sent = await api.post('/v1/notifications', { userId: 'ada', category: 'orders', content: { title: 'Hello', body: 'Your order is in', subject: 'Your order', text: 'Your order is in' } });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  await notificationFinished(api, sent.body.notificationId);
  const push = sent.body.deliveries.find((d: { channel: string }) => d.channel === 'push');
  assert.equal((await api.post('/v1/events', { notificationId: sent.body.notificationId, deliveryId: push.deliveryId, type: 'opened' })).status, 202);
  return { ...running, suppressedId: suppressed.body.notificationId as string, session: await launchBrowser(t) };
}

describe('operator console in a browser', () => {
  it('signs in, reads why a notification was suppressed, charts the test’s own numbers, watches a queue grow and drain, and signs out, with no serious accessibility violation', async (t) => {
    const { api, baseUrl, suppressedId, session } = await setup(t);
    const operator = await consoleClient(api, ['console']);
    const page = await session.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, baseUrl, operator);
    await page.getByRole('heading', { level: 1, name: 'Find' }).waitFor();
    assert.equal(await page.getByText('Signed in as').textContent(), 'Signed in as support desk Sign out');
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'console-find');
    const storage = await page.evaluate(() => {
      const w = globalThis as any;
      return [w.localStorage.length, w.sessionStorage.length, w.document.cookie];
    });
    assert.deepEqual(storage, [0, 0, ''], 'no secret in storage; the session cookie is HttpOnly');

    // Support: why did grace not get the sale email?
    await page.getByLabel('Notification id').fill(suppressedId);
    await page.getByRole('button', { name: 'Show its story' }).click();
    await page.getByRole('heading', { level: 1, name: `Notification ${suppressedId}` }).waitFor();
    const email = page.getByRole('article', { name: 'email: not sent' });
    assert.equal(await email.locator('.why').textContent(), 'the user opted out of email for category marketing');
    assert.equal(await page.getByRole('article', { name: 'sms: not sent' }).locator('.why').textContent(), 'the user has no phone number');
    assert.match(await page.locator('.timeline').textContent() ?? '', /NotificationSuppressed in recipient-grace at revision 2/);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'console-notification-suppressed');

    // The user, masked.
    await page.getByRole('link', { name: 'grace' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'User grace' }).waitFor();
    // The title shows while the user is still loading; the profile heading comes with the data.
    await page.getByRole('heading', { level: 2, name: 'Profile' }).waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    assert.ok(text.includes('g…@example.com') && !text.includes('grace.hopper@example.com'), 'the email is masked');
    assert.match((await page.locator('#topics').textContent()) ?? '', /^order-updates, since /);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'console-user');

    // Operations: a notification scheduled for later waits as a delayed job on each of ada's channels' queues.
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Operations' }).waitFor();
    await queueShows(page, 'sms', 'delayed', '0');
    await expectNoSeriousA11yViolations(page);
    const scheduled = await api.post('/v1/notifications', {
      userId: 'ada',
      category: 'orders',
      idempotencyKey: 'order-9-shipped',
      sendAt: new Date(Date.now() + 3_600_000).toISOString(),
      content: { title: 'Shipped', body: 'Order 9 is on its way', subject: 'Order 9 shipped', text: 'Order 9 is on its way' },
    });
    assert.equal(scheduled.status, 202);
    await queueShows(page, 'sms', 'delayed', '1');
    await queueShows(page, 'apns', 'delayed', '1');
    await queueShows(page, 'email', 'delayed', '1');
    await screenshot(page, 'console-operations');

    // Canceling it from its story (the same command as DELETE /v1/notifications/:id) drains them again.
    await page.goto(`${baseUrl}/console#/`);
    await page.getByLabel('Idempotency key').fill('order-9-shipped');
    await page.getByRole('button', { name: 'Find notifications' }).click();
    await page.getByRole('link', { name: scheduled.body.notificationId }).click();
    await page.getByRole('button', { name: 'Cancel the deliveries not yet sent' }).click();
    assert.equal(await page.getByRole('status').textContent(), 'Canceled 3 deliveries.');
    await expectNoSeriousA11yViolations(page);
    await page.getByRole('link', { name: 'Operations' }).click();
    await queueShows(page, 'sms', 'delayed', '0');
    await queueShows(page, 'apns', 'delayed', '0');

    // Analytics: what the test asked for, drawn. ada: twice 3 deliveries (push, sms, email), one
    // sent (its push opened), one canceled; grace: 3 channels suppressed.
    const day = new Date().toISOString().slice(0, 10);
    await eventually(async () => (((g) => (g?.canceled === 3 && g?.sent === 3 && g?.opened === 1 ? true : undefined))((await api.get(`/v1/analytics/summary?from=${day}&to=${day}`)).body.groups[0])), 10_000, 'the stats to count the cancel');
    await page.getByRole('link', { name: 'Analytics' }).click();
    const volume = await chartOf(page, 'volume');
    assert.equal(volume.total, 6);
    assert.deepEqual({ push: volume.rows.push, sms: volume.rows.sms, email: volume.rows.email }, { push: [2, 2], sms: [2, 2], email: [2, 2] }, 'one day: its count and the total');
    assert.ok(volume.drawn, 'the canvas has a size');
    const suppressions = await chartOf(page, 'suppressions');
    assert.equal(suppressions.total, 3);
    assert.deepEqual(suppressions.rows.suppressed, [1, 0, 0, 2, 3], 'opted_out, rate_limited, duplicate, no_target, total');
    const funnel = await chartOf(page, 'funnel');
    assert.deepEqual(funnel.rows['(inline content)'], [3, 1, 0, 0, 4], 'sent, opened, clicked, converted, total');
    assert.equal(funnel.total, 4);
    const latency = await chartOf(page, 'latency');
    assert.ok(latency.rows.push!.every((ms: number) => ms >= 0) && latency.total > 0, 'a latency per percentile for the channels that sent');
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'console-analytics');

    // Templates: versions and a rendered preview.
    assert.equal((await api.post('/v1/templates', { id: 'welcome', defaultLocale: 'en', channels: { email: { en: { subject: 'Hi {{ name }}', text: 'Welcome, {{ name }}' }, fr: { subject: 'Salut {{ name }}', text: 'Bienvenue, {{ name }}' } } } })).status, 201);
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByLabel('Template id').fill('welcome');
    await page.getByRole('button', { name: 'Show versions' }).click();
    await page.getByLabel('Locale').fill('fr-CA');
    await page.getByLabel('Variable name').fill('Ada');
    await page.getByRole('button', { name: 'Render' }).click();
    assert.match((await page.getByRole('region', { name: 'Rendered preview' }).textContent()) ?? '', /Salut Ada.*Bienvenue, Ada/s);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'console-templates');

    // A broadcast to the topic: the operations page shows its progress.
    const broadcast = await api.post('/v1/broadcasts', { audience: { topic: 'order-updates' }, category: 'marketing', content: { subject: 'News', text: 'News' } });
    assert.equal(broadcast.status, 202, JSON.stringify(broadcast.body));
    await page.getByRole('link', { name: 'Operations' }).click();
    const decided = page.locator(`#broadcasts tr[data-broadcast="${broadcast.body.broadcastId}"] td[data-field="decided"]`);
    await eventually(async () => ((await decided.textContent()) === '1 of 1' ? true : undefined), 10_000, 'the broadcast to show its one member decided');
    await expectNoSeriousA11yViolations(page);

    // Sign out: the console asks to sign in again, and its data API answers 401 to this browser.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the Herald console' }).waitFor();
    assert.equal(await page.evaluate(async () => (await fetch('/console/api/operations')).status), 401);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'console-sign-in');
  });

  it('refuses a client without the console scope, saying why', async (t) => {
    const { api, baseUrl, session } = await setup(t);
    const sender = await consoleClient(api, ['notifications:send']);
    const page = await session.newPage();
    await signIn(page, baseUrl, sender);
    assert.equal(await page.getByRole('alert').textContent(), 'This API client may not use the console: it needs the console or admin scope.');
    await expectNoSeriousA11yViolations(page);
    assert.equal(await page.evaluate(async () => (await fetch('/console/api/session')).status), 401);
  });
});
