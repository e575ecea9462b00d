import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { RECIPIENT_ACTORS, type RecipientActors } from '../recipient-actors.js';
import { SetChannelCommand } from './set-channel.command.js';

@CommandHandler(SetChannelCommand)
export class SetChannelHandler implements ICommandHandler<SetChannelCommand> {
  constructor(@Inject(RECIPIENT_ACTORS) private readonly actors: RecipientActors) {}

  async execute({ userId, channel, enabled, metadata }: SetChannelCommand): Promise<boolean> {
    const { events } = await this.actors.execute(userId, { type: 'SetChannel', userId, channel, enabled, now: Date.now() }, metadata);
    return events.length > 0;
  }
}
