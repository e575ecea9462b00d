import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EVENT_STORE, type EventStore } from '../../src/modules/event-store/event-store.port.js';
import { vonageSignature } from '../fakes/vonage-inbound.js';
import { apnsToken, createUser, startApp } from '../support/app.js';
import { report } from './report.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom(
    '__proto__', 'constructor', 'prototype', '{{ 7 * 7 }}', '{% raw %}', "{% include '/etc/passwd' %}", '{{ user.constructor.constructor("return process")() }}',
    'a@b.com\r\nBcc: victim@example.com', 'subject\r\nX-Injected: 1', '+0', '+1', '+123456789012345678', '+44 7700 900123', '00447700900123', '+4477009001230000',
    '\u0000', '\uD800', '\uFFFF', '\u202E', 'x'.repeat(5000), '../../etc/passwd', '<script>alert(1)</script>', "' OR 1=1 --", '${jndi:ldap://x}',
  ),
);
/** Lone surrogates cannot be percent-encoded; send their replacement instead. */
const enc = (s: string): string => encodeURIComponent(s.toWellFormed());
const deep = (depth: number): unknown => (depth === 0 ? 'leaf' : { a: deep(depth - 1) });
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(deep(200)),
  fc.array(hostileString, { maxLength: 5 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
);
const pollutingObject = fc.record({ __proto__: fc.constant({ polluted: true }) } as never);

/** A body shaped like the real request with some fields wrong, or something else entirely. */
const notificationish = fc.record(
  {
    userId: fc.oneof(fc.constant('fuzz'), hostileValue),
    category: fc.oneof(fc.constant('orders'), hostileValue),
    channels: fc.oneof(fc.constant(['email']), hostileValue),
    content: fc.oneof(fc.record({ title: hostileValue, body: hostileValue, subject: hostileValue, text: hostileValue, html: hostileValue, data: hostileValue }, { requiredKeys: [] }), hostileValue),
    template: fc.oneof(fc.record({ id: hostileValue, params: hostileValue }, { requiredKeys: [] }), hostileValue),
    idempotencyKey: hostileValue,
    sendAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), hostileValue),
    priority: hostileValue,
  },
  { requiredKeys: [] },
);

/** A broadcast with some fields wrong: its audience names the fuzz topic, ids, everyone, or something else. */
const broadcastish = fc.record(
  {
    audience: fc.oneof(fc.record({ topic: fc.oneof(fc.constant('fuzz'), hostileValue) }), fc.record({ userIds: fc.oneof(fc.array(hostileString, { maxLength: 5 }), hostileValue) }), fc.record({ all: hostileValue }), hostileValue),
    category: fc.oneof(fc.constant('news'), hostileValue),
    channels: fc.oneof(fc.constant(['inapp']), hostileValue),
    content: fc.oneof(fc.record({ title: hostileValue, body: hostileValue }, { requiredKeys: [] }), hostileValue),
    template: fc.oneof(fc.record({ id: hostileValue, params: hostileValue }, { requiredKeys: [] }), hostileValue),
    idempotencyKey: hostileValue,
    sendAt: hostileValue,
  },
  { requiredKeys: [] },
);

/** A preference-page form with the fields wrong; its form token is never the page's, so nothing is saved. */
const preferenceForm = (path: string) =>
  fc.record({
    method: fc.constant('POST'),
    path: fc.constant(path),
    body: fc.oneof(fc.record({ 'form-token': hostileValue, muted: hostileValue, 'channel:email': hostileValue, 'category:fuzz': hostileValue, 'category:fuzz:enabled': hostileValue }, { requiredKeys: [] }), hostileValue),
  });

const VONAGE_SIGNATURE_SECRET = 'vonage-signature-secret';
const inboundFields = { msisdn: hostileValue, to: hostileValue, messageId: hostileValue, text: hostileValue, timestamp: hostileValue, nonce: hostileValue, sig: hostileValue };
/** An inbound SMS with hostile fields, signed as Vonage signs, so it gets past the signature to the checks behind it. */
const signedInbound = fc.record({ msisdn: hostileString, to: hostileString, messageId: hostileString, text: hostileString }, { requiredKeys: [] }).map((fields) => {
  const params = { ...fields, timestamp: String(Math.floor(Date.now() / 1000)), nonce: 'n' };
  return { ...params, sig: vonageSignature(params, VONAGE_SIGNATURE_SECRET, 'md5hash') };
});

