import { Command } from '@nestjs/cqrs';
import type { Platform, PushProvider, WebPushKeys } from '../../../domain/recipient/values.js';
import type { RequestContext } from '../../auth/request-context.js';

export class RegisterDeviceCommand extends Command<{ deviceId: string; created: boolean }> {
  constructor(
    readonly userId: string,
    readonly platform: Platform,
    readonly provider: PushProvider,
    /** The push token; for webpush, the subscription's endpoint. */
    readonly token: string,
    readonly keys: WebPushKeys | null,
    readonly context: RequestContext,
  ) {
    super();
  }
}
