import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { emailParts, messageIdFor } from './email-headers.js';
import type { ChannelProvider, OutboundMessage, SendResult } from './provider.port.js';
import { ProviderError, parseRetryAfter } from './provider.port.js';

export interface EmailChannelOptions {
  apiKey: string;
  domain: string;
  /** The From header, e.g. `Herald <noreply@mg.example.com>`. */
  from: string;
  /** The SDK's url: the API base, e.g. https://api.mailgun.eu for the EU region. */
  url?: string;
  timeoutMs?: number;
}

type MailgunClient = ReturnType<Mailgun['client']>;
type MessageData = Parameters<MailgunClient['messages']['create']>[1];

/**
 * The HTTP answer to the send running in this async context. mailgun.js turns every failure into
 * an APIError without the response headers, and reports a network failure as status 400 with
 * the Node error code as its message. Watching the request below the SDK (Node's
 * http.client.request.start channel, published synchronously in the caller's context) tells a
 * real 400 from a reset and keeps Retry-After.
 */
interface Answer {
  status?: number;
  retryAfter?: string;
}
const currentAnswer = new AsyncLocalStorage<Answer>();
subscribe('http.client.request.start', (message) => {
  const answer = currentAnswer.getStore();
  if (!answer) return;
  (message as { request: ClientRequest }).request.once('response', (res: IncomingMessage) => {
    answer.status = res.statusCode;
    answer.retryAfter = res.headers['retry-after'];
  });
});

/** Email through the real mailgun.js (`POST /v3/:domain/messages`) against the configured API base. */
export class EmailChannel implements ChannelProvider {
  readonly name = 'mailgun';
  readonly queue = 'email' as const;
  private readonly client: MailgunClient;

  constructor(private readonly options: EmailChannelOptions) {
    // axios (inside mailgun.js) counts timeout from the connection to the answer's headers.
    this.client = new Mailgun(FormData).client({ username: 'api', key: options.apiKey, url: options.url ?? 'https://api.mailgun.net', timeout: options.timeoutMs ?? 10_000 });
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const { to, subject, text, html, headers } = emailParts(message, this.options.from);
    // Ours last: a caller's variable cannot replace the ids that tie Mailgun events back to the delivery.
    const variables = { ...message.variables, deliveryId: message.deliveryId, notificationId: message.notificationId };
    const data = {
      from: this.options.from,
      to: [to],
      subject,
      // mailgun.js drops empty fields; Mailgun wants text or html, so a message with neither is rejected there.
      ...(text !== undefined ? { text } : {}),
      ...(html !== undefined ? { html } : {}),
      ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [`h:${name}`, value])),
      'h:Message-Id': messageIdFor(message.deliveryId, this.options.domain),
      ...(message.tags?.length ? { 'o:tag': message.tags } : {}),
      ...Object.fromEntries(Object.entries(variables).map(([name, value]) => [`v:${name}`, value])),
    } as MessageData;
    const answer: Answer = {};
    try {
      const result = await currentAnswer.run(answer, () => this.client.messages.create(this.options.domain, data));
      // Mailgun answers `<id>`; its events and webhooks carry the id without the brackets.
      return { providerMessageId: result.id ? result.id.replace(/^<|>$/g, '') : null };
    } catch (error) {
      throw classify(error, answer);
    }
  }

  async close(): Promise<void> {}
}

/**
 * Mailgun's documented answers: 429 (Retry-After) and 5xx are worth retrying, as is 408; every
 * other 4xx (400 bad address or field, 401 key, 402 plan, 404 domain, 413 too large) fails again
 * as sent. No answer at all (timeout, reset, refused, TLS) is retryable.
 */
function classify(error: unknown, answer: Answer): ProviderError {
  const e = error as { message?: string; details?: unknown };
  const detail = String(e?.details || e?.message || error).slice(0, 200);
  const status = answer.status;
  if (status === undefined) {
    // mailgun.js puts axios's error code (ECONNRESET, ECONNABORTED on timeout, ...) in the message.
    const code = /^[A-Z][A-Z0-9_]+$/.test(e?.message ?? '') ? e.message! : 'network';
    return new ProviderError('retryable', code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? 'timeout' : code, `Mailgun: ${detail}`);
  }
  const retryable = status === 429 || status === 408 || status >= 500;
  return new ProviderError(retryable ? 'retryable' : 'permanent', `http ${status}`, `Mailgun answered HTTP ${status}: ${detail}`, retryable ? parseRetryAfter(answer.retryAfter) : undefined, status);
}
