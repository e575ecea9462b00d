import { Command } from '@nestjs/cqrs';
import type { ChannelSuppression, Delivery, NotificationDecision } from '../../../domain/recipient/events.js';
import type { RequestContext } from '../../auth/request-context.js';
import type { SendNotificationDto } from '../dto/send-notification.dto.js';

export interface NotificationReceipt {
  notificationId: string;
  status: 'accepted' | 'suppressed';
  /** true when an idempotency key matched an earlier request: this is that request's answer. */
  duplicate: boolean;
  deliveries: Pick<Delivery, 'deliveryId' | 'channel' | 'queue'>[];
  suppressed: ChannelSuppression[];
  /** The channels collected into a digest: which digest, and when its window ends. */
  digested?: NotificationDecision['digested'];
}

export class SendNotificationCommand extends Command<NotificationReceipt> {
  constructor(
    readonly request: SendNotificationDto,
    readonly context: RequestContext,
  ) {
    super();
  }
}
