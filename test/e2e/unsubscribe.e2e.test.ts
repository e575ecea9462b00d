import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createUser, notificationFinished, startApp, type Api } from '../support/app.js';
import { startProviderFakes } from '../support/fakes.js';
import { eventually } from '../support/temp.js';

const BASE = 'https://herald.example.com';

async function setup(t: TestContext) {
  const fakes = await startProviderFakes(t);
  const { api, baseUrl } = await startApp(t, {
    ...fakes.env,
    PUBLIC_BASE_URL: `${BASE}/`,
    UNSUBSCRIBE_MAILTO: 'unsubscribe@example.com',
    CATEGORY_POLICIES: JSON.stringify({ security: { critical: true } }),
    LOG_LEVEL: 'error',
  });
  await createUser(api, 'ada', { email: 'ada@example.com' });
  return { api, baseUrl, fakes };
}

const sendEmail = async (api: Api, category: string) => {
  const res = await api.post('/v1/notifications', { userId: 'ada', category, channels: ['email'], content: { subject: `About ${category}`, text: `${category} ${Math.random()}` } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  // A suppressed request has no delivery to wait for: its answer is final.
  return res.body.deliveries.length === 0 ? res.body : notificationFinished(api, res.body.notificationId);
};

/** The one-click POST exactly as RFC 8058 has a mail provider send it: no credentials, no cookies. */
const oneClick = (baseUrl: string, path: string, body = 'List-Unsubscribe=One-Click') =>
  fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

const preferenceEvents = async (api: Api) =>
  ((await api.get('/v1/users/ada/timeline')).body.events as { type: string; metadata: Record<string, unknown>; changedBy?: unknown }[]).filter((e) => e.type === 'PreferencesUpdated');

describe('one-click unsubscribe (RFC 8058)', () => {
  it('a non-critical email carries both headers, a critical one neither; the POST opts out of that category only, once', async (t) => {
    const { api, baseUrl, fakes } = await setup(t);
    await sendEmail(api, 'digest');
    await sendEmail(api, 'security');
    const [digest, security] = fakes.mailgun.requests;
    assert.equal(security!.subject, 'About security');
    assert.equal(security!.listUnsubscribe, undefined);
    assert.equal(security!.listUnsubscribePost, undefined);
    assert.equal(digest!.listUnsubscribePost, 'List-Unsubscribe=One-Click');
    const match = /^<https:\/\/herald\.example\.com(\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)>, <mailto:unsubscribe@example\.com\?subject=unsubscribe-[^>]+>$/.exec(digest!.listUnsubscribe ?? '');
    assert.ok(match, `List-Unsubscribe: ${digest!.listUnsubscribe}`);
    const path = match[1]!;

    const res = await oneClick(baseUrl, path);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.headers.get('set-cookie'), null);
    assert.match(await res.text(), /unsubscribed from digest emails/);
    const prefs = (await api.get('/v1/users/ada')).body.preferences;
    assert.deepEqual(prefs.categories, [{ category: 'digest', enabled: true, channels: { push: true, sms: true, email: false, inapp: true } }]);

    const next = await sendEmail(api, 'digest');
    assert.equal(next.status, 'suppressed');
    const explained = (await api.get(`/v1/notifications/${next.notificationId}/explain`)).body;
    const email = explained.channels.find((c: { channel: string }) => c.channel === 'email');
    assert.equal(email.reason, 'opted_out');
    assert.deepEqual(email.preferencesChangedBy, { source: 'one-click' }, 'explain says the recipient changed it, not the service');
    assert.equal(typeof email.preferencesChangedAt, 'string');
    assert.equal((await sendEmail(api, 'orders')).status, 'sent');

    assert.equal((await oneClick(baseUrl, path)).status, 200);
    const events = await preferenceEvents(api);
    assert.equal(events.length, 1, 'a replay records nothing');
    assert.equal(events[0]!.metadata.source, 'one-click');
    assert.equal(events[0]!.metadata.appKey, undefined);
    assert.deepEqual(events[0]!.changedBy, { source: 'one-click' });
  });

  it('a tampered, foreign or malformed token is 404 and changes nothing; a wrong body is 400', async (t) => {
    const { api, baseUrl, fakes } = await setup(t);
    await sendEmail(api, 'digest');
    const path = /<https:\/\/herald\.example\.com(\/u\/[^>]+)>/.exec(fakes.mailgun.requests[0]!.listUnsubscribe!)![1]!;
    const [kid, payload, signature] = path.slice('/u/'.length).split('.') as [string, string, string];
    const foreign = Buffer.from(JSON.stringify({ k: 'u', u: 'someone-else', c: 'digest', ch: 'email', i: 1 })).toString('base64url');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const bad of [`/u/${kid}.${foreign}.${signature}`, `/u/${kid}.${payload}.${flip(signature)}`, '/u/not-a-token']) {
      const res = await oneClick(baseUrl, bad);
      assert.equal(res.status, 404, bad);
      assert.equal(((await res.json()) as { message: string }).message, 'unknown unsubscribe link');
      assert.equal((await fetch(`${baseUrl}${bad}`)).status, 404);
    }
    const wrong = await oneClick(baseUrl, path, 'List-Unsubscribe=Yes');
    assert.equal(wrong.status, 400);
    assert.deepEqual(((await wrong.json()) as { errors: { field: string }[] }).errors.map((e) => e.field), ['List-Unsubscribe']);
    assert.deepEqual(await preferenceEvents(api), []);
    // Forms are parsed for the one-click routes only: the API stays JSON-only.
    const form = await api.request('POST', '/v1/notifications', undefined, { raw: 'userId=ada', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 415);
  });

  it('the GET page changes nothing and its undo opts back in', async (t) => {
    const { api, baseUrl, fakes } = await setup(t);
    await sendEmail(api, 'news');
    const path = /<https:\/\/herald\.example\.com(\/u\/[^>]+)>/.exec(fakes.mailgun.requests[0]!.listUnsubscribe!)![1]!;
    const page = await fetch(`${baseUrl}${path}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Unsubscribe from news emails\?/);
    assert.match(html, new RegExp(`<form method="post" action="${path}/undo">`));
    assert.match(html, /<input type="hidden" name="List-Unsubscribe" value="One-Click">/);
    assert.deepEqual(await preferenceEvents(api), [], 'a GET changes nothing');

    assert.equal((await oneClick(baseUrl, path)).status, 200);
    const undo = await oneClick(baseUrl, `${path}/undo`, '');
    assert.equal(undo.status, 200);
    assert.match(await undo.text(), /keep receiving/);
    const prefs = await eventually(async () => {
      const p = (await api.get('/v1/users/ada')).body.preferences;
      return p.categories[0]?.channels.email === true ? p : undefined;
    });
    assert.equal(prefs.categories[0].enabled, true);
    assert.deepEqual((await preferenceEvents(api)).map((e) => e.changedBy), [{ source: 'one-click' }, { source: 'one-click' }]);
    // A change by the calling service says so, with its appKey.
    assert.equal((await api.put('/v1/users/ada/preferences', { muted: false, channels: { push: true, sms: true, email: true }, categories: [] })).status, 200);
    const byService = (await preferenceEvents(api)).at(-1)!.changedBy as { source: string; appKey?: string };
    assert.equal(byService.source, 'service');
    assert.equal(byService.appKey, api.credentials?.appKey);
    assert.equal((await sendEmail(api, 'news')).status, 'sent');
  });

  it('the pages speak the user’s language, as the preference page does, and link to it', async (t) => {
    const { api, baseUrl, fakes } = await setup(t);
    await sendEmail(api, 'news');
    const path = /<https:\/\/herald\.example\.com(\/u\/[^>]+)>/.exec(fakes.mailgun.requests[0]!.listUnsubscribe!)![1]!;
    const english = await (await fetch(`${baseUrl}${path}`)).text();
    assert.match(english, /<html lang="en"/);
    const preferencesPath = /<a href="https:\/\/herald\.example\.com(\/p\/[^"]+)">Choose which notifications you receive, and how<\/a>/.exec(english)?.[1];
    assert.ok(preferencesPath, english);
    assert.equal((await fetch(`${baseUrl}${preferencesPath}`)).status, 200, 'the preference page opens');

    assert.match(await (await fetch(`${baseUrl}${path}`, { headers: { 'accept-language': 'fr-CH, de;q=0.5' } })).text(), /Se désabonner des e-mails news \?/);
    assert.equal((await api.put('/v1/users/ada', { email: 'ada@example.com', locale: 'de-AT' })).status, 200);
    const german = await (await fetch(`${baseUrl}${path}`, { headers: { 'accept-language': 'fr' } })).text();
    assert.match(german, /<html lang="de"/);
    assert.match(german, /E-Mails zu news abbestellen\?/);
    const done = await oneClick(baseUrl, path);
    assert.match(await done.text(), /Sie erhalten keine E-Mails zu news mehr/);
  });
});
