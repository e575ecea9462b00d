import { generateKeyPairSync, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createSecureServer, type ServerHttp2Stream } from 'node:http2';
import { Script, sleep } from './fake-server.js';
import { testTls } from './tls.js';

export interface ApnsFailure {
  status: number;
  reason: string;
  retryAfterSeconds?: number;
}

export interface ApnsRequest {
  at: number;
  token: string;
  apnsId: string | undefined;
  deliveryId: string | undefined;
  headers: Record<string, string>;
  body: { aps?: Record<string, unknown>; herald?: { deliveryId?: string } } & Record<string, unknown>;
  status: number;
}

/** A .p8-style signing key (PKCS#8 PEM, P-256) and its public half. */
export function apnsTestKey(): { privateKeyPem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

/** Verifies an ES256 provider token as APNs does: signature, kid, iss, and a recent iat. */
function validToken(authorization: string | undefined, options: { publicKey: KeyObject; teamId: string; keyId: string }): boolean {
  const token = authorization?.startsWith('bearer ') ? authorization.slice(7) : '';
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return false;
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const signed = verify('sha256', Buffer.from(`${h}.${p}`), { key: options.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
    return signed && header.alg === 'ES256' && header.kid === options.keyId && claims.iss === options.teamId && Math.abs(Date.now() / 1000 - claims.iat) < 3600;
  } catch {
    return false;
  }
}

/** APNs' HTTP/2 provider API (`POST /3/device/:token`) over TLS, with its documented answers. */
export async function startApnsFake(options: { publicKey: KeyObject; teamId: string; keyId: string; topic: string }) {
  const requests: ApnsRequest[] = [];
  const script = new Script<ApnsFailure>();
  const invalidTokens = new Set<string>();
  const tls = testTls();
  const server = createSecureServer({ key: tls.key, cert: tls.cert });
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream: ServerHttp2Stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', async () => {
      const path = String(headers[':path'] ?? '');
      const token = decodeURIComponent(path.replace(/^\/3\/device\//, ''));
      let body: ApnsRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      } catch {
        body = {};
      }
      const plainHeaders = Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith(':')).map(([k, v]) => [k, String(v)]));
      const entry: ApnsRequest = { at: Date.now(), token, apnsId: plainHeaders['apns-id'], deliveryId: body.herald?.deliveryId, headers: plainHeaders, body, status: 200 };
      const answer = (status: number, reason?: string, extra: Record<string, string> = {}) => {
        entry.status = status;
        requests.push(entry);
        if (stream.destroyed) return;
        const apnsId = plainHeaders['apns-id'] ?? randomUUID();
        stream.respond({ ':status': status, 'apns-id': apnsId, ...(reason ? { 'content-type': 'application/json' } : {}), ...extra });
        stream.end(reason ? JSON.stringify({ reason, ...(status === 410 ? { timestamp: Date.now() } : {}) }) : undefined);
      };
      if (script.delayMs) await sleep(script.delayMs);
      if (headers[':method'] !== 'POST' || !path.startsWith('/3/device/')) return answer(405, 'MethodNotAllowed');
      if (!validToken(plainHeaders.authorization, options)) return answer(403, 'InvalidProviderToken');
      if (plainHeaders['apns-topic'] !== options.topic) return answer(400, 'BadTopic');
      if (!/^[0-9a-fA-F]{64,200}$/.test(token)) return answer(400, 'BadDeviceToken');
      if (!body.aps) return answer(400, 'PayloadEmpty');
      if (invalidTokens.has(token)) return answer(410, 'Unregistered');
      const failure = script.pick({ path, body });
      if (failure) return answer(failure.status, failure.reason, failure.retryAfterSeconds ? { 'retry-after': String(failure.retryAfterSeconds) } : {});
      answer(200);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    invalidTokens,
    failNext: script.failNext.bind(script),
    failWhen: script.failWhen.bind(script),
    down: script.down.bind(script),
    up: script.up.bind(script),
    setDelay: script.setDelay.bind(script),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
