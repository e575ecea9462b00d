import { createPublicKey, generateKeyPairSync, randomUUID, verify, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Script, json, listenHttps, readBody } from './fake-server.js';

export interface FcmFailure {
  status: number;
  /** FCM v1 error code in details: UNREGISTERED, INVALID_ARGUMENT, QUOTA_EXCEEDED, UNAVAILABLE, INTERNAL, SENDER_ID_MISMATCH, THIRD_PARTY_AUTH_ERROR. */
  errorCode: string;
  message?: string;
  retryAfterSeconds?: number;
  /** Drop the connection instead of answering. */
  reset?: boolean;
}

export interface FcmRequest {
  at: number;
  token: string | undefined;
  /** From message.data.deliveryId. */
  deliveryId: string | undefined;
  message: Record<string, unknown> & { token?: string; data?: Record<string, string> };
  /** The answer's status; 0 when the connection was dropped. */
  status: number;
  /** The message name answered on success. */
  name?: string;
}

export interface FcmFakeOptions {
  projectId: string;
  publicKey: KeyObject | string;
  clientEmail: string;
  /** The URL clients reach the fake at, when not its own (behind a relay): the token's audience. */
  publicUrl?: string;
}

const STATUS_NAME: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };
const MESSAGES: Record<string, string> = {
  UNREGISTERED: 'Requested entity was not found.',
  INVALID_ARGUMENT: 'Request contains an invalid argument.',
  SENDER_ID_MISMATCH: 'SenderId mismatch',
  QUOTA_EXCEEDED: 'Quota exceeded for quota metric Send requests.',
  UNAVAILABLE: 'The service is currently unavailable.',
  INTERNAL: 'Internal error encountered.',
  THIRD_PARTY_AUTH_ERROR: 'Auth error from APNS or Web Push Service',
};
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/** A service account with a fresh RSA key, and the public half the fake verifies assertions with. */
export function fcmTestServiceAccount(projectId: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    serviceAccount: { project_id: projectId, client_email: `herald@${projectId}.iam.gserviceaccount.com`, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    publicKey,
  };
}

/** Checks a JWT-bearer assertion as Google's token endpoint does (RS256, iss, aud, scope, exp). */
function validAssertion(form: URLSearchParams, publicKey: KeyObject, clientEmail: string, tokenUrl: string): boolean {
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return false;
  const [h, p, s] = (form.get('assertion') ?? '').split('.');
  if (!h || !p || !s) return false;
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const now = Date.now() / 1000;
    return (
      header.alg === 'RS256' &&
      verify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url')) &&
      claims.iss === clientEmail &&
      claims.aud === tokenUrl &&
      String(claims.scope).split(' ').includes(SCOPE) &&
      claims.iat <= now + 60 &&
      claims.exp > now
    );
  } catch {
    return false;
  }
}

/** FCM's documented error body; errorCode null for errors without FcmError details (auth, permissions). */
function fcmError(res: ServerResponse, status: number, errorCode: string | null, message: string, headers: Record<string, string> = {}): void {
  const details = errorCode ? [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] : undefined;
  json(res, status, { error: { code: status, message, status: STATUS_NAME[status] ?? 'UNKNOWN', ...(details ? { details } : {}) } }, headers);
}

/**
 * FCM HTTP v1 `messages:send` plus the OAuth 2.0 JWT-bearer token exchange at `/token`, over
 * HTTPS. Scripted failures (failNext, failWhen, down) win over everything but the delay.
 */
export async function startFcmFake(fakeOptions: FcmFakeOptions) {
  const publicKey = typeof fakeOptions.publicKey === 'string' ? createPublicKey(fakeOptions.publicKey) : fakeOptions.publicKey;
  const { projectId, clientEmail } = fakeOptions;
  const requests: FcmRequest[] = [];
  const invalidTokens = new Set<string>();
  const issued = new Set<string>();
  const script = new Script<FcmFailure>();
  let predicate: ((request: FcmRequest) => FcmFailure | undefined) | null = null;
  let tokenRequests = 0;
  let url = '';
  const timers = new Set<NodeJS.Timeout>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => (timers.delete(timer), resolve()), ms);
      timers.add(timer);
    });

  const server = await listenHttps(async (req, res) => {
    const raw = (await readBody(req)).toString('utf8');
    if (req.method === 'POST' && req.url === '/token') {
      tokenRequests += 1;
      if (!validAssertion(new URLSearchParams(raw), publicKey, clientEmail, `${fakeOptions.publicUrl ?? url}/token`)) return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      const accessToken = `ya29.${randomUUID()}`;
      issued.add(accessToken);
      return json(res, 200, { access_token: accessToken, expires_in: 3600, token_type: 'Bearer' });
    }
    const match = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return fcmError(res, 404, null, 'Not Found');

    let body: { message?: FcmRequest['message'] } = {};
    try {
      body = JSON.parse(raw || '{}');
    } catch {
      // No message: INVALID_ARGUMENT below.
    }
    const entry: FcmRequest = { at: Date.now(), token: body.message?.token, deliveryId: body.message?.data?.deliveryId, message: body.message ?? {}, status: 0 };
    const fail = (status: number, errorCode: string | null, message: string, headers: Record<string, string> = {}) => {
      entry.status = status;
      requests.push(entry);
      fcmError(res, status, errorCode, message, headers);
    };

    if (script.delayMs) await pause(script.delayMs);
    const failure = script.pick({ path: req.url!, body }) ?? predicate?.(entry);
    if (failure?.reset) {
      requests.push(entry);
      return void req.socket.destroy();
    }
    if (failure) return fail(failure.status, failure.errorCode, failure.message ?? MESSAGES[failure.errorCode] ?? failure.errorCode, failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {});
    if (!issued.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) return fail(401, null, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    if (match[1] !== projectId) return fail(403, null, `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${match[1]}' (or it may not exist).`);
    if (!body.message) return fail(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unknown name "message".');
    if (!entry.token || !/^[\w:.-]{8,4096}$/.test(entry.token)) return fail(400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token');
    if (invalidTokens.has(entry.token)) return fail(404, 'UNREGISTERED', MESSAGES.UNREGISTERED!);
    entry.status = 200;
    entry.name = `projects/${projectId}/messages/${randomUUID()}`;
    requests.push(entry);
    json(res, 200, { name: entry.name });
  });
  url = server.url;

  return {
    url,
    tokenUrl: `${url}/token`,
    requests,
    invalidTokens,
    /** How many token exchanges were attempted (accepted or not). */
    get tokenRequests() {
      return tokenRequests;
    },
    failNext: (n: number, failure: FcmFailure) => script.failNext(n, failure),
    /** Fail the sends the predicate answers for (e.g. one token), until replaced or cleared with null. */
    failWhen: (p: ((request: FcmRequest) => FcmFailure | undefined) | null) => void (predicate = p),
    down: (failure: FcmFailure) => script.down(failure),
    up: () => script.up(),
    setDelay: (ms: number) => script.setDelay(ms),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await server.close();
    },
  };
}

export type FcmFake = Awaited<ReturnType<typeof startFcmFake>>;
