import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import type { ChannelProvider, OutboundMessage, SendResult } from './provider.port.js';
import { ProviderError } from './provider.port.js';

export interface EmailChannelOptions {
  apiKey: string;
  domain: string;
  from: string;
  url: string;
  timeoutMs?: number;
}

type MailgunClient = ReturnType<Mailgun['client']>;
const LINE_BREAK = /[\r\n]/;

/** Email through the real mailgun.js against the configured API base URL. */
export class EmailChannel implements ChannelProvider {
  readonly name = 'mailgun';
  readonly queue = 'email' as const;
  private readonly client: MailgunClient;

  constructor(private readonly options: EmailChannelOptions) {
    this.client = new Mailgun(FormData).client({ username: 'api', key: options.apiKey, url: options.url, timeout: options.timeoutMs ?? 10_000 });
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (message.target.channel !== 'email') throw new ProviderError('permanent', 'wrong_target', `an email needs an email target, got ${message.target.channel}`);
    const subject = message.message.subject ?? message.message.title ?? '';
    // Header injection: a line break in a header would let content add headers of its own.
    if (LINE_BREAK.test(subject) || LINE_BREAK.test(this.options.from)) throw new ProviderError('permanent', 'header_injection', 'subject and from must be single lines');
    const text = message.message.text ?? message.message.body;
    const variables = { deliveryId: message.deliveryId, notificationId: message.notificationId, ...(message.variables ?? {}) };
    const data: Record<string, unknown> = {
      from: this.options.from,
      to: [message.target.email],
      subject,
      ...(text !== undefined ? { text } : {}),
      ...(message.message.html !== undefined ? { html: message.message.html } : {}),
      ...(text === undefined && message.message.html === undefined ? { text: '' } : {}),
      'h:Message-Id': `<${message.deliveryId}@${this.options.domain}>`,
      ...(message.tags?.length ? { 'o:tag': message.tags } : {}),
      ...Object.fromEntries(Object.entries(variables).map(([k, v]) => [`v:${k}`, v])),
    };
    try {
      const result = await this.client.messages.create(this.options.domain, data as never);
      return { providerMessageId: result.id ? result.id.replace(/^<|>$/g, '') : null };
    } catch (error) {
      throw classify(error);
    }
  }

  async close(): Promise<void> {}
}

/**
 * Mailgun: 429 and 5xx are worth retrying; any other 4xx will not succeed as sent. mailgun.js
 * reports its own network failures (timeouts, resets, TLS) as status 400 with the Node error
 * code (ECONNABORTED, ECONNRESET, ...) as the message: those are retryable, not a rejection.
 */
function classify(error: unknown): ProviderError {
  const status = (error as { status?: number })?.status;
  const detail = String((error as { details?: string })?.details ?? (error as Error)?.message ?? error);
  const code = String((error as Error)?.message ?? '');
  if (/^[A-Z][A-Z0-9_]+$/.test(code)) return new ProviderError('retryable', code === 'ECONNABORTED' ? 'timeout' : 'network', `${detail} (${code})`);
  if (typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new ProviderError('permanent', `http ${status}`, detail, undefined, status);
  }
  if (typeof status === 'number' && status >= 400) return new ProviderError('retryable', `http ${status}`, detail, undefined, status);
  return new ProviderError('retryable', 'network', detail);
}
