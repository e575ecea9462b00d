import { Vonage } from '@vonage/server-sdk';
import type { OutboundMessage, SendResult, ChannelProvider } from './provider.port.js';
import { ProviderError, parseRetryAfter } from './provider.port.js';

export interface SmsChannelOptions {
  apiKey: string;
  apiSecret: string;
  /** Sender id: an alphanumeric name or a virtual number. */
  from: string;
  restUrl: string;
  timeoutMs?: number;
}

/** Vonage SMS API status codes (https://developer.vonage.com/messaging/sms/guides/troubleshooting-sms). */
const RETRYABLE_STATUS = new Set(['1', '5']); // Throttled, Internal Error

/** The GSM 03.38 basic set; anything else needs type=unicode. */
const GSM7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;

export const isGsm7 = (text: string): boolean => GSM7.test(text);

type SmsFailureLike = Error & { getMessages?: () => { status?: string; errorText?: string; messageId?: string }[] };
type VetchErrorLike = Error & { response?: { status: number; headers: { get(name: string): string | null } } };

/** SMS through the real @vonage/server-sdk against the configured REST host. */
export class SmsChannel implements ChannelProvider {
  readonly name = 'vonage';
  readonly queue = 'sms' as const;
  private readonly vonage: Vonage;

  constructor(private readonly options: SmsChannelOptions) {
    this.vonage = new Vonage({ apiKey: options.apiKey, apiSecret: options.apiSecret }, { restHost: options.restUrl, timeout: options.timeoutMs ?? 10_000 });
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (message.target.channel !== 'sms') throw new ProviderError('permanent', 'wrong_target', `an SMS needs a phone target, got ${message.target.channel}`);
    const text = message.message.text ?? message.message.body ?? '';
    try {
      const response = await this.vonage.sms.send({
        to: message.target.phone.replace(/^\+/, ''),
        from: this.options.from,
        text,
        type: isGsm7(text) ? 'text' : 'unicode',
        clientRef: message.deliveryId,
      } as Parameters<Vonage['sms']['send']>[0]);
      const first = response.messages[0] as { messageId?: string } | undefined;
      return { providerMessageId: first?.messageId ?? null };
    } catch (error) {
      throw classify(error);
    }
  }

  async close(): Promise<void> {}
}

/** A single failed SMS arrives as MessageSendPartialFailure: its messages' status says why. */
function classify(error: unknown): ProviderError {
  const failure = error as SmsFailureLike;
  if (typeof failure?.getMessages === 'function') {
    const failed = failure.getMessages().find((m) => m.status !== '0');
    const status = failed?.status ?? 'unknown';
    const kind = RETRYABLE_STATUS.has(status) ? 'retryable' : 'permanent';
    return new ProviderError(kind, `status ${status}`, failed?.errorText ?? 'rejected by Vonage');
  }
  const response = (error as VetchErrorLike)?.response;
  if (response && typeof response.status === 'number') {
    const status = response.status;
    const kind = status === 429 || status >= 500 ? 'retryable' : 'permanent';
    return new ProviderError(kind, `http ${status}`, `Vonage answered HTTP ${status}`, parseRetryAfter(response.headers.get('retry-after')), status);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError('retryable', (error as Error)?.name === 'AbortError' ? 'timeout' : 'network', message);
}
