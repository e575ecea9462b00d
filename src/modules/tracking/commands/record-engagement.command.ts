import { Command } from '@nestjs/cqrs';
import type { DeliveryLifecycleEvent, EngagementKind, EngagementSource } from '../../../domain/notification/delivery-lifecycle.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';

/** Records that a sent delivery was opened, clicked or converted; the events appended (none for a repeat). */
export class RecordEngagementCommand extends Command<DeliveryLifecycleEvent[]> {
  constructor(
    readonly notificationId: string,
    readonly deliveryId: string,
    readonly kind: EngagementKind,
    readonly source: EngagementSource,
    readonly url: string | undefined,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
