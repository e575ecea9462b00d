export const CHANNELS = ['push', 'sms', 'email', 'inapp'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * The channels a request that names none may go to: those the user gave contact data for.
 * The in-app feed is asked for by name (or by a template with in-app content): an upgrade must
 * not start filling every user's feed with the one-time codes and receipts already sent by SMS
 * and email.
 */
export const CONTACT_CHANNELS = ['push', 'sms', 'email'] as const satisfies readonly Channel[];

/** Every switch on: a user who said nothing receives every channel. */
export const ALL_CHANNELS_ON = { push: true, sms: true, email: true, inapp: true } as const;

export const PLATFORMS = ['ios', 'android', 'web', 'macos'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const PUSH_PROVIDERS = ['apns', 'fcm', 'webpush'] as const;
export type PushProvider = (typeof PUSH_PROVIDERS)[number];

/**
 * The keys of a Web Push subscription (RFC 8291), base64url as a browser's
 * PushSubscription.toJSON() gives them. A webpush device's token is its subscription's endpoint.
 */
export interface WebPushKeys {
  p256dh: string;
  auth: string;
}

export const PRIORITIES = ['high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const SUPPRESSION_REASONS = ['opted_out', 'rate_limited', 'duplicate', 'no_target'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** E.164: a plus sign, a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * A deliberately strict address shape: no whitespace or control characters anywhere (so no
 * header injection can ride on it), one @, a dotted domain.
 */
export const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export const MAX_DEVICES_PER_USER = 50;

export function isE164(phone: string): boolean {
  return E164.test(phone);
}

export function isEmail(email: string): boolean {
  return email.length <= 254 && EMAIL.test(email);
}

/** The number of bytes base64url text (padding optional) decodes to, or null when it is not base64url. */
export function base64urlByteLength(text: string): number | null {
  const match = /^([A-Za-z0-9_-]*)(=*)$/.exec(text);
  if (!match) return null;
  const chars = match[1]!.length;
  const padding = match[2]!.length;
  if (chars % 4 === 1 || (padding > 0 && (padding > 2 || (chars + padding) % 4 !== 0))) return null;
  return Math.floor((chars * 6) / 8);
}

/** A push service endpoint: https only (RFC 8030 requires it), with a host and no credentials in it. */
export function isWebPushEndpoint(endpoint: string): boolean {
  if (endpoint.length > 4096) return false;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
}

/** The user agent's P-256 public key: a 65-byte uncompressed point, whose first byte 0x04 encodes as "B". */
export const isP256dhKey = (key: string): boolean => base64urlByteLength(key) === 65 && key.startsWith('B');

/** The subscription's authentication secret: 16 bytes (RFC 8291 section 3.2). */
export const isAuthSecret = (auth: string): boolean => base64urlByteLength(auth) === 16;

/** What is wrong with a webpush device, field by field (the API's field names); empty when nothing. */
export function webPushDeviceProblems(device: { platform: Platform; endpoint: string; keys: WebPushKeys | null }): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (device.platform !== 'web') problems.push({ field: 'platform', message: 'a webpush device is a web browser: platform must be web' });
  if (!isWebPushEndpoint(device.endpoint)) problems.push({ field: 'subscription.endpoint', message: 'endpoint must be an https URL' });
  if (device.keys === null) problems.push({ field: 'subscription.keys', message: 'a web push subscription needs keys.p256dh and keys.auth' });
  else {
    if (!isP256dhKey(device.keys.p256dh)) problems.push({ field: 'subscription.keys.p256dh', message: 'p256dh must be base64url of a 65-byte uncompressed P-256 public key' });
    if (!isAuthSecret(device.keys.auth)) problems.push({ field: 'subscription.keys.auth', message: 'auth must be base64url of 16 bytes' });
  }
  return problems;
}
