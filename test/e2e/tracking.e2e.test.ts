import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TRACKING_SECRET_FILE } from '../../src/modules/tracking/tracking-keys.js';
import { TrackingTokens } from '../../src/modules/tracking/tracking-token.js';
import { apnsToken, createUser, startApp, type Api } from '../support/app.js';
import { eventually } from '../support/temp.js';

const OFFER = 'https://shop.example.com/offer?id=7&src=mail';
const decode = (s: string) => s.replaceAll('&amp;', '&');

async function sentNotification(api: Api, body: Record<string, unknown>): Promise<string> {
  const res = await api.post('/v1/notifications', { category: 'promo', ...body });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const id = res.body.notificationId as string;
  await eventually(async () => ((await api.get(`/v1/notifications/${id}`)).body.status === 'sent' ? true : undefined), 10_000, `${id} sent`);
  return id;
}

const streamTypes = async (api: Api, id: string) => (await api.get(`/v1/audit/streams/notification-${id}`)).body.events.map((e: { type: string }) => e.type);

describe('tracking: signed email links, open pixel, app reports', () => {
  it('rewrites email links and adds a pixel; clicks redirect, pixels answer a GIF, each recorded once', async (t) => {
    const { api, baseUrl, dataDir } = await startApp(t, { PUBLIC_BASE_URL: 'https://herald.example.com/' });
    await createUser(api, 'ada', { email: 'ada@example.com' });
    const id = await sentNotification(api, {
      userId: 'ada',
      channels: ['email'],
      content: { subject: 'Offer', text: `Offer: ${OFFER}.`, html: `<html><body><p>Hi <a class="cta" href="${OFFER.replace('&', '&amp;')}">offer</a> <a href="mailto:help@example.com">help</a></p></body></html>` },
    });
    const [entry] = (await api.get(`/v1/sandbox/outbox?notificationId=${id}`)).body.entries;
    const html: string = entry.message.html;
    const click = decode(/<a class="cta" href="([^"]+)"/.exec(html)![1]!);
    const pixel = decode(/<img src="([^"]+)"/.exec(html)![1]!);
    assert.match(click, /^https:\/\/herald\.example\.com\/t\/c\/[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(pixel, /^https:\/\/herald\.example\.com\/t\/o\//);
    assert.match(html, /href="mailto:help@example.com"/, 'mailto links are left alone');
    assert.ok(html.indexOf('<img') < html.indexOf('</body>'), 'pixel inside the body');
    assert.match(entry.message.text, /^Offer: https:\/\/herald\.example\.com\/t\/c\/\S+\.$/, 'text links too, without the full stop');
    const path = (url: string) => new URL(url).pathname;

    // Forgeries first: none of them may add an event to the stream.
    const [kid, payload, signature] = path(click).slice('/t/c/'.length).split('.') as [string, string, string];
    const evil = Buffer.from(JSON.stringify({ k: 'c', n: id, d: entry.deliveryId, u: 'https://evil.example' })).toString('base64url');
    const ownKey = new TrackingTokens(readFileSync(join(dataDir, TRACKING_SECRET_FILE), 'utf8').trim());
    const forged = [
      `/t/c/${kid}.${evil}.${signature}`,
      `/t/c/${kid}.${payload}.${signature.slice(0, -2)}AA`,
      `/t/c/${new TrackingTokens('z'.repeat(40)).sign({ kind: 'click', notificationId: id, deliveryId: entry.deliveryId, url: 'https://evil.example' })}`,
      `/t/c/${ownKey.sign({ kind: 'click', notificationId: id, deliveryId: entry.deliveryId, url: 'javascript:alert(1)' })}`,
      `/t/c/${path(pixel).slice('/t/o/'.length)}`,
      `/t/o/${path(click).slice('/t/c/'.length)}`,
      '/t/c/not-a-token',
      '/t/o/a.b.c',
    ];
    for (const url of forged) {
      const res = await fetch(baseUrl + url, { redirect: 'manual' });
      assert.equal(res.status, 404, url);
      assert.equal(res.headers.get('location'), null, url);
    }
    assert.deepEqual(await streamTypes(api, id), ['NotificationSent']);

    const redirect = await fetch(baseUrl + path(click), { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), OFFER);
    assert.equal(redirect.headers.get('referrer-policy'), 'no-referrer');
    const gif = await fetch(baseUrl + path(pixel));
    assert.equal(gif.status, 200);
    assert.equal(gif.headers.get('content-type'), 'image/gif');
    const bytes = Buffer.from(await gif.arrayBuffer());
    assert.equal(bytes.subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.equal(bytes.readUInt16LE(6), 1, '1 pixel wide');
    assert.equal(bytes.readUInt16LE(8), 1, '1 pixel high');
    // Repeats are answered but not recorded again.
    assert.equal((await fetch(baseUrl + path(pixel))).status, 200);
    assert.equal((await fetch(baseUrl + path(click), { redirect: 'manual' })).status, 302);

    // The click came before the pixel was loaded, so the click recorded the open (source: link).
    assert.deepEqual(await streamTypes(api, id), ['NotificationSent', 'NotificationOpened', 'NotificationClicked']);
    const stream = (await api.get(`/v1/audit/streams/notification-${id}`)).body.events;
    assert.deepEqual(stream[2].data, { notificationId: id, deliveryId: entry.deliveryId, channel: 'email', source: 'link', url: OFFER, at: stream[2].data.at });

    const timeline = await api.get(`/v1/notifications/${id}/timeline`);
    assert.deepEqual(timeline.body.events.map((e: { type: string }) => e.type), ['NotificationRequested', 'NotificationSent', 'NotificationOpened', 'NotificationClicked']);
    const userTimeline = await api.get('/v1/users/ada/timeline');
    assert.ok(userTimeline.body.events.some((e: { type: string }) => e.type === 'NotificationClicked'));
    const explained = await api.get(`/v1/notifications/${id}/explain`);
    const delivery = explained.body.channels[0].deliveries[0];
    assert.equal(delivery.outcome, 'NotificationSent', 'engagement is not a delivery outcome');
    assert.equal(delivery.attempts, 1);
    assert.equal(delivery.engagement.opened.source, 'link');
    assert.equal(delivery.engagement.clicked.url, OFFER);
    assert.equal(delivery.engagement.converted, null);
  });

  it('a click still redirects when it cannot be recorded', async (t) => {
    const { baseUrl, dataDir } = await startApp(t);
    const tokens = new TrackingTokens(readFileSync(join(dataDir, TRACKING_SECRET_FILE), 'utf8').trim());
    const unknown = '2f1c7c2e-5a7d-4d1e-9a51-0c6a4b1f9e10';
    const res = await fetch(`${baseUrl}/t/c/${tokens.sign({ kind: 'click', notificationId: unknown, deliveryId: `${unknown}.1`, url: 'https://example.com/' })}`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), 'https://example.com/');
  });

  it('apps report push opens: a devices:register key only for users it registered devices for', async (t) => {
    const { api } = await startApp(t);
    const appA = await api.post('/v1/clients', { name: 'app-a', scopes: ['devices:register'] });
    const appB = await api.post('/v1/clients', { name: 'app-b', scopes: ['devices:register'] });
    const a = api.as({ appKey: appA.body.appKey, appSecret: appA.body.appSecret });
    const b = api.as({ appKey: appB.body.appKey, appSecret: appB.body.appSecret });
    await createUser(api, 'bob', { email: null });
    assert.equal((await a.post('/v1/users/bob/devices', { platform: 'ios', token: apnsToken(9) })).status, 201);
    const id = await sentNotification(api, { userId: 'bob', content: { title: 'Hi', body: 'there' } });

    assert.equal((await b.post('/v1/events', { notificationId: id, type: 'opened' })).status, 403);
    const opened = await a.post('/v1/events', { notificationId: id, type: 'opened' });
    assert.equal(opened.status, 202, JSON.stringify(opened.body));
    assert.deepEqual(opened.body, { notificationId: id, deliveryId: `${id}.1`, recorded: ['NotificationOpened'] });
    assert.deepEqual((await a.post('/v1/events', { notificationId: id, type: 'opened' })).body.recorded, [], 'counted once per delivery');
    const clicked = await a.post('/v1/events', { notificationId: id, deliveryId: `${id}.1`, type: 'clicked', url: 'https://app.example.com/deep' });
    assert.deepEqual(clicked.body.recorded, ['NotificationClicked']);
    assert.deepEqual((await api.post('/v1/events', { notificationId: id, type: 'converted' })).body.recorded, ['NotificationConverted']);
    assert.deepEqual(await streamTypes(api, id), ['NotificationSent', 'NotificationOpened', 'NotificationClicked', 'NotificationConverted']);
    const stream = (await api.get(`/v1/audit/streams/notification-${id}`)).body.events;
    assert.equal(stream[1].data.source, 'app');
    assert.equal(stream[1].metadata.appKey, appA.body.appKey);

    const fields = async (body: unknown) => {
      const res = await a.post('/v1/events', body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      return res.body.errors.map((e: { field: string }) => e.field).sort();
    };
    assert.deepEqual(await fields({ notificationId: id, type: 'clicked' }), ['url']);
    assert.deepEqual(await fields({ notificationId: id, type: 'clicked', url: 'javascript:alert(1)' }), ['url']);
    assert.deepEqual(await fields({ notificationId: 'nope', type: 'shared' }), ['notificationId', 'type']);
    assert.deepEqual(await fields({ notificationId: id, deliveryId: `${id}.7`, type: 'opened' }), ['deliveryId']);
    assert.equal((await a.post('/v1/events', { notificationId: '2f1c7c2e-5a7d-4d1e-9a51-0c6a4b1f9e10', type: 'opened' })).status, 404);
    const sender = await api.post('/v1/clients', { name: 'reader', scopes: ['notifications:read'] });
    assert.equal((await api.as({ appKey: sender.body.appKey, appSecret: sender.body.appSecret }).post('/v1/events', { notificationId: id, type: 'opened' })).status, 403);
    assert.deepEqual(await streamTypes(api, id), ['NotificationSent', 'NotificationOpened', 'NotificationClicked', 'NotificationConverted'], 'no event for a refused report');
  });
});
