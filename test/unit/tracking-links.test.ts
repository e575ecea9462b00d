import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/herald-config.js';
import { appendOpenPixel, rewriteHtmlLinks, rewriteTextLinks } from '../../src/modules/tracking/email-links.js';
import { TrackingTokens } from '../../src/modules/tracking/tracking-token.js';

const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);
const N = '2f1c7c2e-5a7d-4d1e-9a51-0c6a4b1f9e10';
const click = { kind: 'click', notificationId: N, deliveryId: `${N}.1`, url: 'https://example.com/a?b=1&c=2' } as const;

describe('tracking tokens', () => {
  it('round-trips a click and an open', () => {
    const tokens = new TrackingTokens(NEW);
    assert.deepEqual(tokens.verify(tokens.sign(click)), click);
    const open = { kind: 'open', notificationId: N, deliveryId: `${N}.2` } as const;
    assert.deepEqual(tokens.verify(tokens.sign(open)), open);
  });

  it('is deterministic, so a retried send carries the same links', () => {
    const tokens = new TrackingTokens(NEW);
    assert.equal(tokens.sign(click), tokens.sign(click));
  });

  it('verifies tokens signed with a previous key after rotation, and refuses a dropped key', () => {
    const before = new TrackingTokens(OLD).sign(click);
    assert.deepEqual(new TrackingTokens(NEW, [OLD]).verify(before), click);
    assert.equal(new TrackingTokens(NEW).verify(before), null);
    assert.notEqual(new TrackingTokens(NEW, [OLD]).keyId, new TrackingTokens(OLD).keyId);
  });

  it('refuses tampered payloads, signatures, key ids and junk', () => {
    const tokens = new TrackingTokens(NEW);
    const [kid, payload, signature] = tokens.sign(click).split('.') as [string, string, string];
    const evil = Buffer.from(JSON.stringify({ k: 'c', n: N, d: `${N}.1`, u: 'https://evil.example' })).toString('base64url');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const forged of [`${kid}.${evil}.${signature}`, `${kid}.${payload}.${flip(signature)}`, `${flip(kid)}.${payload}.${signature}`, `${kid}.${payload}`, '', 'a.b.c', `${kid}.${payload}.${signature}.x`]) {
      assert.equal(tokens.verify(forged), null, forged);
    }
    assert.equal(new TrackingTokens('x'.repeat(40)).verify(tokens.sign(click)), null);
  });

  it('round-trips a one-click unsubscribe, verified after rotation and refused when tampered', () => {
    const unsubscribe = { kind: 'unsubscribe', userId: 'user@42', category: 'digest', channel: 'email', issuedAt: 1_780_000_000 } as const;
    const token = new TrackingTokens(OLD).sign(unsubscribe);
    assert.deepEqual(new TrackingTokens(NEW, [OLD]).verify(token), unsubscribe);
    const [kid, , signature] = token.split('.') as [string, string, string];
    const other = Buffer.from(JSON.stringify({ k: 'u', u: 'someone-else', c: 'digest', ch: 'email', i: 1_780_000_000 })).toString('base64url');
    assert.equal(new TrackingTokens(NEW, [OLD]).verify(`${kid}.${other}.${signature}`), null);
    const tokens = new TrackingTokens(NEW);
    assert.equal(tokens.verify(tokens.sign({ ...unsubscribe, channel: 'sms' as 'email' })), null);
  });

  it('round-trips a preference-page token after rotation; a tampered or other-kind payload is refused', () => {
    const preferences = { kind: 'preferences', userId: 'user@42', expiresAt: 1_811_536_000 } as const;
    const token = new TrackingTokens(OLD).sign(preferences);
    assert.deepEqual(new TrackingTokens(NEW, [OLD]).verify(token), preferences);
    const [kid, , signature] = token.split('.') as [string, string, string];
    const other = Buffer.from(JSON.stringify({ k: 'p', u: 'someone-else', e: 1_811_536_000 })).toString('base64url');
    assert.equal(new TrackingTokens(NEW, [OLD]).verify(`${kid}.${other}.${signature}`), null);
    const tokens = new TrackingTokens(NEW);
    for (const expiresAt of [0, -1, 1.5]) assert.equal(tokens.verify(tokens.sign({ ...preferences, expiresAt })), null, String(expiresAt));
  });

  it('binds a form token to its page token, verified by any known key and by nothing else', () => {
    const tokens = new TrackingTokens(NEW, [OLD]);
    const page = tokens.sign({ kind: 'preferences', userId: 'ada', expiresAt: 1_811_536_000 });
    const other = tokens.sign({ kind: 'preferences', userId: 'bob', expiresAt: 1_811_536_000 });
    const form = tokens.formToken(page);
    assert.equal(tokens.verifyFormToken(page, form), true);
    assert.equal(tokens.verifyFormToken(other, form), false, 'another page token');
    assert.equal(tokens.verifyFormToken(page, tokens.formToken(other)), false);
    assert.equal(tokens.verifyFormToken(page, ''), false);
    assert.equal(tokens.verify(form), null, 'a form token is not a token');
    assert.equal(new TrackingTokens(NEW, [OLD]).verifyFormToken(page, new TrackingTokens(OLD).formToken(page)), true, 'signed before a rotation');
    assert.equal(new TrackingTokens(NEW).verifyFormToken(page, new TrackingTokens(OLD).formToken(page)), false, 'a dropped key');
  });

  it('never yields a non-http(s) target, even when correctly signed', () => {
    const tokens = new TrackingTokens(NEW);
    for (const url of ['javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', '//evil.example', 'https://']) {
      assert.equal(tokens.verify(tokens.sign({ ...click, url })), null, url);
    }
  });
});

