import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, randomUUID, verify, type ECDH } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Script, json, listenHttps, readBody, sleep } from './fake-server.js';

export interface WebPushFailure {
  /** The HTTP status to answer: 404/410 expired, 413 too large, 429, 5xx. */
  status: number;
  retryAfterSeconds?: number;
  /** Or drop the connection without answering. */
  reset?: boolean;
  /** Or never answer. */
  hang?: boolean;
}

export interface WebPushRequest {
  at: number;
  /** The subscription id, the last path segment of its endpoint. */
  subscription: string;
  ttl: string | undefined;
  urgency: string | undefined;
  topic: string | undefined;
  contentEncoding: string | undefined;
  /** The encrypted body's length. */
  bodyBytes: number;
  /** The VAPID JWT's claims, once its signature checked out. */
  vapid: { aud: string; exp: number; sub: string } | undefined;
  /** The payload as the browser would decrypt it with the subscription's private key. */
  payload: string | undefined;
  /** Why the request was refused, if it was. */
  error: string | undefined;
  /** The HTTP status answered; 0 until answered, and when the connection was dropped. */
  status: number;
}

interface Subscriber {
  ecdh: ECDH;
  publicKey: Buffer;
  auth: Buffer;
  /** Unsubscribed: the push service answers 410 Gone. */
  gone: boolean;
}

/** RFC 8188 and 8291: the salt, record size, key id length and the sender's 65-byte public key. */
const HEADER_BYTES = 86;
const MAX_BODY_BYTES = 4096;
const MAX_JWT_LIFETIME_S = 24 * 3600;

const rawP256Key = (point: Buffer) =>
  createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') }, format: 'jwk' });

/**
 * RFC 8292: `Authorization: vapid t=<JWT>, k=<public key>`. The JWT is ES256, signed by the key in
 * `k`, which must be the application server key the subscription was made with; `aud` is the
 * push resource's origin, `exp` at most 24 hours ahead, `sub` a mailto: or https: contact.
 */
function checkVapid(header: string | undefined, applicationServerKey: string, origin: string): { aud: string; exp: number; sub: string } {
  const match = /^vapid\s+t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match) throw new Error('401 Authorization is not "vapid t=..., k=..."');
  const [, token, key] = match as unknown as [string, string, string];
  if (key !== applicationServerKey) throw new Error('403 k is not the key this subscription was made with');
  const [encodedHeader, encodedClaims, signature] = token.split('.');
  if (!encodedHeader || !encodedClaims || !signature) throw new Error('401 the JWT does not have three parts');
  const jwtHeader = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString()) as { alg?: string };
  if (jwtHeader.alg !== 'ES256') throw new Error(`401 JWT alg ${jwtHeader.alg}, not ES256`);
  const signed = verify('sha256', Buffer.from(`${encodedHeader}.${encodedClaims}`), { key: rawP256Key(Buffer.from(key, 'base64url')), dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!signed) throw new Error('401 the JWT signature does not verify with k');
  const claims = JSON.parse(Buffer.from(encodedClaims, 'base64url').toString()) as { aud?: string; exp?: number; sub?: string };
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud !== origin) throw new Error(`401 aud ${claims.aud} is not ${origin}`);
  if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + MAX_JWT_LIFETIME_S) throw new Error(`401 exp ${claims.exp} is not within the next 24 hours`);
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) throw new Error(`401 sub ${claims.sub} is not a mailto: or https: contact`);
  return { aud: claims.aud, exp: claims.exp, sub: claims.sub };
}

/** What PushSubscription.toJSON() gives the page. */
export interface BrowserSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * RFC 8291 section 3 decryption, as the browser does it: ECDH of the subscription's private key
 * with the sender's key from the header, HKDF with the auth secret into the IKM, then the
 * RFC 8188 content key and nonce from the salt; one AES-128-GCM record, padding delimiter 0x02.
 */
