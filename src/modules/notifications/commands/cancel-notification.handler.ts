import { ConflictException, Inject } from '@nestjs/common';
import { CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import { contextMetadata } from '../../auth/request-context.js';
import { DELIVERY_LIFECYCLE_ACTORS, type DeliveryLifecycleActors } from '../../delivery/delivery-lifecycle-actors.js';
import { GetNotificationQuery } from '../queries/get-notification.query.js';
import { CancelNotificationCommand } from './cancel-notification.command.js';

/**
 * Cancels every delivery not yet sent, failed or canceled. Workers check the delivery lifecycle
 * right before calling a provider, so a canceled delivery is not sent; one already in
 * flight at the provider may still arrive.
 */
@CommandHandler(CancelNotificationCommand)
export class CancelNotificationHandler implements ICommandHandler<CancelNotificationCommand> {
  constructor(
    private readonly queries: QueryBus,
    @Inject(DELIVERY_LIFECYCLE_ACTORS) private readonly lifecycles: DeliveryLifecycleActors,
  ) {}

  async execute({ notificationId, context }: CancelNotificationCommand): Promise<{ notificationId: string; canceled: string[] }> {
    const view = await this.queries.execute(new GetNotificationQuery(notificationId));
    if (view.deliveries.length === 0) throw new ConflictException({ statusCode: 409, error: 'Conflict', message: 'this notification was suppressed: nothing to cancel' });
    const { events } = await this.lifecycles.execute(
      notificationId,
      { type: 'Cancel', notificationId, deliveryIds: view.deliveries.map((d) => d.deliveryId), now: Date.now() },
      contextMetadata(context),
    );
    const canceled = events.flatMap((e) => (e.type === 'NotificationCanceled' ? e.data.deliveryIds : []));
    return { notificationId, canceled };
  }
}
