import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { RECIPIENT_ACTORS, type RecipientActors } from '../recipient-actors.js';
import { SetCategoryChannelCommand } from './set-category-channel.command.js';

@CommandHandler(SetCategoryChannelCommand)
export class SetCategoryChannelHandler implements ICommandHandler<SetCategoryChannelCommand> {
  constructor(@Inject(RECIPIENT_ACTORS) private readonly actors: RecipientActors) {}

  async execute({ userId, category, channel, enabled, metadata }: SetCategoryChannelCommand): Promise<boolean> {
    const { events } = await this.actors.execute(userId, { type: 'SetCategoryChannel', userId, category, channel, enabled, now: Date.now() }, metadata);
    return events.length > 0;
  }
}
