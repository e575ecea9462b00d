import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { contextMetadata } from '../../auth/request-context.js';
import { RECIPIENT_ACTORS, type RecipientActors } from '../recipient-actors.js';
import { UpdateProfileCommand } from './update-profile.command.js';

@CommandHandler(UpdateProfileCommand)
export class UpdateProfileHandler implements ICommandHandler<UpdateProfileCommand> {
  constructor(@Inject(RECIPIENT_ACTORS) private readonly actors: RecipientActors) {}

  async execute({ userId, profile, context }: UpdateProfileCommand): Promise<{ created: boolean }> {
    const { revision, events } = await this.actors.execute(userId, { type: 'UpdateProfile', userId, profile, now: Date.now() }, contextMetadata(context));
    return { created: events.length > 0 && revision === events.length - 1 };
  }
}
