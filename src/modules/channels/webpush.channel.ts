import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import { Agent } from 'node:https';
import webpush from 'web-push';
import type { ChannelProvider, OutboundMessage, SendResult } from './provider.port.js';
import { ProviderError, parseRetryAfter } from './provider.port.js';

export interface WebPushChannelOptions {
  /** VAPID (RFC 8292): the application server's P-256 key pair, base64url, the one browsers subscribed with. */
  publicKey: string;
  privateKey: string;
  /** How the push service reaches the sender: a mailto: address or an https: URL. */
  subject: string;
  timeoutMs?: number;
}

/**
 * A push message is at most 4096 bytes once encrypted (RFC 8291 section 4). aes128gcm adds a
 * 86-byte header (salt, record size, the 65-byte sender key), a 16-byte tag and a 1-byte
 * padding delimiter, so 3993 bytes of plaintext is the most that fits.
 */
export const MAX_PLAINTEXT_BYTES = 4096 - 86 - 16 - 1;

/** RFC 8030 Urgency: how eagerly the push service wakes the device. */
const URGENCY = { high: 'high', normal: 'normal', low: 'low' } as const;
/**
 * How long the push service keeps a message for a device that is offline, when the request
 * gives no TTL: an urgent message goes stale sooner, a low one may wait as long as push
 * services keep anything (4 weeks, the web-push default).
 */
const TTL_SECONDS = { high: 24 * 3600, normal: 7 * 24 * 3600, low: 28 * 24 * 3600 } as const;
/** RFC 8030 section 5.4: a Topic is at most 32 base64url characters. */
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Whether this send's request went out. web-push rejects with a plain Error both when it cannot
 * build the request (keys it cannot encrypt to: nothing can fix that by retrying) and when the
 * request fails on the wire (worth retrying). Node's http.client.request.start channel, published
 * synchronously inside the send's async context, tells the two apart.
 */
const sends = new AsyncLocalStorage<{ requested: boolean }>();
subscribe('http.client.request.start', () => {
  const send = sends.getStore();
  if (send) send.requested = true;
});

/** Standard Web Push (RFC 8030) with VAPID and aes128gcm payload encryption, through the web-push package. */
export class WebPushChannel implements ChannelProvider {
  readonly name = 'webpush';
  readonly queue = 'webpush' as const;
  /** Kept-alive connections to each push service (one per browser vendor, in practice). */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly options: WebPushChannelOptions) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    const target = message.target;
    if (target.channel !== 'push' || target.provider !== 'webpush') throw new ProviderError('permanent', 'wrong_target', `Web Push needs a webpush device, got ${target.channel === 'push' ? target.provider : target.channel}`);
    if (!target.keys) throw new ProviderError('permanent', 'missing_keys', 'the web push subscription has no keys to encrypt to');
    const payload = JSON.stringify(toPayload(message));
    const size = Buffer.byteLength(payload);
    if (size > MAX_PLAINTEXT_BYTES) throw new ProviderError('permanent', 'payload_too_large', `the push payload is ${size} bytes; at most ${MAX_PLAINTEXT_BYTES} fit in a 4096-byte encrypted message`);
    const send = { requested: false };
    try {
      const response = await sends.run(send, () =>
        webpush.sendNotification({ endpoint: target.token, keys: target.keys! }, payload, {
          vapidDetails: { subject: this.options.subject, publicKey: this.options.publicKey, privateKey: this.options.privateKey },
          TTL: message.ttlSeconds ?? TTL_SECONDS[message.priority],
          urgency: URGENCY[message.priority],
          ...(message.collapseKey && TOPIC.test(message.collapseKey) ? { topic: message.collapseKey } : {}),
          contentEncoding: 'aes128gcm',
          agent: this.agent,
          timeout: this.options.timeoutMs ?? 10_000,
        }),
      );
      // RFC 8030 section 5: 201 Created, with the push message resource in Location.
      return { providerMessageId: first(response.headers.location) ?? null };
    } catch (error) {
      throw classify(error, send.requested);
    }
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** What the service worker's push event reads: the visible fields, the caller's data, and the ids to report engagement with. */
function toPayload(m: OutboundMessage) {
  const { title, body, data } = m.message;
  return { ...(title !== undefined ? { title } : {}), ...(body !== undefined ? { body } : {}), ...(data ? { data } : {}), deliveryId: m.deliveryId, notificationId: m.notificationId };
}

/**
 * Push services answer (RFC 8030 section 8, and each vendor's documentation): 404 and 410 for a
 * subscription that expired or was withdrawn (dead, like an APNs 410); 413 payload too large;
 * 429 and 5xx worth retrying, with Retry-After. 400, 401 and 403 (a malformed request, or a
 * VAPID key the subscription was not made with: our configuration, not the device) fail again as sent.
 */
function classify(error: unknown, requested: boolean): ProviderError {
  if (error instanceof webpush.WebPushError) {
    const status = error.statusCode;
    const text = `push service answered HTTP ${status}${error.body ? `: ${String(error.body).slice(0, 200)}` : ''}`;
    if (status === 404 || status === 410) return new ProviderError('invalid_token', `http ${status}`, text, undefined, status);
    if (status === 429 || status === 408 || status >= 500) return new ProviderError('retryable', `http ${status}`, text, parseRetryAfter(first(error.headers?.['retry-after'])), status);
    return new ProviderError('permanent', `http ${status}`, text, undefined, status);
  }
  const e = error as Error & { code?: string };
  if (!requested) return new ProviderError('permanent', 'unsendable', `the push message could not be built: ${e?.message ?? String(error)}`);
  // web-push's own timeout destroys the request with this message and no code.
  if (e?.message === 'Socket timeout') return new ProviderError('retryable', 'timeout', 'the push service did not answer in time');
  return new ProviderError('retryable', e?.code ?? 'network', `push request failed: ${e?.message ?? String(error)}`);
}
