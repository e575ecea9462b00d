import { Command } from '@nestjs/cqrs';
import type { Platform, PushProvider } from '../../../domain/recipient/values.js';
import type { RequestContext } from '../../auth/request-context.js';

export class RegisterDeviceCommand extends Command<{ deviceId: string; created: boolean }> {
  constructor(
    readonly userId: string,
    readonly platform: Platform,
    readonly provider: PushProvider,
    readonly token: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}