const requests = (preferencePage: string) => fc.oneof(
  fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/inbound/vonage/sms'), body: fc.oneof(fc.record(inboundFields, { requiredKeys: [] }), signedInbound, hostileValue) }),
  fc.record({ method: fc.constant('GET'), path: fc.oneof(fc.dictionary(hostileString, hostileString, { maxKeys: 6 }), signedInbound).map((q) => `/v1/inbound/vonage/sms?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k.toWellFormed(), String(v).toWellFormed()]))}`), body: fc.constant(undefined) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/notifications'), body: fc.oneof(notificationish, hostileValue) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/notifications/batch'), body: fc.oneof(fc.record({ notifications: fc.array(fc.oneof(notificationish, hostileValue), { maxLength: 5 }) }), hostileValue) }),
  fc.record({ method: fc.constant('PUT'), path: hostileString.map((id) => `/v1/users/${enc(id)}`), body: fc.record({ email: hostileValue, phone: hostileValue, locale: hostileValue, timezone: hostileValue }, { requiredKeys: [] }) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/users/fuzz/devices'), body: fc.record({ platform: hostileValue, provider: hostileValue, token: hostileValue }, { requiredKeys: [] }) }),
  fc.record({ method: fc.constant('PUT'), path: fc.constant('/v1/users/fuzz/preferences'), body: fc.record({ muted: hostileValue, channels: hostileValue, categories: hostileValue }, { requiredKeys: [] }) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/templates'), body: fc.record({ id: hostileValue, defaultLocale: hostileValue, channels: fc.oneof(hostileValue, fc.record({ email: fc.dictionary(hostileString, fc.record({ subject: hostileString, html: hostileString })) })) }, { requiredKeys: [] }) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/templates/fuzz/preview'), body: fc.record({ params: hostileValue, locale: hostileValue, channel: hostileValue }, { requiredKeys: [] }) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/clients'), body: fc.record({ name: hostileValue, scopes: hostileValue, rateLimitPerSecond: hostileValue }, { requiredKeys: [] }) }),
  fc.record({ method: fc.constant('PUT'), path: hostileString.map((key) => `/v1/clients/${enc(key)}/webhook`), body: fc.record({ url: hostileValue, events: hostileValue }, { requiredKeys: [] }) }),
  fc.record({ method: fc.constantFrom('GET', 'DELETE'), path: hostileString.map((id) => `/v1/notifications/${enc(id)}`), body: fc.constant(undefined) }),
  fc.tuple(fc.constantFrom(['POST', 'secret'], ['DELETE', 'secret/previous']), hostileString).map(([[method, tail], key]) => ({ method, path: `/v1/clients/${enc(key)}/${tail}`, body: undefined })),
  fc.record({ method: fc.constant('GET'), path: hostileString.map((q) => `/v1/audit/streams/${enc(q)}?limit=${enc(q)}`), body: fc.constant(undefined) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/notifications'), body: pollutingObject }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/events'), body: fc.record({ notificationId: hostileValue, deliveryId: hostileValue, type: hostileValue, url: hostileValue }, { requiredKeys: [] }) }),
  fc.record({ method: fc.constant('GET'), path: fc.tuple(fc.constantFrom('c', 'o'), hostileString).map(([kind, token]) => `/t/${kind}/${enc(token)}`), body: fc.constant(undefined) }),
  fc.record({ method: fc.constant('GET'), path: hostileString.map((token) => `/p/${enc(token)}`), body: fc.constant(undefined) }),
  fc.record({ method: fc.constant('POST'), path: hostileString.map((token) => `/p/${enc(token)}`), body: hostileValue }),
  fc.record({ method: fc.constant('POST'), path: hostileString.map((id) => `/v1/users/${enc(id)}/preference-link`), body: fc.constant(undefined) }),
  fc.record({ method: fc.constant('POST'), path: hostileString.map((id) => `/v1/users/${enc(id)}/inbox-token`), body: fc.oneof(fc.record({ ttlSeconds: hostileValue }, { requiredKeys: [] }), hostileValue) }),
  // The subscriber API, with a valid subscriber token (a hostile one is only ever a 401).
  fc.record({ method: fc.constant('GET'), path: fc.tuple(hostileString, hostileString, hostileString).map(([a, b, c]) => `/v1/inbox?state=${enc(a)}&category=${enc(b)}&cursor=${enc(c)}&limit=${enc(a)}`), body: fc.constant(undefined), subscriber: fc.constant(true) }),
  fc.record({ method: fc.constant('POST'), path: fc.tuple(hostileString, fc.constantFrom('seen', 'read', 'archive')).map(([id, mark]) => `/v1/inbox/items/${enc(id)}/${mark}`), body: hostileValue, subscriber: fc.constant(true) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/inbox/read-all'), body: hostileValue, subscriber: fc.constant(true) }),
  fc.record({ method: fc.constant('GET'), path: hostileString.filter((s) => !/^\d{1,40}$/.test(s)).map((id) => `/v1/inbox/stream?lastEventId=${enc(id)}`), body: fc.constant(undefined), subscriber: fc.constant(true) }),
  fc.record({ method: fc.constant('GET'), path: hostileString.map((token) => `/v1/inbox?token=${enc(token)}`), body: fc.constant(undefined) }),
  preferenceForm(preferencePage),
  fc.record({ method: fc.constant('PUT'), path: fc.oneof(fc.constant('fuzz'), hostileString).map((key) => `/v1/topics/${enc(key)}`), body: fc.oneof(fc.record({ name: hostileValue, description: hostileValue }, { requiredKeys: [] }), hostileValue) }),
  fc.record({ method: fc.constantFrom('POST', 'DELETE'), path: fc.oneof(fc.constant('fuzz'), hostileString).map((key) => `/v1/topics/${enc(key)}/subscribers`), body: fc.oneof(fc.record({ userIds: fc.oneof(fc.array(hostileString, { maxLength: 5 }), hostileValue) }, { requiredKeys: [] }), hostileValue) }),
  fc.record({ method: fc.constant('GET'), path: fc.tuple(hostileString, hostileString).map(([key, q]) => `/v1/topics/${enc(key)}/subscribers?cursor=${enc(q)}&limit=${enc(q)}`), body: fc.constant(undefined) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/broadcasts'), body: fc.oneof(broadcastish, hostileValue) }),
  fc.record({ method: fc.constantFrom('GET', 'DELETE'), path: hostileString.map((id) => `/v1/broadcasts/${enc(id)}`), body: fc.constant(undefined) }),
  fc.record({ method: fc.constant('GET'), path: fc.tuple(hostileString, hostileString).map(([a, b]) => `/v1/broadcasts?status=${enc(a)}&topic=${enc(b)}&limit=${enc(a)}&cursor=${enc(b)}`), body: fc.constant(undefined) }),
  fc.record({ method: fc.constant('PUT'), path: hostileString.map((key) => `/v1/clients/${enc(key)}/inbox-origins`), body: fc.oneof(fc.record({ origins: fc.oneof(fc.array(hostileString, { maxLength: 5 }), hostileValue) }, { requiredKeys: [] }), hostileValue) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/console/api/session'), body: fc.oneof(fc.record({ appKey: hostileValue, appSecret: hostileValue }, { requiredKeys: [] }), hostileValue) }),
  fc.record({ method: fc.constant('GET'), path: hostileString.map((q) => `/console/api/notifications?userId=${enc(q)}&idempotencyKey=${enc(q)}`), body: fc.constant(undefined) }),
  fc.record({ method: fc.constant('GET'), path: fc.tuple(fc.constantFrom('summary', 'funnel'), hostileString, hostileString).map(([what, a, b]) => `/v1/analytics/${what}?from=${enc(a)}&groupBy=${enc(b)}&template=${enc(b)}`), body: fc.constant(undefined) }),
);

const raw = fc.oneof(
  fc.constantFrom('{', '{"userId": "fuzz",', '[', 'null', '"str"', '{"a":' + '['.repeat(5000), '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '\xff\xfe{}'),
  fc.string(),
);

describe('hostile input', () => {
  it(`${RUNS} generated requests over every endpoint: no 5xx, no crash, no event for a rejected request`, { timeout: 600_000 }, async (t) => {
    const { api, app } = await startApp(t, { CLIENT_RATE_LIMIT: '1000000', VONAGE_SIGNATURE_SECRET });
    const store = app.get<EventStore>(EVENT_STORE);
    await createUser(api, 'fuzz');
    await api.post('/v1/users/fuzz/devices', { platform: 'ios', token: apnsToken(9) });
    await api.post('/v1/templates', { id: 'fuzz', defaultLocale: 'en', channels: { email: { en: { subject: 'Hi {{ name }}' } } } });
    const preferencePage = new URL((await api.post('/v1/users/fuzz/preference-link')).body.url).pathname;
    const subscriberToken = (await api.post('/v1/users/fuzz/inbox-token')).body.token as string;
    await api.put('/v1/topics/fuzz', { name: 'Fuzz' });
    await api.post('/v1/topics/fuzz/subscribers', { userIds: ['fuzz'] });
    const statuses = new Map<number, number>();
    let rejectedWithEvents = 0;
    let maxLatency = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 9, arbitrary: requests(preferencePage) }, { weight: 1, arbitrary: raw.map((text) => ({ method: 'POST', path: '/v1/notifications', raw: text })) }), async (req) => {
        const before = await store.headPosition();
        const started = performance.now();
        const res = 'raw' in req
          ? await api.request(req.method, req.path, undefined, { raw: req.raw as string })
          : 'subscriber' in req
            ? await api.as(undefined).request(req.method, req.path, req.body, { headers: { authorization: `Bearer ${subscriberToken}` } })
            : await api.request(req.method, req.path, req.body);
        maxLatency = Math.max(maxLatency, performance.now() - started);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(res.status < 500, `${req.method} ${req.path} -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        assert.equal(typeof res.body, 'object', 'every answer is JSON');
        if (res.status >= 400 && (await store.headPosition()) !== before) rejectedWithEvents += 1;
        assert.equal(rejectedWithEvents, 0, `a rejected ${req.method} ${req.path} appended events`);
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
    assert.equal((await api.get('/health/live')).status, 200, 'still alive');
    report({ scenario: 'hostile input (fast-check)', profile: 'embedded', notifications: RUNS, lost: 0, duplicates: 0, fiveXx: 0, maxLatencyMs: Math.round(maxLatency), note: [...statuses].map(([s, n]) => `${s}x${n}`).join(' ') });
  });
});
