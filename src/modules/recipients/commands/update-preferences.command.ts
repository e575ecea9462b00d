import { Command } from '@nestjs/cqrs';
import type { Preferences } from '../../../domain/recipient/events.js';
import type { RequestContext } from '../../auth/request-context.js';

export class UpdatePreferencesCommand extends Command<Preferences> {
  constructor(
    readonly userId: string,
    readonly preferences: Preferences,
    readonly context: RequestContext,
  ) {
    super();
  }
}
