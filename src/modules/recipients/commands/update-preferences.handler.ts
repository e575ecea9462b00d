import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Preferences } from '../../../domain/recipient/events.js';
import { contextMetadata } from '../../auth/request-context.js';
import { RECIPIENT_ACTORS, type RecipientActors } from '../recipient-actors.js';
import { UpdatePreferencesCommand } from './update-preferences.command.js';

@CommandHandler(UpdatePreferencesCommand)
export class UpdatePreferencesHandler implements ICommandHandler<UpdatePreferencesCommand> {
  constructor(@Inject(RECIPIENT_ACTORS) private readonly actors: RecipientActors) {}

  async execute({ userId, preferences, by }: UpdatePreferencesCommand): Promise<Preferences> {
    const { state } = await this.actors.execute(userId, { type: 'UpdatePreferences', userId, preferences, now: Date.now() }, 'source' in by ? by : contextMetadata(by));
    return state.preferences;
  }
}
