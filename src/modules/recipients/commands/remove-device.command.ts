import { Command } from '@nestjs/cqrs';
import type { RequestContext } from '../recipient-actors.js';

export class RemoveDeviceCommand extends Command<void> {
  constructor(
    readonly userId: string,
    readonly deviceId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}
