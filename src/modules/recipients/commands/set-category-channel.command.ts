import { Command } from '@nestjs/cqrs';
import type { Channel } from '../../../domain/recipient/values.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';

/** The recipient switches one category's channel (one-click unsubscribe and its undo); resolves with whether anything changed. */
export class SetCategoryChannelCommand extends Command<boolean> {
  constructor(
    readonly userId: string,
    readonly category: string,
    readonly channel: Channel,
    readonly enabled: boolean,
    /** Says how the recipient made the change: `source` is e.g. 'one-click'. */
    readonly metadata: EventMetadata & { source: string },
  ) {
    super();
  }
}
