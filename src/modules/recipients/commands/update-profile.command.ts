import { Command } from '@nestjs/cqrs';
import type { Profile } from '../../../domain/recipient/events.js';
import type { RequestContext } from '../../auth/request-context.js';

export class UpdateProfileCommand extends Command<{ created: boolean }> {
  constructor(
    readonly userId: string,
    readonly profile: Profile,
    readonly context: RequestContext,
  ) {
    super();
  }
}
