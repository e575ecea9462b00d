import { deleteApp, initializeApp, type App, type Credential } from 'firebase-admin/app';
import { getMessaging, type Messaging } from 'firebase-admin/messaging';
import { createSign, randomUUID } from 'node:crypto';
import { Agent, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect, type ConnectionOptions } from 'node:tls';
import type { ChannelProvider, OutboundMessage, SendResult } from './provider.port.js';
import { ProviderError } from './provider.port.js';

export interface FcmChannelOptions {
  serviceAccount: { project_id: string; client_email: string; private_key: string };
  endpoint: string;
  tokenUrl: string;
  timeoutMs?: number;
}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/**
 * firebase-admin ignores a service account's token_uri: this credential exchanges the
 * service account's signed JWT (RS256) at the configured token URL instead.
 */
class ServiceAccountCredential implements Credential {
  constructor(private readonly account: FcmChannelOptions['serviceAccount'], private readonly tokenUrl: string) {}

  async getAccessToken(): Promise<{ access_token: string; expires_in: number }> {
    const now = Math.floor(Date.now() / 1000);
    const encode = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: this.account.client_email, scope: SCOPE, aud: this.tokenUrl, iat: now, exp: now + 3600 })}`;
    const signature = createSign('RSA-SHA256').update(unsigned).sign(this.account.private_key, 'base64url');
    const res = await fetch(this.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}` }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new ProviderError(res.status >= 500 ? 'retryable' : 'permanent', 'oauth', `token exchange failed: HTTP ${res.status}`);
    return (await res.json()) as { access_token: string; expires_in: number };
  }
}

/**
 * firebase-admin dials fcm.googleapis.com; this agent connects to the configured endpoint
 * instead while keeping the original server name for TLS, so a region, a proxy or a test
 * server can stand in.
 */
class EndpointAgent extends Agent {
  constructor(private readonly target: URL) {
    super({ keepAlive: true, maxSockets: 64 });
  }

  override createConnection(options: RequestOptions): Duplex {
    const tlsOptions = options as ConnectionOptions & { host?: string };
    return connect({ ...tlsOptions, host: this.target.hostname, port: Number(this.target.port || 443), servername: tlsOptions.servername ?? tlsOptions.host ?? undefined });
  }
}

/** Android and web push through firebase-admin (FCM HTTP v1). */
export class FcmChannel implements ChannelProvider {
  readonly name = 'fcm';
  readonly queue = 'fcm' as const;
  private readonly app: App;
  private readonly messaging: Messaging;
  private readonly agent: EndpointAgent;

  constructor(private readonly options: FcmChannelOptions) {
    this.agent = new EndpointAgent(new URL(options.endpoint));
    this.app = initializeApp(
      { credential: new ServiceAccountCredential(options.serviceAccount, options.tokenUrl), projectId: options.serviceAccount.project_id, httpAgent: this.agent },
      `herald-fcm-${randomUUID()}`,
    );
    this.messaging = getMessaging(this.app);
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (message.target.channel !== 'push') throw new ProviderError('permanent', 'wrong_target', `FCM needs a push target, got ${message.target.channel}`);
    const { title, body } = message.message;
    const data = { ...(message.message.data ?? {}), deliveryId: message.deliveryId, notificationId: message.notificationId };
    const notification = { ...(title !== undefined ? { title } : {}), ...(body !== undefined ? { body } : {}) };
    const ttlMs = message.ttlSeconds !== undefined ? message.ttlSeconds * 1000 : undefined;
    try {
      const name = await withTimeout(
        this.messaging.send({
          token: message.target.token,
          notification,
          data,
          android: {
            priority: message.priority === 'high' ? 'high' : 'normal',
            ...(ttlMs !== undefined ? { ttl: ttlMs } : {}),
            ...(message.collapseKey ? { collapseKey: message.collapseKey } : {}),
            notification: { sound: message.sound ?? 'default' },
          },
          webpush: {
            headers: { Urgency: message.priority === 'high' ? 'high' : message.priority === 'low' ? 'low' : 'normal', ...(message.ttlSeconds !== undefined ? { TTL: String(message.ttlSeconds) } : {}), ...(message.collapseKey ? { Topic: message.collapseKey.slice(0, 32) } : {}) },
            notification,
          },
        }),
        this.options.timeoutMs ?? 10_000,
      );
      return { providerMessageId: name };
    } catch (error) {
      throw classify(error);
    }
  }

  async close(): Promise<void> {
    await deleteApp(this.app);
    this.agent.destroy();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ProviderError('retryable', 'timeout', `no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * firebase-admin maps FCM v1 errors to its own codes. UNREGISTERED, and INVALID_ARGUMENT about
 * the token, mean a dead token; SENDER_ID_MISMATCH (mismatched-credential) means the token
 * belongs to another sender: it will never work for us either, so it is invalidated too.
 */
function classify(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const code = String((error as { code?: string })?.code ?? 'unknown');
  const message = (error as Error)?.message ?? String(error);
  const tokenProblem = code === 'messaging/invalid-argument' && /registration token/i.test(message);
  if (['messaging/registration-token-not-registered', 'messaging/invalid-registration-token', 'messaging/mismatched-credential'].includes(code) || tokenProblem) {
    return new ProviderError('invalid_token', code, message);
  }
  if (['messaging/message-rate-exceeded', 'messaging/device-message-rate-exceeded', 'messaging/server-unavailable', 'messaging/internal-error', 'messaging/unknown-error', 'app/network-error', 'app/network-timeout'].includes(code)) {
    return new ProviderError('retryable', code, message);
  }
  if (code.startsWith('messaging/') || code.startsWith('app/')) return new ProviderError('permanent', code, message);
  return new ProviderError('retryable', code, message);
}
