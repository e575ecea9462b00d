import { deleteApp, initializeApp, type App, type Credential, type FirebaseError, type GoogleOAuthAccessToken } from 'firebase-admin/app';
import { getMessaging, type Message, type Messaging } from 'firebase-admin/messaging';
import { createSign, randomUUID } from 'node:crypto';
import { Agent, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ChannelProvider, OutboundMessage, SendResult } from './provider.port.js';
import { ProviderError, parseRetryAfter, providerTimeout } from './provider.port.js';

export interface FcmChannelOptions {
  serviceAccount: { project_id: string; client_email: string; private_key: string };
  /** Default https://fcm.googleapis.com. */
  endpoint?: string;
  /** Default https://oauth2.googleapis.com/token. */
  tokenUrl?: string;
  timeoutMs?: number;
  /** The firebase-admin app name; unique per channel by default. */
  appName?: string;
}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/**
 * firebase-admin's service-account credential always posts to oauth2.googleapis.com (it ignores
 * token_uri and httpAgent). A custom credential is the public seam: it signs the same RS256
 * JWT-bearer assertion and exchanges it at the configured token URL. Its ProviderError reaches
 * classify() as the `cause` of firebase-admin's app/invalid-credential.
 */
class ServiceAccountCredential implements Credential {
  constructor(
    private readonly account: FcmChannelOptions['serviceAccount'],
    private readonly tokenUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async getAccessToken(): Promise<GoogleOAuthAccessToken> {
    const now = Math.floor(Date.now() / 1000);
    const encode = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: this.account.client_email, scope: SCOPE, aud: this.tokenUrl, iat: now, exp: now + 3600 })}`;
    const assertion = `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(this.account.private_key, 'base64url')}`;
    let res: Response;
    try {
      res = await fetch(this.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ProviderError('retryable', 'oauth/unreachable', `token endpoint ${this.tokenUrl}: ${(error as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as Partial<GoogleOAuthAccessToken> & { error?: string; error_description?: string };
    if (!res.ok || typeof body.access_token !== 'string') {
      // invalid_grant / unauthorized_client: a wrong, revoked or disabled key, which no retry fixes.
      const kind = res.status === 429 || res.status >= 500 ? 'retryable' : 'permanent';
      throw new ProviderError(kind, `oauth/${body.error ?? res.status}`, `token exchange failed: HTTP ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim(), parseRetryAfter(res.headers.get('retry-after')), res.status);
    }
    return { access_token: body.access_token, expires_in: Number(body.expires_in ?? 3600) };
  }
}

/**
 * firebase-admin dials fcm.googleapis.com:443 through the app's httpAgent; this agent connects
 * to the configured endpoint instead. Node has already set the TLS servername from the request's
 * host, so the certificate is still checked for fcm.googleapis.com. Once closed it refuses new
 * connections, which ends firebase-admin's own retries of requests we have given up on.
 */
class EndpointAgent extends Agent {
  private closed = false;

  constructor(private readonly target: URL) {
    super({ keepAlive: true, maxSockets: 64 });
  }

  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    if (this.closed) {
      callback?.(new Error('FCM channel closed'), undefined as never);
      return undefined;
    }
    return super.createConnection({ ...options, host: this.target.hostname, port: Number(this.target.port || 443) }, callback);
  }

  close(): void {
    this.closed = true;
    this.destroy();
  }
}

/** Android, web and (through FCM) Apple push via firebase-admin's FCM HTTP v1 `messages:send`. */
export class FcmChannel implements ChannelProvider {
  readonly name = 'fcm';
  readonly queue = 'fcm' as const;
  private readonly app: App;
  private readonly messaging: Messaging;
  private readonly agent: EndpointAgent;
  private readonly timeoutMs: number;

  constructor(options: FcmChannelOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.agent = new EndpointAgent(new URL(options.endpoint ?? 'https://fcm.googleapis.com'));
    const credential = new ServiceAccountCredential(options.serviceAccount, options.tokenUrl ?? 'https://oauth2.googleapis.com/token', this.timeoutMs);
    this.app = initializeApp({ credential, projectId: options.serviceAccount.project_id, httpAgent: this.agent }, options.appName ?? `herald-fcm-${randomUUID()}`);
    this.messaging = getMessaging(this.app);
    // send() goes over HTTP/1.1 through httpAgent; sendEach()'s HTTP/2 path would take no agent, so it is switched off.
    this.messaging.enableLegacyHttpTransport();
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const target = message.target;
    if (target.channel !== 'push') throw new ProviderError('permanent', 'wrong_target', `FCM needs a push target, got ${target.channel}`);
    try {
      // firebase-admin has no per-call timeout (it uses 15 s, then retries), so the channel stops
      // waiting on its own; the abandoned request ends with the server's answer or on close().
      const name = await providerTimeout(this.messaging.send(toFcmMessage(message, target.token, target.platform)), this.timeoutMs, 'FCM');
      return { providerMessageId: name };
    } catch (error) {
      throw classify(error);
    }
  }

  async close(): Promise<void> {
    await deleteApp(this.app);
    this.agent.close();
  }
}

function toFcmMessage(m: OutboundMessage, token: string, platform: string): Message {
  const { title, body } = m.message;
  const notification = { ...(title !== undefined ? { title } : {}), ...(body !== undefined ? { body } : {}) };
  const visible = title !== undefined || body !== undefined;
  const sound = m.sound ?? 'default';
  return {
    token,
    ...(visible ? { notification } : {}),
    data: { ...(m.message.data ?? {}), deliveryId: m.deliveryId, notificationId: m.notificationId },
    android: {
      priority: m.priority === 'high' ? 'high' : 'normal',
      ...(m.ttlSeconds !== undefined ? { ttl: m.ttlSeconds * 1000 } : {}),
      ...(m.collapseKey ? { collapseKey: m.collapseKey } : {}),
      ...(visible ? { notification: { sound } } : {}),
    },
    webpush: {
      headers: { Urgency: m.priority, ...(m.ttlSeconds !== undefined ? { TTL: String(m.ttlSeconds) } : {}) },
      ...(visible ? { notification } : {}),
    },
    // FCM relays to APNs for Apple devices; only they need APNs headers and aps fields.
    ...(platform === 'ios' || platform === 'macos'
      ? {
          apns: {
            headers: {
              'apns-priority': m.priority === 'high' ? '10' : m.priority === 'normal' ? '5' : '1',
              ...(m.ttlSeconds !== undefined ? { 'apns-expiration': String(Math.floor(Date.now() / 1000) + m.ttlSeconds) } : {}),
              ...(m.collapseKey ? { 'apns-collapse-id': m.collapseKey } : {}),
            },
            payload: { aps: { ...(visible ? { sound } : {}), ...(m.badge !== undefined ? { badge: m.badge } : {}) } },
          },
        }
      : {}),
  };
}


const INVALID_TOKEN = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token', 'messaging/installation-id-not-registered']);
const RETRYABLE = new Set([
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/topics-message-rate-exceeded',
  'messaging/server-unavailable',
  'messaging/internal-error',
  'messaging/unknown-error',
  'app/network-error',
  'app/network-timeout',
]);

/**
 * By firebase-admin's code (it maps FCM's v1 errorCode/status to those):
 * - UNREGISTERED, and INVALID_ARGUMENT about the token, are a dead token.
 * - SENDER_ID_MISMATCH (and PERMISSION_DENIED, which the SDK maps to the same
 *   messaging/mismatched-credential) is permanent, not invalid_token: FCM's token-management guide
 *   lists only UNREGISTERED and INVALID_ARGUMENT as reasons to delete a token, and the usual cause
 *   is our own misconfigured project or key, which would otherwise wipe every device at once.
 * - THIRD_PARTY_AUTH_ERROR (APNs/web push credentials in the Firebase project) is permanent.
 * - QUOTA_EXCEEDED, UNAVAILABLE, INTERNAL and network errors are retryable, with Retry-After
 *   from the response firebase-admin keeps on the error. firebase-admin itself retries a 503
 *   (and connection resets) up to 4 times with backoff unless Retry-After exceeds 60 s.
 */
function classify(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const e = error as Partial<FirebaseError> & { cause?: unknown };
  const code = e?.code ?? 'unknown';
  const message = e?.message ?? String(error);
  if (e?.cause instanceof ProviderError) {
    const cause = e.cause;
    return new ProviderError(cause.kind, cause.code, message, cause.retryAfterMs, cause.httpStatus);
  }
  const status = e?.httpResponse?.status;
  if (INVALID_TOKEN.has(code) || (code === 'messaging/invalid-argument' && /registration token/i.test(message))) {
    return new ProviderError('invalid_token', code, message, undefined, status);
  }
  const retryable = RETRYABLE.has(code) || !(code.startsWith('messaging/') || code.startsWith('app/'));
  return new ProviderError(retryable ? 'retryable' : 'permanent', code, message, retryable ? parseRetryAfter(e?.httpResponse?.headers?.['retry-after']) : undefined, status);
}
