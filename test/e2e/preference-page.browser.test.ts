import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { TrackingTokens } from '../../src/modules/tracking/tracking-token.js';
import { createUser, startApp, type Api } from '../support/app.js';
import { expectNoSeriousA11yViolations, launchBrowser, screenshot } from '../support/browser.js';

const TRACKING_SECRET = 'b'.repeat(40);

/** Herald, one user (`locale` from the profile) and a browser; the user's link as a calling service mints it. */
async function setup(t: TestContext, locale = 'en-GB') {
  const { api, baseUrl } = await startApp(t, { TRACKING_SECRET, CATEGORY_POLICIES: JSON.stringify({ security: { critical: true }, marketing: {} }) });
  await createUser(api, 'ada', { email: 'ada@example.com', phone: '+447700900123', locale });
  const link = await api.post('/v1/users/ada/preference-link');
  assert.equal(link.status, 200);
  // The link names PUBLIC_BASE_URL; the test's app listens on a port of its own.
  const url = `${baseUrl}${new URL(link.body.url).pathname}`;
  return { api, baseUrl, url, session: await launchBrowser(t) };
}

const preferencesOf = async (api: Api) => (await api.get('/v1/users/ada')).body.preferences;

async function changedBy(api: Api): Promise<unknown[]> {
  const events = (await api.get('/v1/users/ada/timeline')).body.events as { type: string; changedBy?: unknown }[];
  return events.filter((e) => e.type === 'PreferencesUpdated').map((e) => e.changedBy);
}

/** Submits the page's form (`submit` clicks or presses a key) and waits for the confirming page. */
async function save(page: Page, submit: () => Promise<void>) {
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), submit()]);
  assert.equal(response.status(), 200, await response.text());
  await page.getByRole('status').waitFor();
}

const click = (page: Page, button: string) => () => page.getByRole('button', { name: button }).click();

