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

export interface NotificationView {
  notificationId: string;
  userId: string;
  category: string;
  /** accepted, suppressed, or once deliveries end: sent, partially_sent, failed, canceled. */
  status: string;
  templateId: string | null;
  priority: string;
  idempotencyKey: string | null;
  sendAt: string | null;
  requestedAt: string;
  requestedBy: string | null;
  suppressed: ChannelSuppression[];
  deliveries: DeliveryView[];
}

export class GetNotificationQuery extends Query<NotificationView> {
  constructor(readonly notificationId: string) {
    super();
  }
}
