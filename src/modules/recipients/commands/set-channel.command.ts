import { Command } from '@nestjs/cqrs';
import type { Channel } from '../../../domain/recipient/values.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';

/** The recipient switches a channel for every category (an SMS STOP or START); resolves with whether anything changed. */
export class SetChannelCommand extends Command<boolean> {
  constructor(
    readonly userId: string,
    readonly channel: Channel,
    readonly enabled: boolean,
    /** Says how the recipient made the change: `source` is e.g. 'sms-keyword', with the message as `causationId`. */
    readonly metadata: EventMetadata & { source: string },
  ) {
    super();
  }
}
