import { isCritical, type RecipientPolicy } from './policy.js';
import type { Channel } from './values.js';

export interface SendRecord {
  at: number;
  channel: Channel;
  category: string;
}

/**
 * The sends a rate limit can still count, oldest first: inside the window of a limit that counts
 * them, and among the newest `limit` sends that limit counts (a channel's limit counts every
 * non-critical send on it; a category's own limit counts that category's). A limit only asks
 * whether `limit` sends fall inside its window, and the newest `limit` answer that exactly, so
 * a user's history stays a few dozen records however many notifications they get.
 */
export function sendsStillCounted(policy: RecipientPolicy, sends: SendRecord[], now: number): SendRecord[] {
  const counted = new Map<string, number>();
  const take = (group: string, limit: number) => {
    const n = counted.get(group) ?? 0;
    if (n >= limit) return false;
    counted.set(group, n + 1);
    return true;
  };
  const kept: SendRecord[] = [];
  for (let i = sends.length - 1; i >= 0; i--) {
    const send = sends[i]!;
    if (isCritical(policy, send.category)) continue; // no limit counts these
    const channelLimit = policy.rateLimits[send.channel];
    const own = policy.categories[send.category]?.rateLimits?.[send.channel];
    // Both are asked (no short cut): a send counts towards each of its groups.
    const byChannel = now - send.at < channelLimit.windowMs && take(send.channel, channelLimit.limit);
    const byCategory = own !== undefined && now - send.at < own.windowMs && take(`${send.channel}/${send.category}`, own.limit);
    if (byChannel || byCategory) kept.push(send);
  }
  return kept.reverse();
}
