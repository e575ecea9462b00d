import { Command } from '@nestjs/cqrs';
import type { RequestContext } from '../../auth/request-context.js';

export class RemoveDeviceCommand extends Command<void> {
  constructor(
    readonly userId: string,
    readonly deviceId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}