describe('email link rewriting', () => {
  const track = (url: string) => `T(${url})`;

  it('rewrites the href of <a> tags to http(s), decoding entities first and escaping the result', () => {
    const html = `<p><a href="https://example.com/x?a=1&amp;b=2">x</a> <A class='c' HREF='http://example.com/y'>y</A> <a href=https://example.com/z>z</a></p>`;
    assert.equal(
      rewriteHtmlLinks(html, track),
      `<p><a href="T(https://example.com/x?a=1&amp;b=2)">x</a> <A class='c' HREF="T(http://example.com/y)">y</A> <a href="T(https://example.com/z)">z</a></p>`,
    );
  });

  it('leaves other schemes, anchors, other tags and look-alike attributes alone', () => {
    const html = `<a href="mailto:a@example.com">m</a><a href="#top">t</a><a href="javascript:x()">j</a><area href="https://example.com"><abbr href="https://example.com">a</abbr><a data-href="https://example.com" title="a > b href='https://example.com'">n</a><link href="https://example.com/s.css">`;
    assert.equal(rewriteHtmlLinks(html, track), html);
  });

  it('rewrites bare URLs in text, keeping trailing punctuation outside the link', () => {
    assert.equal(rewriteTextLinks('See https://example.com/a. Or (http://example.com/b), not ftp://x.', track), 'See T(https://example.com/a). Or (T(http://example.com/b)), not ftp://x.');
  });

  it('puts the pixel before </body>, or at the end', () => {
    assert.equal(appendOpenPixel('<html><body><p>x</p></BODY></html>', 'https://h/t/o/a&b'), '<html><body><p>x</p><img src="https://h/t/o/a&amp;b" width="1" height="1" alt="" style="border:0;width:1px;height:1px"></BODY></html>');
    assert.match(appendOpenPixel('<p>x</p>', 'https://h/t/o/a'), /^<p>x<\/p><img src="https:\/\/h\/t\/o\/a"/);
  });
});

describe('tracking configuration', () => {
  it('defaults the public base URL to the listening address and trims a trailing slash', () => {
    assert.equal(loadConfig({ PORT: '8080' }).tracking.publicBaseUrl, 'http://127.0.0.1:8080');
    assert.equal(loadConfig({ PUBLIC_BASE_URL: 'https://herald.example.com/' }).tracking.publicBaseUrl, 'https://herald.example.com');
    assert.deepEqual(loadConfig({ TRACKING_SECRET: NEW, TRACKING_PREVIOUS_SECRETS: `${OLD}, ${'p'.repeat(32)}` }).tracking, {
      email: true,
      secret: NEW,
      previousSecrets: [OLD, 'p'.repeat(32)],
      publicBaseUrl: 'http://127.0.0.1:3000',
      unsubscribeMailto: null,
    });
    assert.equal(loadConfig({ UNSUBSCRIBE_MAILTO: 'unsubscribe@example.com' }).tracking.unsubscribeMailto, 'unsubscribe@example.com');
  });

  it('refuses short keys and non-http base URLs', () => {
    assert.throws(() => loadConfig({ TRACKING_SECRET: 'short' }), /TRACKING_SECRET: a tracking key needs at least 32 characters/);
    assert.throws(() => loadConfig({ TRACKING_PREVIOUS_SECRETS: 'short' }), /TRACKING_PREVIOUS_SECRETS/);
    assert.throws(() => loadConfig({ PUBLIC_BASE_URL: 'ftp://x' }), /PUBLIC_BASE_URL: "ftp:\/\/x" is not a URL starting with http:\/\/ or https:\/\//);
    assert.throws(() => loadConfig({ PUBLIC_BASE_URL: 'not a url' }), /PUBLIC_BASE_URL/);
    assert.throws(() => loadConfig({ UNSUBSCRIBE_MAILTO: 'nobody' }), /UNSUBSCRIBE_MAILTO: "nobody" is not an email address/);
  });
});
