import { DomainError } from '../shared/decider.js';
import type { RecipientCommand } from './commands.js';
import { quietHoursDeferral } from './deferral.js';
import { digestIdOf, digestParams, maxItemsOf, type DigestItem, type DigestPolicy, type OpenDigest } from './digest.js';
import type { ChannelSuppression, Delivery, DigestFlushedData, NotificationDecision, RecipientEvent } from './events.js';
import type { RecipientPolicy } from './policy.js';
import { categoryDigest, digestItemOf, openDigest, type RecipientState } from './state.js';
import { optOut, queueOf, targetsFor } from './targets.js';
import { CHANNELS, type Channel } from './values.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** What a flush is about: the digest, and its items as they are at the flush. */
export interface DigestToFlush {
  digestId: string;
  category: string;
  templateId: string;
  items: DigestItem[];
  removed: string[];
}

/**
 * Sends a digest: one delivery per target of each channel any item was collected for, with
 * the user's opt-outs and targets as they are now (the digest goes out now, not when its items
 * came), held back by the quiet hours that apply now. Delivery ids derive from the digest id,
 * so a flush decided twice (it cannot be: the window is closed by the first) would still name
 * the same deliveries. No item left (all canceled): the window closes with no delivery.
 */
export function flushDigest(policy: RecipientPolicy, state: RecipientState, digest: DigestToFlush, reason: DigestFlushedData['reason'], now: number): RecipientEvent {
  const wanted = new Set(digest.items.flatMap((i) => i.channels));
  const deliveries: Delivery[] = [];
  const suppressed: ChannelSuppression[] = [];
  for (const channel of CHANNELS.filter((c) => wanted.has(c))) {
    const targets = targetsFor(state, channel);
    const suppression = optOut(state, digest.category, channel) ?? (targets.length === 0 ? { channel, reason: 'no_target' as const, detail: {} } : undefined);
    if (suppression) {
      suppressed.push(suppression);
      continue;
    }
    const deferred = quietHoursDeferral(policy, state, digest.category, channel, now);
    for (const target of targets) {
      deliveries.push({
        deliveryId: `${digest.digestId}.${deliveries.length + 1}`,
        channel,
        queue: queueOf(target),
        target,
        ...(deferred ? { deferred } : {}),
      });
    }
  }
  return {
    type: 'DigestFlushed',
    data: {
      userId: state.userId!,
      digestId: digest.digestId,
      category: digest.category,
      templateId: digest.templateId,
      reason,
      ...digestParams(digest.items),
      removed: digest.removed,
      deliveries,
      suppressed,
      flushedAt: iso(now),
    },
  };
}

/** FlushDigest and RemoveDigestItem: the digest commands that are not a send request. */
export function decideDigestCommand(
  policy: RecipientPolicy,
  command: Extract<RecipientCommand, { type: 'FlushDigest' | 'RemoveDigestItem' }>,
  state: RecipientState,
): RecipientEvent[] {
  if (command.type === 'FlushDigest') {
    // Already flushed (a retried or replayed flush job, or one flushed early when full): nothing to do.
    const open = openDigest(state, command.digestId);
    return open ? [flushDigest(policy, state, open, 'window_ended', command.now)] : [];
  }
  const open = Object.values(state.digests).find((d) => d.items.some((i) => i.notificationId === command.notificationId));
  if (!open) throw new DomainError('conflict', 'this notification is not waiting in a digest: its digest was already sent, or it was canceled');
  return [{ type: 'DigestItemRemoved', data: { userId: command.userId, digestId: open.digestId, notificationId: command.notificationId, removedAt: iso(command.now) } }];
}

/**
 * A decision some of whose channels are collected into the category's digest. The first item
 * opens the window; a window whose end passed before its flush job ran is flushed here first, so
 * an item never joins a digest that is due; the item that fills a window sends it at once, and
 * the next one opens a new window.
 */
export function collectIntoDigest(
  policy: RecipientPolicy,
  state: RecipientState,
  digest: DigestPolicy,
  decision: NotificationDecision,
  digested: Channel[],
  deliveries: Delivery[],
  now: number,
): RecipientEvent[] {
  const events: RecipientEvent[] = [];
  let open: OpenDigest | undefined = categoryDigest(state, decision.category);
  if (open && now >= open.windowEndsAt) {
    events.push(flushDigest(policy, state, open, 'window_ended', now));
    open = undefined;
  }
  if (!open) {
    open = { digestId: digestIdOf(decision.notificationId), category: decision.category, templateId: digest.templateId, windowEndsAt: now + digest.windowMs, maxItems: maxItemsOf(digest), items: [], removed: [] };
    events.push({
      type: 'DigestOpened',
      data: {
        userId: decision.userId,
        digestId: open.digestId,
        category: open.category,
        templateId: open.templateId,
        channels: digest.channels,
        maxItems: open.maxItems,
        windowEndsAt: iso(open.windowEndsAt),
        openedAt: iso(now),
      },
    });
  }
  const collected = { ...decision, digested: { digestId: open.digestId, channels: digested, windowEndsAt: iso(open.windowEndsAt) } };
  events.push({ type: 'NotificationRequested', data: { ...collected, deliveries } });
  const items = [...open.items, digestItemOf(collected, digested)];
  if (items.length >= open.maxItems) events.push(flushDigest(policy, state, { ...open, items }, 'max_items', now));
  return events;
}
