import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { DeliveryCommand, DeliveryEvent } from '../../../domain/notification/delivery-lifecycle.js';
import { DomainError } from '../../../domain/shared/decider.js';
import { NOTIFICATION_ACTORS, type NotificationActors } from '../../delivery/notification-actors.js';
import { RecordEngagementCommand } from './record-engagement.command.js';

@CommandHandler(RecordEngagementCommand)
export class RecordEngagementHandler implements ICommandHandler<RecordEngagementCommand> {
  constructor(@Inject(NOTIFICATION_ACTORS) private readonly notifications: NotificationActors) {}

  async execute(c: RecordEngagementCommand): Promise<DeliveryEvent[]> {
    const command = (): DeliveryCommand => ({
      type: 'RecordEngagement',
      kind: c.kind,
      notificationId: c.notificationId,
      deliveryId: c.deliveryId,
      source: c.source,
      ...(c.url !== undefined ? { url: c.url } : {}),
      now: Date.now(),
    });
    const metadata = { causationId: c.deliveryId, ...c.metadata };
    try {
      return (await this.notifications.execute(c.notificationId, command(), metadata)).events;
    } catch (error) {
      // The worker that recorded the send may be another process: this actor's cache can be
      // behind. Catch up once before believing "not sent".
      if (!(error instanceof DomainError && error.code === 'conflict')) throw error;
      await this.notifications.read(c.notificationId, { fresh: true });
      return (await this.notifications.execute(c.notificationId, command(), metadata)).events;
    }
  }
}
