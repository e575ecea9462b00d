import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { contextMetadata } from '../../auth/request-context.js';
import { RECIPIENT_ACTORS, type RecipientActors } from '../recipient-actors.js';
import { RemoveDeviceCommand } from './remove-device.command.js';

@CommandHandler(RemoveDeviceCommand)
export class RemoveDeviceHandler implements ICommandHandler<RemoveDeviceCommand> {
  constructor(@Inject(RECIPIENT_ACTORS) private readonly actors: RecipientActors) {}

  async execute({ userId, deviceId, context }: RemoveDeviceCommand): Promise<void> {
    await this.actors.execute(userId, { type: 'RemoveDevice', userId, deviceId, reason: 'removed', now: Date.now() }, contextMetadata(context));
  }
}
