import type { ProviderErrorKind } from '../../domain/notification/delivery-outcome.js';
import type { DeliveryTarget, NotificationContent } from '../../domain/recipient/events.js';
import type { ChannelQueue } from '../queues/queue.port.js';

/** Rendered content for one delivery (the inline content fields): each channel uses the ones it understands. */
export type RenderedMessage = Omit<Extract<NotificationContent, { kind: 'inline' }>, 'kind'>;

export interface OutboundMessage {
  deliveryId: string;
  notificationId: string;
  userId: string;
  category: string;
  priority: 'high' | 'normal' | 'low';
  target: DeliveryTarget;
  message: RenderedMessage;
  /** Replaces an earlier undelivered push with the same key (APNs collapse id, FCM collapse key). */
  collapseKey?: string;
  /** How long a push may wait on the provider for an offline device. */
  ttlSeconds?: number;
  badge?: number;
  sound?: string;
  /** Extra email headers (List-Unsubscribe and List-Unsubscribe-Post), sent the same by every email adapter. */
  headers?: Record<string, string>;
  /** Provider-side tags (Mailgun o:tag) and tracking variables (Mailgun v:). */
  tags?: string[];
  variables?: Record<string, string>;
}

export interface SendResult {
  /** The provider's id for the message (APNs apns-id, FCM message name, Vonage message-id, Mailgun id, Twilio SID, SMTP Message-Id, the push message's Location). */
  providerMessageId: string | null;
}

/** The outcome rule (src/domain) is written in these kinds, so the domain defines them. */
export type { ProviderErrorKind };

/** Connection errors that mean no request reached the provider: nothing can have been sent. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class ProviderError extends Error {
  /**
   * Whether the provider answered (an error status, a refusal), or the request never left:
   * either way nothing was sent. False for a timeout or a connection lost mid-call, after which
   * the message may have been delivered.
   */
  readonly answered: boolean;

  constructor(
    readonly kind: ProviderErrorKind,
    /** The provider's own code or reason, e.g. "Unregistered", "messaging/registration-token-not-registered", "status 3". */
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
    readonly httpStatus?: number,
    answered?: boolean,
  ) {
    super(message);
    this.name = 'ProviderError';
    this.answered = answered ?? (httpStatus !== undefined || kind !== 'retryable' || NEVER_CONNECTED.has(code));
  }
}

/** One provider behind one channel queue. */
export interface ChannelProvider {
  /** apns, fcm, webpush, vonage, twilio, mailgun, smtp or sandbox. */
  readonly name: string;
  readonly queue: ChannelQueue;
  /** Resolves with the provider's message id, or throws ProviderError (anything else counts as retryable). */
  send(message: OutboundMessage): Promise<SendResult>;
  close(): Promise<void>;
}

export const CHANNEL_PROVIDERS = Symbol('ChannelProviders');
/** Each channel queue's providers in order of preference (never empty): the first healthy one gets a delivery, the next takes over after a failure. */
export type ChannelProviders = Record<ChannelQueue, readonly [ChannelProvider, ...ChannelProvider[]]>;

/** A stable UUID derived from a delivery id, for providers that want a UUID (APNs apns-id). */
export function uuidFromDeliveryId(deliveryId: string, digest: (s: string) => string): string {
  const hex = digest(deliveryId).slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Rejects with a retryable `timeout` ProviderError when `promise` has not settled within `ms`. */
export function providerTimeout<T>(promise: Promise<T>, ms: number, provider = 'the provider'): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProviderError('retryable', 'timeout', `${provider} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
