import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * What a tracking token says: which delivery, of which notification, and for a click which URL
 * to send the reader to; for a one-click unsubscribe, whose email of which category, issued when
 * (epoch seconds); for the preference page, whose page until when. `kind` keeps one kind of token from being replayed as another.
 */
export type TrackingClaim =
  | { kind: 'open'; notificationId: string; deliveryId: string }
  | { kind: 'click'; notificationId: string; deliveryId: string; url: string }
  | { kind: 'unsubscribe'; userId: string; category: string; channel: 'email'; issuedAt: number }
  /** The hosted preference page of one user, until `expiresAt` (epoch seconds). */
  | { kind: 'preferences'; userId: string; expiresAt: number }
  /** A browser's access to one user's in-app feed (the subscriber token), until `expiresAt` (epoch seconds), minted by the API client `appKey` (whose inbox origins apply). */
  | { kind: 'inbox'; userId: string; expiresAt: number; appKey?: string };

interface SigningKey {
  id: string;
  /** A key object made once: HMAC with a raw Buffer key prepares the key again on every call, several times the cost of the MAC itself. */
  secret: KeyObject;
}

const FORM_LABEL = 'herald-form:';
const b64url = (bytes: Buffer): string => bytes.toString('base64url');
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Only http and https targets are tracked or redirected to: never javascript:, data:, file: ... */
export function isTrackableUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Tokens are `keyId.payload.signature`: the payload is base64url JSON and the signature an
 * HMAC-SHA256 over `keyId.payload` with the key named by keyId. The key id is derived from the
 * key itself, so rotating is: put the new key in TRACKING_SECRET and the old one in
 * TRACKING_PREVIOUS_SECRETS; links already in inboxes keep working until the old key is dropped.
 * Tokens are deterministic (no nonce), so a retried send carries the same links.
 */
export class TrackingTokens {
  private readonly current: SigningKey;
  private readonly byId: Map<string, SigningKey>;

  constructor(currentSecret: string, previousSecrets: readonly string[] = []) {
    const keys = [currentSecret, ...previousSecrets].map((secret): SigningKey => ({ id: keyId(secret), secret: createSecretKey(Buffer.from(secret, 'utf8')) }));
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k]));
  }

  get keyId(): string {
    return this.current.id;
  }

  sign(claim: TrackingClaim): string {
    const body = bodyOf(claim);
    const signed = `${this.current.id}.${b64url(Buffer.from(JSON.stringify(body), 'utf8'))}`;
    return `${signed}.${this.mac(this.current, signed)}`;
  }

  /** The claim, or null for anything not signed by a known key or not well formed. */
  verify(token: string): TrackingClaim | null {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return null;
    const [id, payload, signature] = parts as [string, string, string];
    const key = this.byId.get(id);
    if (!key) return null;
    const expected = Buffer.from(this.mac(key, `${id}.${payload}`), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return parseClaim(payload);
  }

  /**
   * The hidden form field of the page a token opens: an HMAC of the token under its own label,
   * so it proves the form was rendered by Herald for that very token and can never pass for a
   * token itself. Signed with the current key; any known key verifies it, as tokens.
   */
  formToken(token: string): string {
    return this.mac(this.current, `${FORM_LABEL}${token}`);
  }

  verifyFormToken(token: string, given: string): boolean {
    const provided = Buffer.from(given, 'utf8');
    return [...this.byId.values()].some((key) => {
      const expected = Buffer.from(this.mac(key, `${FORM_LABEL}${token}`), 'utf8');
      return provided.length === expected.length && timingSafeEqual(provided, expected);
    });
  }

  private mac(key: SigningKey, data: string): string {
    return b64url(createHmac('sha256', key.secret).update(data).digest());
  }
}

function bodyOf(claim: TrackingClaim): Record<string, unknown> {
  switch (claim.kind) {
    case 'click':
      return { k: 'c', n: claim.notificationId, d: claim.deliveryId, u: claim.url };
    case 'open':
      return { k: 'o', n: claim.notificationId, d: claim.deliveryId };
    case 'unsubscribe':
      return { k: 'u', u: claim.userId, c: claim.category, ch: claim.channel, i: claim.issuedAt };
    case 'preferences':
      return { k: 'p', u: claim.userId, e: claim.expiresAt };
    case 'inbox':
      return { k: 'i', u: claim.userId, e: claim.expiresAt, ...(claim.appKey === undefined ? {} : { a: claim.appKey }) };
  }
}

function keyId(secret: string): string {
  return b64url(createHash('sha256').update(`herald-tracking-key:${secret}`).digest()).slice(0, 8);
}

const isName = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 128;

/** A signed payload is ours, but it is still checked field by field before anything trusts it. */
function parseClaim(payload: string): TrackingClaim | null {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const { k, n, d, u, c, ch, i, e, a } = body as Record<string, unknown>;
  if (k === 'p' || k === 'i') {
    if (!isName(u) || !Number.isSafeInteger(e) || (e as number) <= 0) return null;
    if (k === 'p') return { kind: 'preferences', userId: u, expiresAt: e as number };
    if (a !== undefined && !isName(a)) return null;
    return { kind: 'inbox', userId: u, expiresAt: e as number, ...(a === undefined ? {} : { appKey: a }) };
  }
  if (k === 'u') {
    const wellFormed = isName(u) && isName(c) && ch === 'email' && Number.isSafeInteger(i) && (i as number) >= 0;
    return wellFormed ? { kind: 'unsubscribe', userId: u, category: c, channel: 'email', issuedAt: i as number } : null;
  }
  if (typeof n !== 'string' || typeof d !== 'string' || !ID.test(n) || !d.startsWith(`${n}.`) || !ID.test(d)) return null;
  if (k === 'o') return { kind: 'open', notificationId: n, deliveryId: d };
  if (k === 'c' && typeof u === 'string' && isTrackableUrl(u)) return { kind: 'click', notificationId: n, deliveryId: d, url: u };
  return null;
}
