import { DomainError } from '../shared/decider.js';
import type { RecipientCommand } from './commands.js';
import { quietHoursDeferral } from './deferral.js';
import { digestParams, type DigestItem } from './digest.js';
import type { ChannelSuppression, Delivery, DigestFlushedData, RecipientEvent } from './events.js';
import type { RecipientPolicy } from './policy.js';
import { openDigest, type RecipientState } from './state.js';
import { optOut, targetsFor } from './targets.js';
import { CHANNELS } from './values.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const QUEUE_OF = { sms: 'sms', email: 'email' } as const;

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
        queue: target.channel === 'push' ? target.provider : QUEUE_OF[target.channel],
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
