import type { Channel } from './values.js';

/**
 * A category's digest: its notifications on `channels` are collected for `windowMs` from the
 * first one, then sent as one delivery per channel rendered with `templateId`. A window that
 * reaches `maxItems` is sent at once.
 */
export interface DigestPolicy {
  windowMs: number;
  channels: Channel[];
  templateId: string;
  maxItems?: number;
}

/** However a digest is configured, one holds at most this many items: the aggregate stays small. */
export const MAX_DIGEST_ITEMS = 1000;

/** What a digest template is given about each item. */
export interface DigestItem {
  notificationId: string;
  /** When the item was requested. */
  at: string;
  /** The item's template params; {} for inline content. */
  params: Record<string, unknown>;
  /** The item's inline fields (title, body, subject, text, data), or its template reference. */
  content: Record<string, unknown>;
  /** The digest channels this item was collected for. */
  channels: Channel[];
}

/** A digest window that is open in the user's aggregate (one per category at a time). */
export interface OpenDigest {
  digestId: string;
  category: string;
  templateId: string;
  windowEndsAt: number;
  maxItems: number;
  items: DigestItem[];
  /** Items canceled before the flush. */
  removed: string[];
}

/** Derived from the notification that opens it, so every process that decides it names it the same. */
export const digestIdOf = (firstNotificationId: string): string => `dg-${firstNotificationId}`;

export const maxItemsOf = (policy: DigestPolicy): number => Math.min(policy.maxItems ?? MAX_DIGEST_ITEMS, MAX_DIGEST_ITEMS);

/** What the template renders: the items in the order they came, how many, the first and last time. */
export function digestParams(items: DigestItem[]): { items: DigestItem[]; count: number; firstAt: string | null; lastAt: string | null } {
  return { items, count: items.length, firstAt: items[0]?.at ?? null, lastAt: items[items.length - 1]?.at ?? null };
}
