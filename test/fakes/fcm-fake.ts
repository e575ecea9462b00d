import { generateKeyPairSync, randomUUID, verify, type KeyObject } from 'node:crypto';
import { Script, json, listenHttps, readBody, sleep } from './fake-server.js';

export interface FcmFailure {
  status: number;
  /** FCM v1 error code in details: UNREGISTERED, INVALID_ARGUMENT, QUOTA_EXCEEDED, UNAVAILABLE, INTERNAL, SENDER_ID_MISMATCH, THIRD_PARTY_AUTH_ERROR. */
  errorCode: string;
  message?: string;
  retryAfterSeconds?: number;
}

export interface FcmRequest {
  at: number;
  token: string | undefined;
  deliveryId: string | undefined;
  message: Record<string, unknown>;
  status: number;
}

const STATUS_NAME: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

export function fcmTestServiceAccount(projectId: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    serviceAccount: { project_id: projectId, client_email: `herald@${projectId}.iam.gserviceaccount.com`, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    publicKey,
  };
}

/** FCM HTTP v1 `messages:send` plus the OAuth 2.0 JWT-bearer token exchange, as documented. */
export async function startFcmFake(options: { projectId: string; publicKey: KeyObject; clientEmail: string }) {
  const requests: FcmRequest[] = [];
  const script = new Script<FcmFailure>();
  const invalidTokens = new Set<string>();
  const issued = new Set<string>();
  let tokenRequests = 0;
  let url = '';
  const server = await listenHttps(async (req, res) => {
    const raw = (await readBody(req)).toString('utf8');
    if (req.method === 'POST' && req.url === '/token') {
      tokenRequests += 1;
      const form = new URLSearchParams(raw);
      const [h, p, s] = (form.get('assertion') ?? '').split('.');
      try {
        const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
        const ok = verify('sha256', Buffer.from(`${h}.${p}`), options.publicKey, Buffer.from(s!, 'base64url'));
        if (!ok || claims.iss !== options.clientEmail || claims.aud !== `${url}/token` || form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') throw new Error('bad assertion');
      } catch {
        return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      }
      const token = `ya29.${randomUUID()}`;
      issued.add(token);
      return json(res, 200, { access_token: token, expires_in: 3600, token_type: 'Bearer' });
    }
    const match = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return json(res, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
    const fail = (status: number, errorCode: string, message: string, headers: Record<string, string> = {}) => {
      entry.status = status;
      requests.push(entry);
      json(res, status, { error: { code: status, message, status: STATUS_NAME[status] ?? 'UNKNOWN', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] } }, headers);
    };
    const body = JSON.parse(raw || '{}') as { message?: Record<string, unknown> & { token?: string; data?: Record<string, string> } };
    const entry: FcmRequest = { at: Date.now(), token: body.message?.token, deliveryId: body.message?.data?.deliveryId, message: body.message ?? {}, status: 200 };
    if (script.delayMs) await sleep(script.delayMs);
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!issued.has(bearer)) return fail(401, 'THIRD_PARTY_AUTH_ERROR', 'Request had invalid authentication credentials.');
    if (match[1] !== options.projectId) return fail(403, 'SENDER_ID_MISMATCH', 'SenderId mismatch');
    if (!entry.token || !/^[\w:.-]{8,4096}$/.test(entry.token)) return fail(400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token');
    if (invalidTokens.has(entry.token)) return fail(404, 'UNREGISTERED', 'Requested entity was not found.');
    const failure = script.pick({ path: req.url!, body });
    if (failure) return fail(failure.status, failure.errorCode, failure.message ?? failure.errorCode, failure.retryAfterSeconds ? { 'retry-after': String(failure.retryAfterSeconds) } : {});
    requests.push(entry);
    json(res, 200, { name: `projects/${options.projectId}/messages/${randomUUID()}` });
  });
  url = server.url;
  return {
    ...server,
    tokenUrl: `${server.url}/token`,
    requests,
    invalidTokens,
    tokenRequests: () => tokenRequests,
    failNext: script.failNext.bind(script),
    failWhen: script.failWhen.bind(script),
    down: script.down.bind(script),
    up: script.up.bind(script),
    setDelay: script.setDelay.bind(script),
  };
}
