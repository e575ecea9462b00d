import { Query } from '@nestjs/cqrs';
import type { ChannelSuppression } from '../../../domain/recipient/events.js';

export interface DeliveryView {
  deliveryId: string;
  channel: string;
  queue: string;
  status: string;
  attempts: number;
  provider: string | null;
  providerMessageId: string | null;
  lastError: string | null;
  failureReason: string | null;
  nextAttemptAt: string | null;
  /** When a scheduled delivery was due to go: the end of its quiet hours, else the notification's sendAt; null: at once. */
  dueAt: string | null;
  updatedAt: string;
  sentAt: string | null;
}

/** The digest a notification was collected into, and once it was sent, the deliveries that carried it. */
export interface DigestView {
  digestId: string;
  /** open: collecting; flushed: sent, see deliveries; empty: closed with nothing to send (every item canceled, or no channel left). */
  status: string;
  channels: string[];
  openedAt: string;
  windowEndsAt: string;
  flushedAt: string | null;
  /** Items the digest carried; null while it is open. */
  itemCount: number | null;
  deliveries: DeliveryView[];
}

export interface NotificationView {
  notificationId: string;
  userId: string;
  category: string;
  /** accepted, suppressed, digested (waiting in a digest, or in its delivery), or once deliveries end (a digest's included): sent, partially_sent, failed, canceled. */
  status: string;
  templateId: string | null;
  priority: string;
  idempotencyKey: string | null;
  sendAt: string | null;
  requestedAt: string;
  requestedBy: string | null;
  suppressed: ChannelSuppression[];
  deliveries: DeliveryView[];
  /** Present when some channels were collected into a digest. */
  digest?: DigestView;
}

export class GetNotificationQuery extends Query<NotificationView> {
  constructor(readonly notificationId: string) {
    super();
  }
}
