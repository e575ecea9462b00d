import { ApnsClient, ApnsError, Notification, Priority } from 'apns2';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { Pool, type Dispatcher } from 'undici';
import type { ChannelProvider, OutboundMessage, SendResult } from './provider.port.js';
import { ProviderError, parseRetryAfter, uuidFromDeliveryId } from './provider.port.js';

export interface ApnsChannelOptions {
  teamId: string;
  keyId: string;
  /** The .p8 signing key (PEM). */
  signingKey: string;
  /** The app's bundle id. */
  topic: string;
  endpoint: string;
  timeoutMs?: number;
}

/** APNs reasons that mean the token is dead (https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns). */
const INVALID_TOKEN = new Set(['Unregistered', 'BadDeviceToken', 'DeviceTokenNotForTopic', 'ExpiredToken']);
const RETRYABLE = new Set(['TooManyRequests', 'InternalServerError', 'ServiceUnavailable', 'Shutdown', 'IdleTimeout', 'ExpiredProviderToken', 'TooManyProviderTokenUpdates']);

const PRIORITY = { high: Priority.immediate, normal: Priority.throttled, low: Priority.low } as const;

/** Our delivery id, per request, for the interceptor that turns it into the apns-id header. */
const currentApnsId = new AsyncLocalStorage<string>();

/**
 * Push to Apple devices through apns2: it signs the ES256 provider token and maps APNs
 * answers to ApnsError. apns2 always dials `https://<host>:443` and sends no apns-id, so its
 * pool is replaced (a public property) by one for the configured endpoint, composed with an
 * interceptor that adds `apns-id` (a UUID derived from the delivery id) to each request.
 */
export class ApnsChannel implements ChannelProvider {
  readonly name = 'apns';
  readonly queue = 'apns' as const;
  private readonly client: ApnsClient;
  private readonly pool: Pool;

  constructor(private readonly options: ApnsChannelOptions) {
    const endpoint = new URL(options.endpoint);
    this.client = new ApnsClient({ team: options.teamId, keyId: options.keyId, signingKey: options.signingKey, defaultTopic: options.topic, host: endpoint.hostname, keepAlive: false });
    void this.client.client.close();
    this.pool = new Pool(endpoint.origin, { allowH2: true, connections: 4, maxConcurrentStreams: 100, headersTimeout: options.timeoutMs ?? 10_000, bodyTimeout: options.timeoutMs ?? 10_000 });
    const withApnsId: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
      const id = currentApnsId.getStore();
      return dispatch(id ? { ...opts, headers: { ...(opts.headers as Record<string, string>), 'apns-id': id } } : opts, handler);
    };
    Object.defineProperty(this.client, 'client', { value: this.pool.compose(withApnsId) });
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (message.target.channel !== 'push') throw new ProviderError('permanent', 'wrong_target', `APNs needs a push target, got ${message.target.channel}`);
    const { title, body, data } = message.message;
    const apnsId = uuidFromDeliveryId(message.deliveryId, (s) => createHash('sha256').update(s).digest('hex'));
    const notification = new Notification(message.target.token, {
      alert: { title: title ?? '', body: body ?? '' },
      ...(message.badge !== undefined ? { badge: message.badge } : {}),
      sound: message.sound ?? 'default',
      data: { ...(data ?? {}), herald: { deliveryId: message.deliveryId, notificationId: message.notificationId } },
      priority: PRIORITY[message.priority],
      ...(message.collapseKey ? { collapseId: message.collapseKey } : {}),
      ...(message.ttlSeconds !== undefined ? { expiration: Math.floor(Date.now() / 1000) + message.ttlSeconds } : {}),
    });
    try {
      await currentApnsId.run(apnsId, () => this.client.send(notification));
      return { providerMessageId: apnsId };
    } catch (error) {
      throw classify(error);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function classify(error: unknown): ProviderError {
  if (error instanceof ApnsError) {
    const reason = error.reason;
    const status = error.statusCode;
    if (status === 410 || INVALID_TOKEN.has(reason)) return new ProviderError('invalid_token', reason, `APNs ${status} ${reason}`, undefined, status);
    if (status === 429 || status >= 500 || RETRYABLE.has(reason)) {
      const retryAfter = (error as ApnsError & { retryAfter?: string }).retryAfter;
      return new ProviderError('retryable', reason, `APNs ${status} ${reason}`, parseRetryAfter(retryAfter), status);
    }
    return new ProviderError('permanent', reason, `APNs ${status} ${reason}`, undefined, status);
  }
  const e = error as Error & { code?: string };
  return new ProviderError('retryable', e?.code ?? 'network', e?.message ?? String(error));
}
