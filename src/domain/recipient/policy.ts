import type { DigestPolicy } from './digest.js';
import type { QuietHours } from './quiet-hours.js';
import type { Channel } from './values.js';
import { isTimeZone } from './wall-clock.js';

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface CategoryPolicy {
  /** Critical categories (security codes, say) are exempt from rate limits and content dedup. */
  critical?: boolean;
  /** Per-channel limits for this category; they count this category's sends only. */
  rateLimits?: Partial<Record<Channel, RateLimit>>;
  /** The quiet hours of users who set none of their own. */
  quietHours?: QuietHours;
  /** The zone this category's local times are read in for a user without a time zone. */
  timezone?: string;
  /** Collect this category's notifications into one delivery per channel per window. */
  digest?: DigestPolicy;
}

export interface RecipientPolicy {
  rateLimits: Record<Channel, RateLimit>;
  categories: Record<string, CategoryPolicy>;
  /** How long an idempotency key returns the original notification. */
  idempotencyWindowMs: number;
  /** How long identical content to the same user on one channel counts as a duplicate (0 = off). */
  contentDedupWindowMs: number;
  /** The zone local times are read in for a user without one, when the category names none. */
  defaultTimezone: string;
}

const HOUR = 3_600_000;

export const DEFAULT_POLICY: RecipientPolicy = {
  rateLimits: {
    push: { limit: 20, windowMs: HOUR },
    sms: { limit: 5, windowMs: 24 * HOUR },
    email: { limit: 10, windowMs: HOUR },
    inapp: { limit: 100, windowMs: HOUR },
  },
  categories: {},
  idempotencyWindowMs: 24 * HOUR,
  contentDedupWindowMs: 5 * 60_000,
  defaultTimezone: 'UTC',
};

export function isCritical(policy: RecipientPolicy, category: string): boolean {
  return policy.categories[category]?.critical === true;
}

/** The limit that applies to a category on a channel, and whether it counts only that category. */
export function rateLimitFor(
  policy: RecipientPolicy,
  category: string,
  channel: Channel,
): { limit: RateLimit; categoryScoped: boolean } {
  const own = policy.categories[category]?.rateLimits?.[channel];
  return own ? { limit: own, categoryScoped: true } : { limit: policy.rateLimits[channel], categoryScoped: false };
}

/** The zone a user's wall-clock times are read in: their own, else the category's, else the service default. */
export function timezoneFor(policy: RecipientPolicy, userTimezone: string | null, category: string): string {
  return [userTimezone, policy.categories[category]?.timezone].find((tz): tz is string => !!tz && isTimeZone(tz)) ?? policy.defaultTimezone;
}
