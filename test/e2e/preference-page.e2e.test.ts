import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { TrackingTokens } from '../../src/modules/tracking/tracking-token.js';
import { createUser, notificationFinished, startApp, type Api } from '../support/app.js';
import { startProviderFakes } from '../support/fakes.js';

const BASE = 'https://herald.example.com';
const TRACKING_SECRET = 'p'.repeat(40);
const tokens = new TrackingTokens(TRACKING_SECRET);
const YEAR_MS = 365 * 24 * 3_600_000;

async function setup(t: TestContext, env: Record<string, string> = {}) {
  const { api, baseUrl } = await startApp(t, {
    PUBLIC_BASE_URL: `${BASE}/`,
    TRACKING_SECRET,
    CATEGORY_POLICIES: JSON.stringify({ security: { critical: true }, marketing: {} }),
    ...env,
  });
  await createUser(api, 'ada', { email: 'ada@example.com', locale: 'en-GB' });
  return { api, baseUrl };
}

/** The path of a fresh preference link, minted as a calling service would. */
async function mintedPath(api: Api, userId = 'ada'): Promise<string> {
  const res = await api.post(`/v1/users/${userId}/preference-link`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return new URL(res.body.url).pathname;
}

const formTokenOf = (html: string) => /name="form-token" value="([^"]+)"/.exec(html)?.[1] ?? assert.fail('the page has a form token');

/** The form as a browser on the page itself posts it (same-origin fetch metadata). */
function post(baseUrl: string, path: string, fields: Record<string, string>, headers: Record<string, string> = { origin: baseUrl, 'sec-fetch-site': 'same-origin' }) {
  return fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
}

/** Everything ticked, as the page shows a user without preferences. */
const allOn = (formToken: string): Record<string, string> => ({
  'form-token': formToken,
  'channel:push': 'on',
  'channel:sms': 'on',
  'channel:email': 'on',
  'channel:inapp': 'on',
  ...Object.fromEntries(['security', 'marketing'].flatMap((c) => [[`category:${c}`, 'shown'], [`category:${c}:enabled`, 'on'], [`category:${c}:push`, 'on'], [`category:${c}:sms`, 'on'], [`category:${c}:email`, 'on'], [`category:${c}:inapp`, 'on']])),
});

const preferenceEvents = async (api: Api) =>
  ((await api.get('/v1/users/ada/timeline')).body.events as { type: string; metadata: Record<string, unknown>; changedBy?: unknown }[]).filter((e) => e.type === 'PreferencesUpdated');

