import type { EmailProviderName, HeraldConfig, SmsProviderName } from '../../config/herald-config.js';
import type { ChannelQueue } from '../queues/queue.port.js';
import { ApnsChannel } from './apns.channel.js';
import { EmailChannel } from './email.channel.js';
import { FcmChannel } from './fcm.channel.js';
import type { ChannelProvider } from './provider.port.js';
import { SmsChannel } from './sms.channel.js';
import { SmtpEmailChannel } from './smtp.channel.js';
import { TwilioSmsChannel } from './twilio.channel.js';
import { WebPushChannel } from './webpush.channel.js';

type Providers = HeraldConfig['providers'];

/** Each member of SMS_PROVIDERS and EMAIL_PROVIDERS by name; the configuration has made sure it is set up. */
const SMS: Record<SmsProviderName, (p: Providers) => ChannelProvider> = {
  vonage: (p) => new SmsChannel({ ...p.vonage!, timeoutMs: p.timeoutMs }),
  twilio: (p) => new TwilioSmsChannel({ ...p.twilio!, timeoutMs: p.timeoutMs }),
};
const EMAIL: Record<EmailProviderName, (p: Providers) => ChannelProvider> = {
  mailgun: (p) => new EmailChannel({ ...p.mailgun!, timeoutMs: p.timeoutMs }),
  smtp: (p) => new SmtpEmailChannel({ ...p.smtp!, timeoutMs: p.timeoutMs }),
};

type Chain = readonly [ChannelProvider, ...ChannelProvider[]];

/**
 * The providers whose credentials are configured, per queue in order of preference (SMS and
 * email follow SMS_PROVIDERS and EMAIL_PROVIDERS); queues with none fall back to the sandbox.
 */
export function realProviders(config: HeraldConfig): Partial<Record<ChannelQueue, Chain>> {
  const p = config.providers;
  const timeoutMs = p.timeoutMs;
  const sms = p.chains.sms.map((name) => SMS[name](p));
  const email = p.chains.email.map((name) => EMAIL[name](p));
  return {
    ...(p.apns ? { apns: [new ApnsChannel({ ...p.apns, timeoutMs })] } : {}),
    ...(p.fcm ? { fcm: [new FcmChannel({ ...p.fcm, timeoutMs })] } : {}),
    ...(p.webpush ? { webpush: [new WebPushChannel({ ...p.webpush, timeoutMs })] } : {}),
    ...(sms.length > 0 ? { sms: sms as unknown as Chain } : {}),
    ...(email.length > 0 ? { email: email as unknown as Chain } : {}),
  };
}
