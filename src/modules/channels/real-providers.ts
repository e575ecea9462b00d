import type { HeraldConfig } from '../../config/herald-config.js';
import type { ChannelQueue } from '../queues/queue.port.js';
import { ApnsChannel } from './apns.channel.js';
import { EmailChannel } from './email.channel.js';
import { FcmChannel } from './fcm.channel.js';
import type { ChannelProvider } from './provider.port.js';
import { SmsChannel } from './sms.channel.js';

/** The providers whose credentials are configured; the others fall back to the sandbox. */
export function realProviders(config: HeraldConfig): Partial<Record<ChannelQueue, ChannelProvider>> {
  const p = config.providers;
  const timeoutMs = p.timeoutMs;
  return {
    ...(p.apns ? { apns: new ApnsChannel({ ...p.apns, timeoutMs }) } : {}),
    ...(p.fcm ? { fcm: new FcmChannel({ ...p.fcm, timeoutMs }) } : {}),
    ...(p.vonage ? { sms: new SmsChannel({ ...p.vonage, timeoutMs }) } : {}),
    ...(p.mailgun ? { email: new EmailChannel({ ...p.mailgun, timeoutMs }) } : {}),
  };
}
