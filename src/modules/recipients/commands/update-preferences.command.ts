import { Command } from '@nestjs/cqrs';
import type { Preferences } from '../../../domain/recipient/events.js';
import type { RequestContext } from '../../auth/request-context.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';

/** Who replaces the preferences: a calling service (its request context), or the recipient, saying how (`source`, e.g. 'preference-page'). */
export type PreferencesChanger = RequestContext | (EventMetadata & { source: string });

export class UpdatePreferencesCommand extends Command<Preferences> {
  constructor(
    readonly userId: string,
    readonly preferences: Preferences,
    readonly by: PreferencesChanger,
  ) {
    super();
  }
}
