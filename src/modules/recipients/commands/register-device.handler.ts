import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createHash, randomUUID } from 'node:crypto';
import { contextMetadata } from '../../auth/request-context.js';
import { DEVICE_TOKEN_ACTORS, RECIPIENT_ACTORS, type DeviceTokenActors, type RecipientActors } from '../recipient-actors.js';
import { RegisterDeviceCommand } from './register-device.command.js';

/**
 * Registers the device on the user, then claims the token. If another user held it, that user
 * is told to drop it. The previous holder is remembered on the token, so a client retrying
 * after a crash between the steps still completes the move.
 */
@CommandHandler(RegisterDeviceCommand)
export class RegisterDeviceHandler implements ICommandHandler<RegisterDeviceCommand> {
  constructor(
    @Inject(RECIPIENT_ACTORS) private readonly recipients: RecipientActors,
    @Inject(DEVICE_TOKEN_ACTORS) private readonly tokens: DeviceTokenActors,
  ) {}

  async execute({ userId, platform, provider, token, keys, context }: RegisterDeviceCommand): Promise<{ deviceId: string; created: boolean }> {
    const metadata = contextMetadata(context);
    const now = Date.now();
    const { state, events } = await this.recipients.execute(
      userId,
      { type: 'RegisterDevice', userId, deviceId: randomUUID(), platform, provider, token, keys, now },
      metadata,
    );
    const device = state.devices.find((d) => d.token === token)!;
    const tokenKey = createHash('sha256').update(`${provider}:${token}`).digest('hex').slice(0, 40);
    const claim = await this.tokens.execute(tokenKey, { type: 'ClaimDeviceToken', tokenKey, userId, deviceId: device.deviceId, now }, metadata);
    const previous = claim.state.previous;
    if (previous && previous.userId !== userId) {
      await this.recipients.execute(
        previous.userId,
        { type: 'RemoveDevice', userId: previous.userId, deviceId: previous.deviceId, reason: 'token_moved', now },
        metadata,
      );
    }
    return { deviceId: device.deviceId, created: events.length > 0 };
  }
}
