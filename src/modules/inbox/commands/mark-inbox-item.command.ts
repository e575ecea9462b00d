import { Command } from '@nestjs/cqrs';
import type { DeliveryLifecycleEvent } from '../../../domain/notification/delivery-lifecycle.js';
import type { InboxMark } from '../../../domain/notification/inbox.js';

/** The user marks an item of their own feed seen, read or archived; the events appended (none for a repeat). */
export class MarkInboxItemCommand extends Command<DeliveryLifecycleEvent[]> {
  constructor(
    readonly userId: string,
    readonly notificationId: string,
    readonly itemId: string,
    readonly mark: InboxMark,
    readonly correlationId: string | undefined,
  ) {
    super();
  }
}