describe('hosted preference page', () => {
  it('a calling service mints a year-long link for an existing user only, with users:write', async (t) => {
    const { api } = await setup(t);
    const before = Date.now();
    const res = await api.post('/v1/users/ada/preference-link');
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ['expiresAt', 'token', 'url']);
    assert.equal(res.body.url, `${BASE}/p/${res.body.token}`);
    const claim = tokens.verify(res.body.token);
    assert.ok(claim?.kind === 'preferences');
    assert.equal(claim.userId, 'ada');
    const expires = Date.parse(res.body.expiresAt);
    assert.ok(expires >= Math.floor((before + YEAR_MS) / 1000) * 1000 && expires <= Date.now() + YEAR_MS, res.body.expiresAt);
    assert.equal((await api.post('/v1/users/nobody/preference-link')).status, 404);
    assert.equal((await api.as(undefined).post('/v1/users/ada/preference-link')).status, 401);
    const sender = (await api.post('/v1/clients', { name: 'sender', scopes: ['notifications:send'] })).body;
    assert.equal((await api.as({ appKey: sender.appKey, appSecret: sender.appSecret }).post('/v1/users/ada/preference-link')).status, 403);
  });

  it('shows the preferences as a form, changing nothing; saving records the recipient’s change once', async (t) => {
    const { api, baseUrl } = await setup(t);
    const quietHours = { start: '22:00', end: '07:30' };
    assert.equal((await api.put('/v1/users/ada/preferences', { channels: { sms: false }, categories: [{ category: 'digest', channels: { email: false } }], quietHours })).status, 200);
    const path = await mintedPath(api);
    const page = await fetch(`${baseUrl}${path}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(page.headers.get('referrer-policy'), 'same-origin', 'the token in the URL never goes to another site');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'.*form-action 'self'/);
    assert.equal(page.headers.get('set-cookie'), null);
    const html = await page.text();
    assert.match(html, /<html lang="en">/);
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, new RegExp(`<form method="post" action="${path}">`));
    assert.match(html, /name="channel:sms" value="on"> /, 'sms is off: unticked');
    assert.match(html, /name="channel:email" value="on" checked>/);
    for (const category of ['security', 'marketing', 'digest']) assert.match(html, new RegExp(`<legend>${category}</legend>`), `${category}: configured or in the preferences`);
    assert.match(html, /name="category:digest:email" value="on"> /);
    assert.equal((await preferenceEvents(api)).length, 1, 'a GET changes nothing');

    const fields: Record<string, string> = { ...allOn(formTokenOf(html)), 'category:digest': 'shown', 'category:digest:enabled': 'on', 'category:digest:push': 'on' };
    delete fields['category:marketing:email'];
    const saved = await post(baseUrl, path, fields);
    assert.equal(saved.status, 200);
    const confirmation = await saved.text();
    assert.match(confirmation, /<p class="status" role="status">Your preferences are saved\.<\/p>/);
    assert.match(confirmation, /name="channel:sms" value="on" checked>/, 'the page shows what is now in force');
    const prefs = (await api.get('/v1/users/ada')).body.preferences;
    assert.deepEqual(prefs, {
      muted: false,
      channels: { push: true, sms: true, email: true, inapp: true },
      categories: [
        { category: 'digest', enabled: true, channels: { push: true, sms: false, email: false, inapp: false } },
        { category: 'marketing', enabled: true, channels: { push: true, sms: true, email: false, inapp: true } },
      ],
      quietHours,
    }, 'a form without the quiet-hours fields keeps the quiet hours');
    const events = await preferenceEvents(api);
    assert.equal(events.length, 2);
    assert.equal(events[1]!.metadata.source, 'preference-page');
    assert.equal(events[1]!.metadata.appKey, undefined);
    assert.deepEqual(events[1]!.changedBy, { source: 'preference-page' });

    // The same form again (a double submit, a resent request) changes nothing and records nothing.
    assert.equal((await post(baseUrl, path, fields)).status, 200);
    assert.equal((await preferenceEvents(api)).length, 2);

    // An opted-out send says who opted out, and how.
    const suppressed = await api.post('/v1/notifications', { userId: 'ada', category: 'marketing', channels: ['email'], content: { subject: 'Sale', text: 'Sale' } });
    assert.equal(suppressed.body.status, 'suppressed');
    const explained = (await api.get(`/v1/notifications/${suppressed.body.notificationId}/explain`)).body;
    assert.deepEqual(explained.channels.find((c: { channel: string }) => c.channel === 'email').preferencesChangedBy, { source: 'preference-page' });
  });

  it('sets quiet hours in the user’s time zone; a mistyped time gives the page back in their language, naming the field, saving nothing', async (t) => {
    const { api, baseUrl } = await setup(t, { DEFAULT_TIMEZONE: 'Europe/London' });
    await createUser(api, 'jonas', { email: 'jonas@example.com', locale: 'de-AT', timezone: 'Europe/Vienna' });
    const path = await mintedPath(api, 'jonas');
    const html = await (await fetch(`${baseUrl}${path}`)).text();
    assert.match(html, /<legend>Ruhezeiten<\/legend>/);
    assert.match(html, /Die Zeiten gelten in Ihrer Zeitzone, Europe\/Vienna\./);
    assert.match(html, /name="quiet-hours:enabled" value="on" aria-describedby="quiet-hours-hint"> /, 'no quiet hours yet: unticked');
    assert.match(html, /<label for="quiet-hours-start">Von<\/label> <input type="time" id="quiet-hours-start" name="quiet-hours:start" value="22:00" aria-describedby="quiet-hours-format">/);
    assert.match(html, /name="quiet-hours:day:mon" value="on" checked> Montag<\/label>/, 'days named by Intl in the page’s language');
    assert.doesNotMatch(html, /role="alert"/);

    const events = async () => ((await api.get('/v1/users/jonas/timeline')).body.events as { type: string; metadata: Record<string, unknown> }[]).filter((e) => e.type === 'PreferencesUpdated');
    const quiet = (start: string, end: string): Record<string, string> => ({
      ...allOn(formTokenOf(html)),
      'quiet-hours': 'shown',
      'quiet-hours:enabled': 'on',
      'quiet-hours:start': start,
      'quiet-hours:end': end,
      'quiet-hours:day:fri': 'on',
      'quiet-hours:day:sat': 'on',
      'quiet-hours:channel:push': 'on',
    });
    const wrong = await post(baseUrl, path, { ...quiet('25:00', '7:00'), muted: 'on' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.headers.get('content-type') ?? '', /^text\/html/);
    const again = await wrong.text();
    assert.match(again, /<title>Ihre Einstellungen sind nicht gespeichert/);
    assert.match(again, /<p class="alert" role="alert">Ihre Einstellungen sind nicht gespeichert: Bitte korrigieren Sie die Ruhezeiten\.<\/p>/);
    assert.match(again, /name="quiet-hours:start" value="25:00" aria-describedby="quiet-hours-format quiet-hours-start-error" aria-invalid="true"> <span class="error" id="quiet-hours-start-error">Von: Geben Sie eine Uhrzeit als HH:MM ein/);
    assert.match(again, /name="quiet-hours:end" value="7:00" aria-describedby="quiet-hours-format">/, 'the end is fine: as typed, no error');
    assert.match(again, /name="muted" value="on" checked/, 'the other choices are shown as made');
    assert.match(again, /name="quiet-hours:day:sun" value="on"> /);
    assert.match(again, /name="quiet-hours:day:fri" value="on" checked>/);
    assert.equal((await post(baseUrl, path, quiet('07:00', '7:00'))).status, 400, 'an end equal to the start');
    assert.deepEqual(await events(), [], 'nothing saved');

    const saved = await post(baseUrl, path, quiet('22:30', '6:45'));
    assert.equal(saved.status, 200);
    assert.match(await saved.text(), /name="quiet-hours:end" value="06:45"/);
    assert.deepEqual((await api.get('/v1/users/jonas')).body.preferences.quietHours, { start: '22:30', end: '06:45', days: ['fri', 'sat'], channels: ['push'] });
    assert.equal((await events())[0]!.metadata.source, 'preference-page');

    const fields = allOn(formTokenOf(html));
    assert.equal((await post(baseUrl, path, { ...fields, 'quiet-hours': 'shown', 'quiet-hours:start': '22:30', 'quiet-hours:end': '06:45' })).status, 200);
    assert.equal((await api.get('/v1/users/jonas')).body.preferences.quietHours, null, 'the box unticked: no quiet hours');
    const bad = await post(baseUrl, path, { ...fields, 'quiet-hours': 'shown', 'quiet-hours:day:mon': 'yes' });
    assert.equal(bad.status, 400, 'what no page sends is the JSON error');
    assert.deepEqual(((await bad.json()) as { errors: { field: string }[] }).errors.map((e) => e.field), ['quiet-hours:day:mon']);

    // A user with no time zone of their own reads the times in DEFAULT_TIMEZONE, and is told so.
    assert.match(await (await fetch(`${baseUrl}${await mintedPath(api)}`)).text(), /Times are in Europe\/London: your profile has no time zone\./);
  });

  it('speaks the user’s language, Accept-Language only without one, English otherwise', async (t) => {
    const { api, baseUrl } = await setup(t);
    await createUser(api, 'jonas', { email: 'jonas@example.com', locale: 'de-AT' });
    await createUser(api, 'nobody-knows', { email: 'n@example.com' });
    const german = await (await fetch(`${baseUrl}${await mintedPath(api, 'jonas')}`, { headers: { 'accept-language': 'fr' } })).text();
    assert.match(german, /<html lang="de">/);
    assert.match(german, /<h1>Benachrichtigungseinstellungen<\/h1>/);
    const unknownPath = await mintedPath(api, 'nobody-knows');
    const french = await (await fetch(`${baseUrl}${unknownPath}`, { headers: { 'accept-language': 'it;q=0.9, fr-CH;q=0.8, *;q=0.1' } })).text();
    assert.match(french, /<html lang="fr">/);
    assert.match(french, /Enregistrer les préférences/);
    assert.match(await (await fetch(`${baseUrl}${unknownPath}`, { headers: { 'accept-language': 'ja' } })).text(), /<html lang="en">/);
    assert.match(await (await fetch(`${baseUrl}${unknownPath}`)).text(), /<html lang="en">/);
  });

  it('refuses a form another site submits, or one without the page’s form token, changing nothing', async (t) => {
    const { api, baseUrl } = await setup(t);
    await createUser(api, 'bob');
    const path = await mintedPath(api);
    const fields = allOn(formTokenOf(await (await fetch(`${baseUrl}${path}`)).text()));
    delete fields['channel:email'];
    const refusals: [string, Record<string, string>, Record<string, string>, string][] = [
      ['another site’s page', fields, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, 'cross_site'],
      ['a sibling site', fields, { 'sec-fetch-site': 'same-site' }, 'cross_site'],
      ['another Origin, no fetch metadata', fields, { origin: 'http://127.0.0.1:1' }, 'cross_site'],
      ['an opaque origin (sandboxed frame)', fields, { origin: 'null' }, 'cross_site'],
      ['no form token', { ...fields, 'form-token': '' }, { origin: baseUrl }, 'form_token_invalid'],
      ['another link’s form token', { ...fields, 'form-token': tokens.formToken((await api.post('/v1/users/bob/preference-link')).body.token) }, {}, 'form_token_invalid'],
    ];
    for (const [what, body, headers, code] of refusals) {
      const res = await post(baseUrl, path, body, headers);
      assert.equal(res.status, 403, what);
      const error = (await res.json()) as { code: string; errors: unknown[] };
      assert.equal(error.code, code, what);
      assert.deepEqual(error.errors, []);
    }
    const bad = await post(baseUrl, path, { ...fields, 'channel:sms': 'yes', 'category:marketing': 'x' });
    assert.equal(bad.status, 400);
    assert.deepEqual(((await bad.json()) as { errors: { field: string }[] }).errors.map((e) => e.field).sort(), ['category:marketing', 'channel:sms']);
    assert.deepEqual(await preferenceEvents(api), []);
    // PUBLIC_BASE_URL is this site too (behind a proxy the Host differs), and a client sending no browser headers needs only the form token.
    assert.equal((await post(baseUrl, path, fields, { origin: BASE })).status, 200);
    assert.equal((await post(baseUrl, path, { ...fields, 'channel:email': 'on' }, {})).status, 200);
    assert.equal((await preferenceEvents(api)).length, 2);
  });

  it('a tampered, foreign, expired or other-kind token is 404 on GET and POST and changes nothing', async (t) => {
    const { api, baseUrl } = await setup(t);
    const path = await mintedPath(api);
    const token = path.slice('/p/'.length);
    const [kid, payload, signature] = token.split('.') as [string, string, string];
    const foreign = Buffer.from(JSON.stringify({ k: 'p', u: 'bob', e: 4_000_000_000 })).toString('base64url');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const bad = [
      `${kid}.${foreign}.${signature}`,
      `${kid}.${payload}.${flip(signature)}`,
      new TrackingTokens('x'.repeat(40)).sign({ kind: 'preferences', userId: 'ada', expiresAt: 4_000_000_000 }),
      tokens.sign({ kind: 'preferences', userId: 'ada', expiresAt: Math.floor(Date.now() / 1000) - 1 }),
      tokens.sign({ kind: 'unsubscribe', userId: 'ada', category: 'marketing', channel: 'email', issuedAt: 1 }),
      tokens.sign({ kind: 'preferences', userId: 'gone', expiresAt: 4_000_000_000 }),
      'not-a-token',
    ];
    for (const badToken of bad) {
      const get = await fetch(`${baseUrl}/p/${badToken}`);
      assert.equal(get.status, 404, badToken);
      assert.equal(((await get.json()) as { message: string }).message, 'unknown preferences link');
      assert.equal((await post(baseUrl, `/p/${badToken}`, allOn(tokens.formToken(badToken)))).status, 404, badToken);
    }
    assert.deepEqual(await preferenceEvents(api), []);
    // The page's form route takes forms only where it must: the API stays JSON-only.
    assert.equal((await post(baseUrl, '/v1/users/ada/preference-link', {})).status, 415);
  });

  it('every email’s template can link the page as {{ preferencesUrl }}, without the send giving it', async (t) => {
    const fakes = await startProviderFakes(t);
    const { api, baseUrl } = await setup(t, { ...fakes.env, EMAIL_TRACKING: 'false' });
    const template = { id: 'weekly', defaultLocale: 'en', channels: { email: { en: { subject: 'Weekly', text: 'Hi {{ name }}. Manage: {{ preferencesUrl }}', html: '<a href="{{ preferencesUrl }}">Manage</a>' } } } };
    assert.equal((await api.post('/v1/templates', template)).status, 201);
    const preview = await api.post('/v1/templates/weekly/preview', { params: { name: 'Ada' } });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.equal(preview.body.rendered.email.text, `Hi Ada. Manage: ${BASE}/p/preview`);
    const sent = await api.post('/v1/notifications', { userId: 'ada', category: 'marketing', template: { id: 'weekly', params: { name: 'Ada' } } });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    assert.equal((await notificationFinished(api, sent.body.notificationId)).status, 'sent');
    const email = fakes.mailgun.requests[0]!;
    const url = /Manage: (\S+)$/.exec(email.text ?? '')?.[1] ?? assert.fail(`no link in ${email.text}`);
    assert.ok(url.startsWith(`${BASE}/p/`), url);
    assert.equal(email.html, `<a href="${url}">Manage</a>`);
    const claim = tokens.verify(url.slice(`${BASE}/p/`.length));
    assert.ok(claim?.kind === 'preferences');
    assert.equal(claim.userId, 'ada');
    const page = await fetch(`${baseUrl}${new URL(url).pathname}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<legend>marketing<\/legend>/);
  });
});
