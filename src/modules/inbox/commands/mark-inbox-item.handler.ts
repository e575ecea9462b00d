import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { DeliveryLifecycleCommand, DeliveryLifecycleEvent } from '../../../domain/notification/delivery-lifecycle.js';
import { DomainError } from '../../../domain/shared/decider.js';
import { DELIVERY_LIFECYCLE_ACTORS, type DeliveryLifecycleActors } from '../../delivery/delivery-lifecycle-actors.js';
import { MarkInboxItemCommand } from './mark-inbox-item.command.js';

@CommandHandler(MarkInboxItemCommand)
export class MarkInboxItemHandler implements ICommandHandler<MarkInboxItemCommand> {
  constructor(@Inject(DELIVERY_LIFECYCLE_ACTORS) private readonly lifecycles: DeliveryLifecycleActors) {}

  async execute(c: MarkInboxItemCommand): Promise<DeliveryLifecycleEvent[]> {
    const command = (): DeliveryLifecycleCommand => ({ type: 'MarkInboxItem', mark: c.mark, notificationId: c.notificationId, deliveryId: c.itemId, userId: c.userId, now: Date.now() });
    // The recipient themselves did it: their own stream's source, as the preference page's are.
    const metadata = { causationId: c.itemId, source: 'inbox', ...(c.correlationId ? { correlationId: c.correlationId } : {}) };
    try {
      return (await this.lifecycles.execute(c.notificationId, command(), metadata)).events;
    } catch (error) {
      // The worker that added the item may be another process: this actor's cache can be
      // behind. Catch up once before believing "not in the feed".
      if (!(error instanceof DomainError && error.code === 'not_found')) throw error;
      await this.lifecycles.read(c.notificationId, { fresh: true });
      return (await this.lifecycles.execute(c.notificationId, command(), metadata)).events;
    }
  }
}
