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

    assert.deepEqual((await preferencesOf(api)).channels, { push: true, sms: true, email: false });
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
    assert.deepEqual(prefs.categories, [{ category: 'marketing', enabled: true, channels: { push: true, sms: false, email: true } }]);
    assert.deepEqual(prefs.channels, { push: true, sms: true, email: true });
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
    assert.deepEqual((await preferencesOf(api)).channels, { push: true, sms: false, email: true });
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
