import { Query } from '@nestjs/cqrs';
import type { ChannelSuppression } from '../../../domain/recipient/events.js';

export interface DeliveryView {
  deliveryId: string;
  channel: string;
  queue: string;
  status: string;
  attempts: number;
  providerMessageId: string | null;
  lastError: string | null;
  updatedAt: string;
  sentAt: string | null;
}

export interface NotificationView {
  notificationId: string;
  userId: string;
  category: string;
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
