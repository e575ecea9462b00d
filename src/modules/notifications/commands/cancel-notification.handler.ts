import { ConflictException, Inject } from '@nestjs/common';
import { CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../domain/shared/decider.js';
import { contextMetadata } from '../../auth/request-context.js';
import { DELIVERY_LIFECYCLE_ACTORS, type DeliveryLifecycleActors } from '../../delivery/delivery-lifecycle-actors.js';
import { RECIPIENT_ACTORS, type RecipientActors } from '../../recipients/recipient-actors.js';
import { GetNotificationQuery } from '../queries/get-notification.query.js';
import { CancelNotificationCommand } from './cancel-notification.command.js';

export interface CancelResult {
  notificationId: string;
  canceled: string[];
  /** The digest this notification was taken out of before it was sent. */
  removedFromDigest?: string;
}

/**
 * Cancels every delivery not yet sent, failed or canceled. Workers check the delivery lifecycle
 * right before calling a provider, so a canceled delivery is not sent; one already in
 * flight at the provider may still arrive. A notification waiting in a digest is taken out of
 * it by the user's actor, which also flushes digests, so a cancel and a flush never both win:
 * once the digest is sent, the item is part of it and the cancel is refused (409).
 */
@CommandHandler(CancelNotificationCommand)
export class CancelNotificationHandler implements ICommandHandler<CancelNotificationCommand> {
  constructor(
    private readonly queries: QueryBus,
    @Inject(DELIVERY_LIFECYCLE_ACTORS) private readonly lifecycles: DeliveryLifecycleActors,
    @Inject(RECIPIENT_ACTORS) private readonly recipients: RecipientActors,
  ) {}

  async execute({ notificationId, context }: CancelNotificationCommand): Promise<CancelResult> {
    const view = await this.queries.execute(new GetNotificationQuery(notificationId));
    if (view.deliveries.length === 0 && !view.digest) throw new ConflictException({ statusCode: 409, error: 'Conflict', message: 'this notification was suppressed: nothing to cancel' });
    // A digest's own id cancels its deliveries once it was sent; while it is open, its items are canceled one by one.
    const isDigest = view.digest?.digestId === notificationId;
    if (isDigest && view.deliveries.length === 0) throw new ConflictException({ statusCode: 409, error: 'Conflict', message: 'this digest has no delivery to cancel: cancel its notifications to take them out of it' });
    const removedFromDigest = view.digest && !isDigest ? await this.removeFromDigest(view.userId, notificationId, view.deliveries.length > 0, contextMetadata(context)) : undefined;
    if (view.deliveries.length === 0) return { notificationId, canceled: [], ...(removedFromDigest ? { removedFromDigest } : {}) };
    const { events } = await this.lifecycles.execute(
      notificationId,
      { type: 'Cancel', notificationId, deliveryIds: view.deliveries.map((d) => d.deliveryId), now: Date.now() },
      contextMetadata(context),
    );
    const canceled = events.flatMap((e) => (e.type === 'NotificationCanceled' ? e.data.deliveryIds : []));
    return { notificationId, canceled, ...(removedFromDigest ? { removedFromDigest } : {}) };
  }

  /** The digest it was taken out of; undefined when it was already sent in it and the notification has deliveries of its own left to cancel. */
  private async removeFromDigest(userId: string, notificationId: string, hasOwnDeliveries: boolean, metadata: ReturnType<typeof contextMetadata>): Promise<string | undefined> {
    try {
      const { events } = await this.recipients.execute(userId, { type: 'RemoveDigestItem', userId, notificationId, now: Date.now() }, metadata);
      return events.find((e) => e.type === 'DigestItemRemoved')?.data.digestId;
    } catch (error) {
      if (hasOwnDeliveries && error instanceof DomainError && error.code === 'conflict') return undefined;
      throw error;
    }
  }
}
