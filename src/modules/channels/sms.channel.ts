import { Vonage } from '@vonage/server-sdk';
import type { ChannelProvider, OutboundMessage, SendResult } from './provider.port.js';
import { ProviderError, parseRetryAfter } from './provider.port.js';

export interface SmsChannelOptions {
  apiKey: string;
  apiSecret: string;
  /** Sender id: an alphanumeric name or a virtual number. */
  from: string;
  /** The SDK's restHost, a full URL. */
  restUrl?: string;
  timeoutMs?: number;
}

/**
 * Vonage SMS API statuses (https://developer.vonage.com/en/api-errors/sms) that a later try can
 * turn into a success without changing the message: 1 Throttled, 5 Internal Error, 10 Too Many
 * Existing Binds ("back-off and retry"), and 9 Partner Quota Violation: out of credit is an
 * account state that a top-up ends ("top-up and retry"), so the SMS sent meanwhile are retried
 * (bounded by the channel's maxAttempts) rather than all dropped.
 */
const RETRYABLE_STATUS = new Set(['1', '5', '9', '10']);
/**
 * Statuses that will fail again as sent: bad or missing parameters, bad credentials or signature,
 * a barred or deactivated number, a barred account, too long, bad sender, bad network code,
 * not whitelisted. A status in neither set (one Vonage added since) is retried: Vonage did not
 * take the message, so a retry cannot send it twice.
 */
const PERMANENT_STATUS = new Set(['2', '3', '4', '6', '7', '8', '11', '12', '14', '15', '22', '23', '29', '32', '33']);

/** GSM 03.38: the basic set and the extension table (sent as escape + char). Anything else needs type=unicode. */
const GSM7 = new Set([
  ...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ...'\f^{}\\[~]|€',
]);

export const isGsm7 = (text: string): boolean => [...text].every((c) => GSM7.has(c));

/** Vonage documents client-ref as at most 100 characters; delivery ids are ~38, so this never cuts one in practice. */
const CLIENT_REF_MAX = 100;

type SmsParams = NonNullable<Parameters<Vonage['sms']['send']>[0]>;
type SmsFailure = Error & { getMessages(): { status?: string; errorText?: string }[] };
type HttpFailure = Error & { response: { status: number; headers: { get(name: string): string | null }; text(): Promise<string> } };

/** SMS through the real @vonage/server-sdk (SMS API, `POST /sms/json`) against the configured REST host. */
export class SmsChannel implements ChannelProvider {
  readonly name = 'vonage';
  readonly queue = 'sms' as const;
  private readonly vonage: Vonage;

  constructor(private readonly options: SmsChannelOptions) {
    // The SDK aborts the whole request (connect, answer and body) after `timeout` ms. An empty
    // privateKey (JWT only) spares Node's deprecation warning for the SDK's existsSync(undefined).
    this.vonage = new Vonage(
      { apiKey: options.apiKey, apiSecret: options.apiSecret, privateKey: '' },
      { restHost: options.restUrl ?? 'https://rest.nexmo.com', timeout: options.timeoutMs ?? 10_000 },
    );
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (message.target.channel !== 'sms') throw new ProviderError('permanent', 'wrong_target', `an SMS needs a phone target, got ${message.target.channel}`);
    const text = message.message.text ?? message.message.body ?? '';
    try {
      const response = await this.vonage.sms.send({
        to: message.target.phone.replace(/^\+/, ''),
        from: this.options.from,
        text,
        type: (isGsm7(text) ? 'text' : 'unicode') as SmsParams['type'],
        clientRef: message.deliveryId.slice(0, CLIENT_REF_MAX),
      });
      // A long text goes as several parts, each with its own id: the first stands for the SMS.
      return { providerMessageId: response.messages[0]?.messageId ?? null };
    } catch (error) {
      throw await classify(error);
    }
  }

  async close(): Promise<void> {}
}

/**
 * A rejected SMS is still HTTP 200: the SDK throws MessageSendPartialFailure even when its only
 * message failed (it compares the string message-count with a number), so the class says
 * nothing and each message's status says why. One failed part of a long text fails the SMS (a
 * retry resends every part: a repeated fragment beats a truncated message). Non-2xx answers come
 * as VetchError with the fetch Response; anything else (abort on timeout, reset, refused, TLS)
 * never got an answer.
 */
async function classify(error: unknown): Promise<ProviderError> {
  if (typeof (error as SmsFailure)?.getMessages === 'function') {
    const failed = (error as SmsFailure).getMessages().find((m) => m.status !== '0');
    const status = failed?.status ?? 'unknown';
    const documented = PERMANENT_STATUS.has(status) || RETRYABLE_STATUS.has(status);
    const reason = `Vonage: ${failed?.errorText ?? 'rejected'}${documented ? '' : ' (undocumented status)'}`;
    // Vonage answered with a status: it did not take the message.
    return new ProviderError(PERMANENT_STATUS.has(status) ? 'permanent' : 'retryable', `status ${status}`, reason, undefined, undefined, true);
  }
  const response = (error as HttpFailure)?.response;
  if (response && typeof response.status === 'number') {
    const { status } = response;
    // Read the body: it says why, and an unread body would hold the pooled socket.
    const body = (await response.text().catch(() => '')).slice(0, 200);
    const kind = status === 429 || status === 408 || status >= 500 ? 'retryable' : 'permanent';
    return new ProviderError(kind, `http ${status}`, `Vonage answered HTTP ${status}${body ? `: ${body}` : ''}`, parseRetryAfter(response.headers.get('retry-after')), status);
  }
  const e = error as Error & { code?: string };
  if (e?.name === 'AbortError') return new ProviderError('retryable', 'timeout', 'Vonage did not answer in time');
  return new ProviderError('retryable', e?.code ?? 'network', e?.message ?? String(error));
}
