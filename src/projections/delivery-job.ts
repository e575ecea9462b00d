import type { RecipientEvent } from '../domain/recipient/events.js';
import type { Channel } from '../domain/recipient/values.js';

type Requested = Extract<RecipientEvent, { type: 'NotificationRequested' }>['data'];

/** A digest's delivery is rendered with its template's latest version at the send, given the digest's items. */
export type DigestJobContent = { kind: 'template'; templateId: string; version: null; params: Record<string, unknown> };

/**
 * One delivery to send, as the dispatch projection enqueues it (job id = delivery id) and a
 * delivery worker runs it: everything the worker needs from the request, so it reads only the
 * delivery's lifecycle and the recipient as they are now.
 */
export interface DeliveryJob {
  notificationId: string;
  deliveryId: string;
  userId: string;
  category: string;
  priority: 'high' | 'normal' | 'low';
  critical: boolean;
  channel: Channel;
  queue: string;
  target: Requested['deliveries'][number]['target'];
  content: Requested['content'] | DigestJobContent;
  /** A digest's delivery: the digest it sends (notificationId is the digest id too). */
  digestId?: string;
  sendAt: string | null;
  requestedAt: string;
  correlationId: string | null;
  appKey: string | null;
  /** Set for a broadcast member's delivery: it is in the channel's broadcast lane, and not sent once the broadcast is canceled. */
  broadcastId?: string;
}