describe('preference page in a browser', () => {
  it('toggles a channel and saves: the confirmation shows, the preferences changed, no serious accessibility violation', async (t) => {
    const { api, url, session } = await setup(t);
    const page = await session.newPage();
    assert.equal((await page.goto(url))?.status(), 200);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'preference-page');

    const email = page.getByRole('group', { name: 'How to reach me' }).getByRole('checkbox', { name: 'Email', exact: true });
    assert.equal(await email.isChecked(), true);
    await email.uncheck();
    await save(page, click(page, 'Save preferences'));
    assert.equal(await page.getByRole('status').textContent(), 'Your preferences are saved.');
    assert.equal(await page.getByRole('group', { name: 'How to reach me' }).getByRole('checkbox', { name: 'Email', exact: true }).isChecked(), false);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'preference-page-saved');

    assert.deepEqual((await preferencesOf(api)).channels, { push: true, sms: true, email: false, inapp: true });
    assert.deepEqual(await changedBy(api), [{ source: 'preference-page' }]);
  });

  it('works with JavaScript disabled: a category’s channel switched off', async (t) => {
    const { api, url, session } = await setup(t);
    const page = await session.newPage({ javaScriptEnabled: false });
    await page.goto(url);
    const marketing = page.getByRole('group', { name: 'marketing', exact: true });
    await marketing.getByRole('checkbox', { name: 'Text messages (SMS)', exact: true }).uncheck();
    await save(page, click(page, 'Save preferences'));
    assert.equal(await page.getByRole('status').textContent(), 'Your preferences are saved.');
    await screenshot(page, 'preference-page-no-javascript-saved');
    const prefs = await preferencesOf(api);
    assert.deepEqual(prefs.categories, [{ category: 'marketing', enabled: true, channels: { push: true, sms: false, email: true, inapp: true } }]);
    assert.deepEqual(prefs.channels, { push: true, sms: true, email: true, inapp: true });
  });

  it('speaks German to a German user: pausing everything', async (t) => {
    const { api, url, session } = await setup(t, 'de-DE');
    const page = await session.newPage({ locale: 'en-US' });
    await page.goto(url);
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Benachrichtigungseinstellungen');
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'preference-page-de');
    await page.getByRole('checkbox', { name: 'Alle Benachrichtigungen pausieren' }).check();
    await save(page, click(page, 'Einstellungen speichern'));
    assert.equal(await page.getByRole('status').textContent(), 'Ihre Einstellungen sind gespeichert.');
    await screenshot(page, 'preference-page-de-saved');
    assert.equal((await preferencesOf(api)).muted, true);
  });

  it('is operable by keyboard alone: Tab to a switch, Space toggles it, Tab to Save, Enter submits', async (t) => {
    const { api, url, session } = await setup(t);
    const page = await session.newPage();
    await page.goto(url);
    const focused = () => page.evaluate(() => {
      const active = (globalThis as unknown as { document: { activeElement: { tagName: string; getAttribute(name: string): string | null; textContent: string } | null } }).document.activeElement;
      return active ? `${active.tagName.toLowerCase()} ${active.getAttribute('name') ?? active.textContent}` : '';
    });
    const tabTo = async (target: string) => {
      const seen: string[] = [];
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        seen.push(await focused());
        if (seen.at(-1) === target) return;
      }
      assert.fail(`Tab never reached ${target}: ${seen.join(' | ')}`);
    };
    await tabTo('input channel:sms');
    await page.keyboard.press('Space');
    assert.equal(await page.locator('input[name="channel:sms"]').isChecked(), false);
    await screenshot(page, 'preference-page-keyboard-focus');
    await tabTo('button Save preferences');
    await save(page, () => page.keyboard.press('Enter'));
    assert.deepEqual((await preferencesOf(api)).channels, { push: true, sms: false, email: true, inapp: true });
  });

  it('sets quiet hours: ticked, times in native time inputs, some days, one channel spared; saved and accessible', async (t) => {
    const { api, url, session } = await setup(t);
    const page = await session.newPage({ locale: 'en-GB' });
    await page.goto(url);
    const quiet = page.getByRole('group', { name: 'Quiet hours', exact: true });
    assert.match((await quiet.textContent()) ?? '', /Times are in UTC: your profile has no time zone\./);
    await quiet.getByRole('checkbox', { name: 'Use quiet hours' }).check();
    const from = quiet.getByLabel('From', { exact: true });
    assert.equal(await from.getAttribute('type'), 'time');
    await from.fill('23:00');
    await quiet.getByLabel('Until', { exact: true }).fill('06:30');
    const days = quiet.getByRole('group', { name: 'Starting on' });
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Sunday']) await days.getByRole('checkbox', { name: day }).uncheck();
    await quiet.getByRole('group', { name: 'Holding back' }).getByRole('checkbox', { name: 'Email', exact: true }).uncheck();
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'preference-page-quiet-hours');
    await save(page, click(page, 'Save preferences'));
    assert.equal(await page.getByRole('group', { name: 'Quiet hours', exact: true }).getByLabel('From', { exact: true }).inputValue(), '23:00');
    await expectNoSeriousA11yViolations(page);
    assert.deepEqual((await preferencesOf(api)).quietHours, { start: '23:00', end: '06:30', days: ['fri', 'sat'], channels: ['push', 'sms', 'inapp'] });
    assert.deepEqual(await changedBy(api), [{ source: 'preference-page' }]);
  });

  it('sets quiet hours with JavaScript disabled, in the user’s own time zone', async (t) => {
    const { api, url, session } = await setup(t);
    assert.equal((await api.put('/v1/users/ada', { email: 'ada@example.com', locale: 'fr-FR', timezone: 'Europe/Paris' })).status, 200);
    const page = await session.newPage({ javaScriptEnabled: false, locale: 'fr-FR' });
    await page.goto(url);
    const quiet = page.getByRole('group', { name: 'Heures calmes', exact: true });
    assert.match((await quiet.textContent()) ?? '', /Les heures sont celles de votre fuseau horaire, Europe\/Paris\./);
    await quiet.getByRole('checkbox', { name: 'Utiliser les heures calmes' }).check();
    await quiet.getByLabel('De', { exact: true }).fill('21:15');
    await save(page, click(page, 'Enregistrer les préférences'));
    await screenshot(page, 'preference-page-quiet-hours-no-javascript-saved');
    assert.deepEqual((await preferencesOf(api)).quietHours, { start: '21:15', end: '07:00' }, 'the suggested end, every day and channel');
  });

  it('where time inputs are text boxes: a mistyped time comes back as an alert tied to its field; H:MM is taken', async (t) => {
    const { api, url, session } = await setup(t);
    const page = await session.newPage();
    await page.goto(url);
    // A browser without a time picker shows type="time" as a text box: the same as this.
    const asText = () => page.evaluate(() => {
      for (const input of (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<{ type: string }> } }).document.querySelectorAll('input[type=time]')) input.type = 'text';
    });
    await asText();
    await page.getByRole('checkbox', { name: 'Use quiet hours' }).check();
    await page.getByLabel('From', { exact: true }).fill('10.30pm');
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), click(page, 'Save preferences')()]);
    assert.equal(response.status(), 400);
    assert.equal(await page.getByRole('alert').textContent(), 'Your preferences are not saved: please correct the quiet hours.');
    const from = page.getByLabel('From', { exact: true });
    assert.equal(await from.getAttribute('aria-invalid'), 'true');
    const description = await from.evaluate((input: unknown) => {
      const el = input as { getAttribute(n: string): string; ownerDocument: { getElementById(id: string): { textContent: string } | null } };
      return el.getAttribute('aria-describedby').split(' ').map((id) => el.ownerDocument.getElementById(id)?.textContent).join(' ');
    });
    assert.match(description, /From: enter a time as HH:MM, for example 22:00\./);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'preference-page-quiet-hours-error');
    assert.equal((await preferencesOf(api)).quietHours, null, 'nothing saved');

    await asText();
    await from.fill('7:30');
    await page.getByLabel('Until', { exact: true }).fill('9:00');
    await save(page, click(page, 'Save preferences'));
    assert.deepEqual((await preferencesOf(api)).quietHours, { start: '07:30', end: '09:00' });
  });

  it('sets quiet hours by keyboard alone: Space ticks them, arrows and digits set the times', async (t) => {
    const { api, url, session } = await setup(t);
    const page = await session.newPage({ locale: 'en-GB' });
    await page.goto(url);
    const focusedName = () => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('name') ?? '');
    const tabTo = async (name: string) => {
      for (let i = 0; i < 60 && (await focusedName()) !== name; i++) await page.keyboard.press('Tab');
      assert.equal(await focusedName(), name);
    };
    await tabTo('quiet-hours:enabled');
    await page.keyboard.press('Space');
    await tabTo('quiet-hours:start');
    // The same keys whether the browser shows the time with AM/PM or in 24 hours: the hour up from the suggested 22, then the minutes.
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.type('45');
    await tabTo('quiet-hours:end');
    await page.keyboard.type('0615');
    await screenshot(page, 'preference-page-quiet-hours-keyboard');
    await tabTo('quiet-hours:day:mon');
    await page.keyboard.press('Space');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusedName(), 'quiet-hours:end', 'Shift+Tab goes back');
    await page.keyboard.press('Enter');
    await page.getByRole('status').waitFor();
    assert.deepEqual((await preferencesOf(api)).quietHours, { start: '23:45', end: '06:15', days: ['sun', 'tue', 'wed', 'thu', 'fri', 'sat'] });
  });

  it('refuses the form submitted by a page of another site (another local port), changing nothing', async (t) => {
    const { api, url, session } = await setup(t);
    // The worst case: the other site knows the link and even a valid form token.
    const formToken = new TrackingTokens(TRACKING_SECRET).formToken(new URL(url).pathname.slice('/p/'.length));
    const attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><title>Win a prize</title>
<form method="post" action="${url}"><input type="hidden" name="form-token" value="${formToken}"><input type="hidden" name="muted" value="on"><button>Claim</button></form></html>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => attacker.close(() => resolve())));
    const page = await session.newPage();
    await page.goto(`http://127.0.0.1:${(attacker.address() as { port: number }).port}/`);
    const [response] = await Promise.all([page.waitForResponse((r) => r.url() === url), page.getByRole('button', { name: 'Claim' }).click()]);
    assert.equal(response.status(), 403);
    assert.equal(((await response.json()) as { code: string }).code, 'cross_site');
    assert.equal((await preferencesOf(api)).muted, false);
    assert.deepEqual(await changedBy(api), []);
  });

  it('the one-click unsubscribe page has no serious accessibility violation either', async (t) => {
    const { baseUrl, session } = await setup(t);
    const token = new TrackingTokens(TRACKING_SECRET).sign({ kind: 'unsubscribe', userId: 'ada', category: 'marketing', channel: 'email', issuedAt: 1_780_000_000 });
    const page = await session.newPage();
    assert.equal((await page.goto(`${baseUrl}/u/${token}`))?.status(), 200);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'unsubscribe-page');
  });
});
