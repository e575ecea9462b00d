import { createPublicKey, generateKeyPairSync, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createSecureServer, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { Script } from './fake-server.js';
import { testTls } from './tls.js';

export interface ApnsFailure {
  status: number;
  reason: string;
  retryAfterSeconds?: number;
  /** Drop the connection instead of answering. */
  reset?: boolean;
}

export interface ApnsRequest {
  at: number;
  token: string;
  apnsId: string | undefined;
  /** From the payload's herald.deliveryId. */
  deliveryId: string | undefined;
  headers: Record<string, string>;
  body: { aps?: Record<string, unknown>; herald?: { deliveryId?: string; notificationId?: string } } & Record<string, unknown>;
  /** The answer's status; 0 when the connection was dropped. */
  status: number;
}

export interface ApnsFakeOptions {
  publicKey: KeyObject | string;
  teamId: string;
  keyId: string;
  topic: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_PAYLOAD = 4096;

/** A .p8-style signing key (PKCS#8 PEM, P-256) and its public half. */
export function apnsTestKey(): { privateKeyPem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

/** Checks the ES256 provider token as APNs does; the reason APNs would give, or null when it is valid. */
function providerTokenProblem(authorization: string | undefined, options: ApnsFakeOptions & { publicKey: KeyObject }): string | null {
  if (!authorization) return 'MissingProviderToken';
  const [h, p, s] = (authorization.startsWith('bearer ') ? authorization.slice(7) : '').split('.');
  if (!h || !p || !s) return 'InvalidProviderToken';
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const signed = verify('sha256', Buffer.from(`${h}.${p}`), { key: options.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
    if (!signed || header.alg !== 'ES256' || header.kid !== options.keyId || claims.iss !== options.teamId) return 'InvalidProviderToken';
    const age = Date.now() / 1000 - Number(claims.iat);
    if (!(age > -60)) return 'InvalidProviderToken';
    return age > 3600 ? 'ExpiredProviderToken' : null;
  } catch {
    return 'InvalidProviderToken';
  }
}

/** The first request rule APNs would break, as [status, reason]. */
function validate(entry: ApnsRequest, raw: Buffer, method: string, path: string, options: ApnsFakeOptions & { publicKey: KeyObject }): [number, string] | null {
  const h = entry.headers;
  if (method !== 'POST') return [405, 'MethodNotAllowed'];
  if (!path.startsWith('/3/device/')) return [404, 'BadPath'];
  const auth = providerTokenProblem(h.authorization, options);
  if (auth) return [403, auth];
  if (!h['apns-topic']) return [400, 'MissingTopic'];
  if (h['apns-topic'] !== options.topic) return [400, 'BadTopic'];
  if (h['apns-id'] !== undefined && !UUID.test(h['apns-id'])) return [400, 'BadMessageId'];
  if (h['apns-priority'] !== undefined && !['1', '5', '10'].includes(h['apns-priority'])) return [400, 'BadPriority'];
  if (h['apns-collapse-id'] !== undefined && Buffer.byteLength(h['apns-collapse-id']) > 64) return [400, 'BadCollapseId'];
  if (h['apns-expiration'] !== undefined && !/^\d+$/.test(h['apns-expiration'])) return [400, 'BadExpirationDate'];
  if (!entry.token) return [400, 'MissingDeviceToken'];
  if (!/^[0-9a-fA-F]{64,200}$/.test(entry.token)) return [400, 'BadDeviceToken'];
  if (raw.length > MAX_PAYLOAD) return [413, 'PayloadTooLarge'];
  if (!entry.body.aps || typeof entry.body.aps !== 'object') return [400, 'PayloadEmpty'];
  return null;
}

/**
 * APNs' HTTP/2 provider API (`POST /3/device/:token`) over TLS: verifies the provider token,
 * topic and headers, records every request, and answers as APNs documents. Scripted failures
 * (failNext, failWhen, down) win over everything but the delay.
 */
export async function startApnsFake(fakeOptions: ApnsFakeOptions) {
  const options = { ...fakeOptions, publicKey: typeof fakeOptions.publicKey === 'string' ? createPublicKey(fakeOptions.publicKey) : fakeOptions.publicKey };
  const requests: ApnsRequest[] = [];
  const invalidTokens = new Set<string>();
  const script = new Script<ApnsFailure>();
  let predicate: ((request: ApnsRequest) => ApnsFailure | undefined) | null = null;
  const sessions = new Set<ServerHttp2Session>();
  const timers = new Set<NodeJS.Timeout>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => (timers.delete(timer), resolve()), ms);
      timers.add(timer);
    });

  const handle = async (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const path = String(headers[':path'] ?? '');
    const plain = Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith(':')).map(([k, v]) => [k, String(v)]));
    let body: ApnsRequest['body'] = {};
    try {
      body = JSON.parse(raw.toString() || '{}');
    } catch {
      // An unparseable payload has no aps: PayloadEmpty below.
    }
    const token = decodeURIComponent(path.replace(/^\/3\/device\//, ''));
    const entry: ApnsRequest = { at: Date.now(), token, apnsId: plain['apns-id'], deliveryId: body.herald?.deliveryId, headers: plain, body, status: 0 };
    const answer = (status: number, reason?: string, extra: Record<string, string> = {}) => {
      entry.status = status;
      requests.push(entry);
      if (stream.destroyed || stream.closed) return;
      stream.respond({ ':status': status, 'apns-id': entry.apnsId ?? randomUUID(), ...(reason ? { 'content-type': 'application/json' } : {}), ...extra });
      stream.end(reason ? JSON.stringify({ reason, ...(status === 410 ? { timestamp: Date.now() } : {}) }) : undefined);
    };

    if (script.delayMs) await pause(script.delayMs);
    const failure = script.pick({ path, body }) ?? predicate?.(entry);
    if (failure?.reset) {
      requests.push(entry);
      return void stream.session?.destroy();
    }
    if (failure) return answer(failure.status, failure.reason, failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {});
    const problem = validate(entry, raw, String(headers[':method']), path, options);
    if (problem) return answer(...problem);
    if (invalidTokens.has(token)) return answer(410, 'Unregistered');
    answer(200);
  };

  const tls = testTls();
  const server = createSecureServer({ key: tls.key, cert: tls.cert });
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    handle(stream, headers).catch(() => stream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    invalidTokens,
    failNext: (n: number, failure: ApnsFailure) => script.failNext(n, failure),
    /** Fail the requests the predicate answers for (e.g. one token), until replaced or cleared with null. */
    failWhen: (p: ((request: ApnsRequest) => ApnsFailure | undefined) | null) => void (predicate = p),
    down: (failure: ApnsFailure) => script.down(failure),
    up: () => script.up(),
    setDelay: (ms: number) => script.setDelay(ms),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

export type ApnsFake = Awaited<ReturnType<typeof startApnsFake>>;
