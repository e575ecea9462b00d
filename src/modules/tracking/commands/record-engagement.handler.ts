import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { DeliveryLifecycleCommand, DeliveryLifecycleEvent } from '../../../domain/notification/delivery-lifecycle.js';
import { DomainError } from '../../../domain/shared/decider.js';
import { DELIVERY_LIFECYCLE_ACTORS, type DeliveryLifecycleActors } from '../../delivery/delivery-lifecycle-actors.js';
import { RecordEngagementCommand } from './record-engagement.command.js';

@CommandHandler(RecordEngagementCommand)
export class RecordEngagementHandler implements ICommandHandler<RecordEngagementCommand> {
  constructor(@Inject(DELIVERY_LIFECYCLE_ACTORS) private readonly lifecycles: DeliveryLifecycleActors) {}

  async execute(c: RecordEngagementCommand): Promise<DeliveryLifecycleEvent[]> {
    const command = (): DeliveryLifecycleCommand => ({
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
      return (await this.lifecycles.execute(c.notificationId, command(), metadata)).events;
    } catch (error) {
      // The worker that recorded the send may be another process: this actor's cache can be
      // behind. Catch up once before believing "not sent".
      if (!(error instanceof DomainError && error.code === 'conflict')) throw error;
      await this.lifecycles.read(c.notificationId, { fresh: true });
      return (await this.lifecycles.execute(c.notificationId, command(), metadata)).events;
    }
  }
}
