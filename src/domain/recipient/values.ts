export const CHANNELS = ['push', 'sms', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export const PLATFORMS = ['ios', 'android', 'web', 'macos'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const PUSH_PROVIDERS = ['apns', 'fcm'] as const;
export type PushProvider = (typeof PUSH_PROVIDERS)[number];

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
