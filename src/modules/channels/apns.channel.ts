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
  /** https://api.push.apple.com, https://api.sandbox.push.apple.com, or a stand-in such as a test server. */
  endpoint: string;
  timeoutMs?: number;
}

/**
 * APNs reasons by what they mean for the delivery
 * (https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns).
 * Any 410 is a dead token too; any other 429/5xx is retryable; the rest of 4xx is permanent.
 */
const INVALID_TOKEN = new Set(['Unregistered', 'BadDeviceToken', 'DeviceTokenNotForTopic', 'ExpiredToken']);
/** ExpiredProviderToken: apns2 drops its cached JWT on this answer, so the next attempt signs a fresh one. */
const RETRYABLE = new Set(['TooManyRequests', 'InternalServerError', 'ServiceUnavailable', 'Shutdown', 'IdleTimeout', 'ExpiredProviderToken', 'TooManyProviderTokenUpdates']);

const PRIORITY = { high: Priority.immediate, normal: Priority.throttled, low: Priority.low } as const;

/** What one send puts on the wire beyond what apns2 sends, and the response headers apns2 drops. */
interface Exchange {
  apnsId: string;
  responseApnsId?: string;
  retryAfter?: string;
}

/**
 * apns2 neither sends apns-id nor returns response headers (send() resolves with the
 * Notification; ApnsError carries only status and body). Its only HTTP seam is the undici pool
 * it calls `request()` on, so that pool is composed with this interceptor. The interceptor runs
 * synchronously inside `request()`, i.e. inside the AsyncLocalStorage scope that send() opens
 * around `client.send()`, which is how it knows which delivery the request belongs to.
 */
const exchanges = new AsyncLocalStorage<Exchange>();

const apnsExchange: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
  const exchange = exchanges.getStore();
  if (!exchange) return dispatch(opts, handler);
  // apns2 always passes its headers as a plain object.
  const headers = { ...(opts.headers as Record<string, string>), 'apns-id': exchange.apnsId };
  return dispatch({ ...opts, headers }, {
    onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
    onResponseStart: (controller, status, responseHeaders, statusMessage) => {
      exchange.responseApnsId = first(responseHeaders['apns-id']);
      exchange.retryAfter = first(responseHeaders['retry-after']);
      handler.onResponseStart?.(controller, status, responseHeaders, statusMessage);
    },
    onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
    onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
    onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
  });
};

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Push to Apple devices through apns2, which signs the ES256 provider token (kid, iss=team,
 * renewed every 55 minutes and on ExpiredProviderToken) and turns APNs answers into ApnsError.
 * apns2 always dials `https://<host>:443`, so its pool (a public property) is replaced by one for
 * the configured endpoint, composed with the apns-id interceptor above.
 */
export class ApnsChannel implements ChannelProvider {
  readonly name = 'apns';
  readonly queue = 'apns' as const;
  private readonly client: ApnsClient;

  constructor(options: ApnsChannelOptions) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.client = new ApnsClient({ team: options.teamId, keyId: options.keyId, signingKey: options.signingKey, defaultTopic: options.topic });
    // apns2 opened a pool to <host>:443 that is never used (it has no connections yet).
    void this.client.client.close();
    // HTTP/2 streams share a few connections; undici only multiplexes up to `pipelining` requests per connection.
    const pool = new Pool(new URL(options.endpoint).origin, {
      allowH2: true,
      connections: 4,
      pipelining: 100,
      maxConcurrentStreams: 100,
      connect: { timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    // `client` is readonly in apns2's types only; ping() and close() keep working on the composed pool.
    (this.client as { client: Dispatcher }).client = pool.compose(apnsExchange);
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const target = message.target;
    if (target.channel !== 'push') throw new ProviderError('permanent', 'wrong_target', `APNs needs a push target, got ${target.channel}`);
    const notification = toNotification(message, target.token);
    const exchange: Exchange = { apnsId: uuidFromDeliveryId(message.deliveryId, (s) => createHash('sha256').update(s).digest('hex')) };
    try {
      await exchanges.run(exchange, () => this.client.send(notification));
      return { providerMessageId: exchange.responseApnsId ?? exchange.apnsId };
    } catch (error) {
      throw classify(error, exchange.retryAfter);
    }
  }

  /** Stops apns2's ping timer and closes the pool (in-flight requests finish first, bounded by the timeouts). */
  async close(): Promise<void> {
    await this.client.close();
  }
}

function toNotification(message: OutboundMessage, token: string): Notification {
  const { title, body, data } = message.message;
  // apns2 spreads data into the payload's top level: a custom "aps" key would replace the real one.
  const { aps: _aps, ...custom } = data ?? {};
  return new Notification(token, {
    // A string alert is the body alone.
    ...(title !== undefined ? { alert: { title, body: body ?? '' } } : body !== undefined ? { alert: body } : {}),
    ...(message.badge !== undefined ? { badge: message.badge } : {}),
    sound: message.sound ?? 'default',
    data: { ...custom, herald: { deliveryId: message.deliveryId, notificationId: message.notificationId } },
    priority: PRIORITY[message.priority],
    ...(message.collapseKey ? { collapseId: message.collapseKey } : {}),
    ...(message.ttlSeconds !== undefined ? { expiration: Math.floor(Date.now() / 1000) + message.ttlSeconds } : {}),
  });
}

function classify(error: unknown, retryAfter: string | undefined): ProviderError {
  if (error instanceof ApnsError) {
    const { reason, statusCode: status } = error;
    const text = `APNs ${status} ${reason}`;
    if (status === 410 || INVALID_TOKEN.has(reason)) return new ProviderError('invalid_token', reason, text, undefined, status);
    if (status === 429 || status >= 500 || RETRYABLE.has(reason)) return new ProviderError('retryable', reason, text, parseRetryAfter(retryAfter), status);
    return new ProviderError('permanent', reason, text, undefined, status);
  }
  // undici: UND_ERR_HEADERS_TIMEOUT, UND_ERR_CONNECT_TIMEOUT, UND_ERR_SOCKET, ECONNRESET, ECONNREFUSED...
  const e = error as Error & { code?: string };
  return new ProviderError('retryable', e?.code ?? e?.name ?? 'network', `APNs request failed: ${e?.message ?? String(error)}`);
}
