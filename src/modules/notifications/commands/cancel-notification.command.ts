import { Command } from '@nestjs/cqrs';
import type { RequestContext } from '../../auth/request-context.js';

export class CancelNotificationCommand extends Command<{ notificationId: string; canceled: string[] }> {
  constructor(
    readonly notificationId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}