export function decryptPushMessage(body: Buffer, subscriber: Pick<Subscriber, 'ecdh' | 'publicKey' | 'auth'>): string {
  if (body.length < HEADER_BYTES + 17) throw new Error('400 body shorter than an aes128gcm header and tag');
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const keyIdLength = body[20]!;
  if (keyIdLength !== 65) throw new Error(`400 keyid is ${keyIdLength} bytes, not the sender's 65-byte public key`);
  const senderKey = body.subarray(21, 86);
  const record = body.subarray(HEADER_BYTES);
  if (record.length > recordSize) throw new Error('400 more than one record');
  const shared = subscriber.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), subscriber.publicKey, senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, subscriber.auth, keyInfo, 32));
  const contentKey = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', contentKey, nonce);
  decipher.setAuthTag(record.subarray(-16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, -16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error('400 no last-record padding delimiter');
  return padded.subarray(0, end).toString('utf8');
}

const header = (headers: IncomingHttpHeaders, name: string) => [headers[name] ?? []].flat()[0];

/**
 * A push service (RFC 8030) as a browser's would behave: subscriptions it hands out (the key
 * pair and auth secret stay here, as in the browser), `POST /push/:id` checked for VAPID,
 * TTL and aes128gcm, decrypted, and answered 201 with the message's Location. Scripted
 * failures come first; then 404 for an unknown subscription, 410 for one that unsubscribed,
 * 413 over 4096 bytes.
 */
export async function startWebPushFake(options: { applicationServerKey: string }) {
  const requests: WebPushRequest[] = [];
  const script = new Script<WebPushFailure>();
  const subscribers = new Map<string, Subscriber>();
  let origin = '';
  const server = await listenHttps(async (req, res) => {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', origin).pathname;
    const match = /^\/push\/([A-Za-z0-9_-]+)$/.exec(path);
    if (req.method !== 'POST' || !match) return json(res, 404, { error: 'not found' });
    const record: WebPushRequest = {
      at: Date.now(), subscription: match[1]!, ttl: header(req.headers, 'ttl'), urgency: header(req.headers, 'urgency'), topic: header(req.headers, 'topic'),
      contentEncoding: header(req.headers, 'content-encoding'), bodyBytes: body.length, vapid: undefined, payload: undefined, error: undefined, status: 0,
    };
    requests.push(record);
    const answer = (status: number, error?: string, headers: Record<string, string> = {}) => {
      Object.assign(record, { status, error });
      if (status === 201) res.writeHead(201, { location: `${origin}/message/${randomUUID()}`, ...headers }).end();
      else json(res, status, { code: status, error: error ?? 'scripted failure' }, headers);
    };

    if (script.delayMs) await sleep(script.delayMs);
    const failure = script.pick({ path, body: {} });
    if (failure?.reset) return void req.socket.destroy();
    if (failure?.hang) return;
    if (failure) return answer(failure.status, undefined, failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {});
    const subscriber = subscribers.get(record.subscription);
    if (!subscriber) return answer(404, 'no such subscription');
    if (subscriber.gone) return answer(410, 'the subscription has expired or been unsubscribed');
    if (body.length > MAX_BODY_BYTES) return answer(413, `${body.length} bytes is more than ${MAX_BODY_BYTES}`);
    try {
      record.vapid = checkVapid(header(req.headers, 'authorization'), options.applicationServerKey, origin);
      if (record.ttl === undefined || !/^\d+$/.test(record.ttl)) throw new Error('400 TTL header missing');
      if (record.contentEncoding !== 'aes128gcm') throw new Error(`415 Content-Encoding ${record.contentEncoding}, not aes128gcm`);
      record.payload = decryptPushMessage(body, subscriber);
    } catch (error) {
      const message = (error as Error).message;
      const status = Number(/^(\d{3}) /.exec(message)?.[1] ?? 400);
      return answer(status, message);
    }
    answer(201);
  });
  origin = server.url;
  const subscribeWithNewKeys = (endpoint: string): BrowserSubscription => {
    const ecdh = createECDH('prime256v1');
    const publicKey = ecdh.generateKeys();
    const auth = randomBytes(16);
    subscribers.set(endpoint.slice(endpoint.lastIndexOf('/') + 1), { ecdh, publicKey, auth, gone: false });
    return { endpoint, keys: { p256dh: publicKey.toString('base64url'), auth: auth.toString('base64url') } };
  };
  return {
    ...server,
    requests,
    /** A new subscription, as PushSubscription.toJSON() gives it to the page. */
    subscribe(): BrowserSubscription {
      return subscribeWithNewKeys(`${origin}/push/${randomBytes(12).toString('base64url')}`);
    },
    /** The browser subscribed again: same endpoint, new keys; only the new keys decrypt from now on. */
    resubscribe(endpoint: string): BrowserSubscription {
      return subscribeWithNewKeys(endpoint);
    },
    /** The user withdrew the permission (or the browser expired the subscription): 410 from now on. */
    unsubscribe(endpoint: string): void {
      subscribers.get(endpoint.slice(endpoint.lastIndexOf('/') + 1))!.gone = true;
    },
    failNext: script.failNext.bind(script),
    failWhen: script.failWhen.bind(script),
    down: script.down.bind(script),
    up: script.up.bind(script),
    setDelay: script.setDelay.bind(script),
  };
}

/** An application server key pair, base64url as VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY take it. */
export function vapidTestKeys(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  // A private key with leading zero bytes comes out shorter: VAPID wants all 32.
  return { publicKey: ecdh.getPublicKey('base64url'), privateKey: Buffer.from(ecdh.getPrivateKey('hex').padStart(64, '0'), 'hex').toString('base64url') };
}
